import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { countPixels } from './helpers/canvas-pixels.ts';
import { useWebApp } from './helpers/web-app.ts';

// The first two line colours of the light and the dark theme (components/plot/theme-colours.ts).
const LIGHT = ['#0072b2', '#d55e00'];
const DARK = ['#56b4e9', '#f0a050'];

const TYPE = 'weather-station';
const HOUR = 3_600_000;

describe('time-series plots', () => {
  const web = useWebApp();
  const now = Date.now();

  async function post(url: string, body: unknown) {
    const res = await web.ctx.post(url, body);
    expect(res.statusCode, `${url}: ${res.body}`).toBeLessThan(300);
  }

  /** Readings of one series at `times` (epoch ms), a daily wave around `level`. */
  const series = (sensor: string, measure: string, times: number[], level: number) => ({
    sensor,
    measure,
    timestamps: times.map((t) => new Date(t).toISOString()),
    values: times.map((t) => Math.round((level + 3 * Math.sin(t / (4 * HOUR))) * 100) / 100),
  });

  beforeAll(async () => {
    await post('/sensor/insert-sensor-type', {
      name: TYPE,
      measures: [
        { name: 'temperature', units: 'degC', datatype: 'float' },
        { name: 'humidity', units: '%', datatype: 'float' },
        { name: 'status', units: null, datatype: 'string' },
      ],
    });
    for (const uid of ['ws-a', 'ws-b']) await post('/sensor/insert-sensor', { type_name: TYPE, unique_identifier: uid });
    // The last day every nine minutes (raw answers), and two years of hours before it for ws-a
    // (more than a plot's pixels: the server aggregates and sends min/max).
    const lastDay = Array.from({ length: 144 }, (_, i) => now - 22 * HOUR + i * 540_000);
    const twoYears = Array.from({ length: 2 * 365 * 24 }, (_, i) => now - 2 * 365 * 24 * HOUR + i * HOUR - 2 * 86_400_000);
    await post('/api/v1/readings', {
      series: [
        series('ws-a', 'temperature', [...twoYears, ...lastDay], 20),
        series('ws-b', 'temperature', lastDay, 12),
        series('ws-a', 'humidity', lastDay, 60),
        series('ws-b', 'humidity', lastDay, 40),
      ],
    });
  });

  /** Waits until every plot has drawn the answer to the page's current request. */
  async function plotsDrawn(page: Page) {
    await page.waitForFunction(() => {
      const plots = document.querySelector<HTMLElement>('.plots');
      return plots !== null && plots.dataset.drawnKey === plots.dataset.requestKey;
    });
  }

  const canvasOf = (page: Page, measure: string) => page.getByRole('region', { name: new RegExp(`^Plot of ${measure}`) }).locator('canvas');

  it('draws one plot per measure and one line per sensor, chosen through the controls, kept in the URL', async () => {
    const { page } = await web.newPage();
    await web.login(page);
    await page.getByRole('link', { name: 'Plots' }).click();
    await page.getByLabel('Sensor type').selectOption(TYPE);
    await page.getByRole('checkbox', { name: 'ws-a' }).check();
    await page.getByRole('checkbox', { name: 'ws-b' }).check();
    await page.getByRole('checkbox', { name: 'temperature (degC)' }).check();
    await page.getByRole('checkbox', { name: 'humidity (%)' }).check();
    // A string measure cannot be drawn as a line: it is not offered.
    expect(await page.getByRole('checkbox', { name: 'status' }).count()).toBe(0);
    await plotsDrawn(page);

    const url = new URL(page.url());
    expect(url.pathname).toBe('/plots');
    expect(url.searchParams.get('type')).toBe(TYPE);
    expect(url.searchParams.get('sensors')).toBe('ws-a,ws-b');
    expect(url.searchParams.get('measures')).toBe('temperature,humidity');

    for (const measure of ['temperature', 'humidity']) {
      const canvas = canvasOf(page, measure);
      const [first, second] = await countPixels(
        canvas,
        LIGHT.map((colour) => ({ colour })),
      );
      expect(first, `${measure}: ws-a's line`).toBeGreaterThan(200);
      expect(second, `${measure}: ws-b's line`).toBeGreaterThan(200);
      // What the canvas shows, in words.
      expect(await canvas.getAttribute('aria-label')).toMatch(new RegExp(`^${measure}.*ws-a: 144 points.*ws-b: 144 points`));
    }
    const legend = page.getByRole('list', { name: 'Legend of temperature (degC)' });
    expect(await legend.getByRole('listitem').allTextContents()).toEqual(['ws-a', 'ws-b']);

    // The same link opens the same plots.
    const { page: second } = await web.newPage();
    await web.login(second);
    await second.goto(url.pathname + url.search);
    await plotsDrawn(second);
    expect(await second.getByRole('region', { name: /^Plot of/ }).count()).toBe(2);
    await expect(second.getByLabel('Sensor type').inputValue()).resolves.toBe(TYPE);
    await second.screenshot({ path: '/tmp/B-plots.png', fullPage: true });
  });

  it('re-queries a narrower range with max_points after a drag across a plot, and redraws', async () => {
    const { page } = await web.newPage();
    await web.login(page);
    const from = new Date(now - 24 * HOUR).toISOString();
    await page.goto(`/plots?type=${TYPE}&sensors=ws-a,ws-b&measures=temperature&from=${from}`);
    await plotsDrawn(page);
    const before = await page.locator('.plots').getAttribute('data-drawn-key');
    const canvas = canvasOf(page, 'temperature');
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;

    const requery = page.waitForRequest((r) => {
      const u = new URL(r.url());
      return (
        u.pathname.startsWith('/api/v1/readings') &&
        u.searchParams.has('max_points') &&
        Date.parse(u.searchParams.get('from')!) > Date.parse(from) + HOUR
      );
    });
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
    const request = new URL((await requery).url());
    const span = Date.parse(request.searchParams.get('to')!) - Date.parse(request.searchParams.get('from')!);
    // A fifth of the day, give or take the plot's margins.
    expect(span).toBeGreaterThan(2 * HOUR);
    expect(span).toBeLessThan(8 * HOUR);
    expect(Number(request.searchParams.get('max_points'))).toBeGreaterThanOrEqual(100);
    await plotsDrawn(page);
    expect(await page.locator('.plots').getAttribute('data-drawn-key')).not.toBe(before);
    expect(new URL(page.url()).searchParams.get('to')).toBe(request.searchParams.get('to'));
    const [a, b] = await countPixels(
      canvas,
      LIGHT.map((colour) => ({ colour })),
    );
    expect(a).toBeGreaterThan(200);
    expect(b).toBeGreaterThan(200);
    expect(await canvas.getAttribute('aria-label')).toMatch(/ws-a: \d+ points/);

    // A second drag zooms further (the page stays where it was scrolled to).
    const again = page.waitForRequest((r) => {
      const u = new URL(r.url());
      const s = Date.parse(u.searchParams.get('to') ?? '') - Date.parse(u.searchParams.get('from') ?? '');
      return u.searchParams.has('max_points') && s < span * 0.5;
    });
    const box2 = (await canvas.boundingBox())!;
    await page.mouse.move(box2.x + box2.width * 0.3, box2.y + box2.height / 2);
    await page.mouse.down();
    await page.mouse.move(box2.x + box2.width * 0.6, box2.y + box2.height / 2, { steps: 8 });
    await page.mouse.up();
    const narrower = new URL((await again).url()).searchParams;
    const span2 = Date.parse(narrower.get('to')!) - Date.parse(narrower.get('from')!);
    await plotsDrawn(page);

    // The keyboard does what the mouse did: zooming out asks for a wider range.
    const wider = page.waitForRequest((r) => {
      const u = new URL(r.url());
      const s = Date.parse(u.searchParams.get('to') ?? '') - Date.parse(u.searchParams.get('from') ?? '');
      return u.searchParams.has('max_points') && s > span2 * 1.5;
    });
    await page.getByRole('button', { name: 'Zoom out' }).focus();
    await page.keyboard.press('Enter');
    await wider;
    await plotsDrawn(page);
  });

  it('draws min/max bands where the server aggregated a long range', async () => {
    const { page } = await web.newPage();
    await web.login(page);
    const from = new Date(now - 2 * 365 * 24 * HOUR - 3 * 86_400_000).toISOString();
    // The readings answer, not the realtime feed's stream (which never ends).
    const answer = page.waitForResponse((r) => new URL(r.url()).searchParams.has('max_points'));
    await page.goto(`/plots?type=${TYPE}&sensors=ws-a&measures=temperature&from=${from}`);
    const body = await (await answer).json();
    expect(body.resolution).not.toBe('raw');
    expect(body.min.length).toBe(body.values.length);
    await plotsDrawn(page);
    const canvas = canvasOf(page, 'temperature');
    // The band is the line's colour, translucent; the line itself is opaque.
    const [band, line] = await countPixels(canvas, [
      { colour: LIGHT[0], minAlpha: 20, maxAlpha: 90 },
      { colour: LIGHT[0], minAlpha: 200 },
    ]);
    expect(band).toBeGreaterThan(2000);
    expect(line).toBeGreaterThan(200);
    await page.getByText('(shaded: min–max of each bucket)').waitFor();
    await page.getByText('Show as table').click();
    const row = page.getByRole('row', { name: /ws-a/ });
    expect(Number(await row.getByRole('cell').first().textContent())).toBeGreaterThan(100);
    await page.screenshot({ path: '/tmp/B-plots-bands.png', fullPage: true });
  });

  it('appends a reading posted while the range runs until now', async () => {
    const { page } = await web.newPage();
    await web.login(page);
    await page.goto(`/plots?type=${TYPE}&sensors=ws-b&measures=temperature`);
    await plotsDrawn(page);
    const canvas = canvasOf(page, 'temperature');
    expect(await canvas.getAttribute('aria-label')).toMatch(/ws-b: 144 points/);
    // Give the realtime feed a moment to be subscribed before the reading is stored.
    await page.waitForTimeout(500);
    await post('/api/v1/readings', {
      series: [{ sensor: 'ws-b', measure: 'temperature', timestamps: [new Date().toISOString()], values: [42.5] }],
    });
    await page.waitForFunction(
      () => /ws-b: 145 points.*last 42\.5/.test(document.querySelector('.plots canvas')?.getAttribute('aria-label') ?? ''),
      undefined,
      { timeout: 10_000 },
    );
  });

  it('follows the dark theme and fits a phone', async () => {
    const { page } = await web.newPage({ viewport: { width: 375, height: 800 } });
    await page.emulateMedia({ colorScheme: 'dark' });
    await web.login(page);
    await page.goto(`/plots?type=${TYPE}&sensors=ws-a,ws-b&measures=humidity`);
    await plotsDrawn(page);
    const canvas = canvasOf(page, 'humidity');
    const [a, b] = await countPixels(
      canvas,
      DARK.map((colour) => ({ colour, tolerance: 30 })),
    );
    expect(a).toBeGreaterThan(100);
    expect(b).toBeGreaterThan(100);
    // The page does not scroll sideways at 375 px.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page.screenshot({ path: '/tmp/B-plots-phone-dark.png', fullPage: true });
  });

  it('says in words when a series cannot be read', async () => {
    const { page } = await web.newPage();
    await web.login(page);
    await page.goto(`/plots?type=${TYPE}&sensors=no-such-sensor&measures=temperature`);
    await expect(page.getByRole('alert').first().textContent()).resolves.toMatch(
      /Could not load temperature of no-such-sensor\. Not found: Sensor does not exist/,
    );
  });
});
