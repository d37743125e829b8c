import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiGet, overflowsSideways, screenshotDarkPhone } from './helpers/data-pages.ts';
import { TEST_PASSWORD, useWebApp } from './helpers/web-app.ts';

const FROM = '2024-03-01T00:00:00.000Z';
const TO = '2024-03-02T00:00:00.000Z';
const POWER_READINGS = 120;

/** A CSV in the ingest format: 120 power readings a minute apart (odd decimals), and 3 states with commas and quotes. */
function readingsCsv(): string {
  const lines = ['sensor,measure,timestamp,value'];
  for (let i = 0; i < POWER_READINGS; i++) {
    const timestamp = new Date(Date.parse(FROM) + (i + 1) * 60_000).toISOString();
    lines.push(`meter-1,power,${timestamp},${(i * 0.1 + 1 / 3).toPrecision(15)}`);
  }
  lines.push(`meter-1,state,2024-03-01T10:00:00Z,on`);
  lines.push(`meter-1,state,2024-03-01T11:00:00Z,"off, by hand"`);
  lines.push(`meter-1,state,2024-03-01T12:00:00Z,"said ""stop"""`);
  return `${lines.join('\n')}\n`;
}

/** RFC 4180 records of a CSV text (quoted fields, doubled quotes): enough for the files compared here. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') record.push(field), (field = '');
    else if (c === '\n') record.push(field), records.push(record), (record = []), (field = '');
    else if (c !== '\r') field += c;
  }
  if (field || record.length) record.push(field), records.push(record);
  return records;
}

/** A datetime-local value for an instant, in the browser's own time zone (as a person would type it). */
function localInput(page: Page, iso: string): Promise<string> {
  return page.evaluate((instant) => {
    const d = new Date(instant);
    const p = (n: number) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  }, iso);
}

interface SeriesBody {
  timestamps: string[];
  values: unknown[];
}

describe('the readings table: upload, table, download', () => {
  const web = useWebApp();

  beforeAll(async () => {
    await web.ctx.postCreated('/sensor/insert-sensor-type', {
      name: 'meter',
      measures: [
        { name: 'power', units: 'W', datatype: 'float' },
        { name: 'state', units: null, datatype: 'string' },
      ],
    });
    await web.ctx.postCreated('/sensor/insert-sensor', { type_name: 'meter', unique_identifier: 'meter-1', name: 'Main meter' });
  });

  it('uploads a CSV with its progress and the summary, shows the readings paged, and downloads exactly what the API returns', async () => {
    const { page } = await web.newPage();
    await web.login(page);
    await page.goto('/readings');

    const csv = Buffer.from(readingsCsv());
    await page.getByLabel('CSV file of readings').setInputFiles({ name: 'meter.csv', mimeType: 'text/csv', buffer: csv });
    await page.getByRole('button', { name: 'Upload CSV' }).click();
    const summary = page.getByRole('status').filter({ hasText: 'Stored' });
    await summary.waitFor();
    expect(await summary.textContent()).toBe('Stored 123 readings; skipped 0 duplicates (already stored); 2 series in the file.');
    const size = csv.length.toLocaleString('en-US');
    expect(await page.getByTestId('upload-progress-text').textContent()).toBe(`Sent ${size} bytes of ${size} bytes (100%)`);
    const progress = page.getByRole('progressbar', { name: 'Upload progress' });
    expect(await progress.getAttribute('value')).toBe(String(csv.length));
    expect(await progress.getAttribute('max')).toBe(String(csv.length));

    // The same file again: everything is a duplicate, and the summary says so.
    await page.getByRole('button', { name: 'Upload CSV' }).click();
    await page.getByRole('status').filter({ hasText: 'Stored 0 readings; skipped 123 duplicates' }).waitFor();

    await page.getByLabel('Sensor', { exact: true }).selectOption('meter-1');
    await page.getByLabel('Measure', { exact: true }).selectOption({ label: 'power (W)' });
    await page.getByLabel('From (your local time)').fill(await localInput(page, FROM));
    await page.getByLabel('To (your local time)').fill(await localInput(page, TO));
    await page.getByRole('button', { name: 'Show readings' }).click();
    await page.waitForURL((url) => url.searchParams.get('from') === FROM && url.searchParams.get('to') === TO);
    await page.getByRole('heading', { name: `${POWER_READINGS} readings` }).waitFor();

    const api = await apiGet<SeriesBody>(web, `/api/v1/readings?sensor=meter-1&measure=power&from=${FROM}&to=${TO}`);
    expect(api.timestamps).toHaveLength(POWER_READINGS);
    const table = page.getByRole('table', { name: 'Readings of power (W) of sensor meter-1' });
    const bodyRows = table.locator('tbody tr');
    expect(await bodyRows.count()).toBe(50);
    expect(await bodyRows.first().locator('td').allTextContents()).toEqual([api.timestamps[0], String(api.values[0])]);
    await page.getByText('Page 1 of 3').waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Page 2 of 3').waitFor();
    expect(await bodyRows.first().locator('td').allTextContents()).toEqual([api.timestamps[50], String(api.values[50])]);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^meter-1_power_.*\.csv$/);
    const records = parseCsv(await readFile((await download.path())!, 'utf8'));
    expect(records[0]).toEqual(['timestamp', 'value']);
    expect(records.slice(1).map(([timestamp, value]) => [timestamp, Number(value)])).toEqual(
      api.timestamps.map((t, i) => [t, api.values[i]]),
    );

    expect(await overflowsSideways(page)).toBe(false);
    await screenshotDarkPhone(page, '/tmp/A-readings-dark-phone.png');
  });

  it('shows the bytes sent while a larger file is still on its way', async () => {
    const { page } = await web.newPage();
    await web.login(page);
    await page.goto('/readings');
    const lines = ['sensor,measure,timestamp,value'];
    for (let i = 0; i < 6000; i++)
      lines.push(`meter-1,power,${new Date(Date.parse('2024-04-01T00:00:00Z') + i * 1000).toISOString()},${i}.5`);
    const csv = Buffer.from(`${lines.join('\n')}\n`);
    // Chromium's own network throttling (DevTools protocol) slows the upload to about 100 kB/s.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 100_000 });
    await page.getByLabel('CSV file of readings').setInputFiles({ name: 'big.csv', mimeType: 'text/csv', buffer: csv });
    await page.getByRole('button', { name: 'Upload CSV' }).click();
    const total = csv.length.toLocaleString('en-US');
    const partial = new RegExp(`^Sent [1-9][\\d,]* bytes of ${total} bytes \\(([1-9]|[1-9]\\d)%\\)`);
    await page.getByTestId('upload-progress-text').filter({ hasText: partial }).waitFor({ timeout: 20_000 });
    await page.getByRole('status').filter({ hasText: 'Stored 6,000 readings; skipped 0 duplicates' }).waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('upload-progress-text').textContent()).toBe(`Sent ${total} bytes of ${total} bytes (100%)`);
    await cdp.detach();
  });

  it('downloads text values (commas, quotes) exactly as the API returns them', async () => {
    const { page } = await web.newPage();
    await web.login(page);
    await page.goto(`/readings?sensor=meter-1&measure=state&from=${FROM}&to=${TO}`);
    await page.getByRole('heading', { name: '3 readings' }).waitFor();
    await page.getByRole('cell', { name: 'off, by hand', exact: true }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    const records = parseCsv(await readFile((await download.path())!, 'utf8'));
    const api = await apiGet<SeriesBody>(web, `/api/v1/readings?sensor=meter-1&measure=state&from=${FROM}&to=${TO}`);
    expect(api.values).toEqual(['on', 'off, by hand', 'said "stop"']);
    expect(records.slice(1)).toEqual(api.timestamps.map((t, i) => [t, api.values[i]]));
  });

  it('says in words why the server refused an upload, and why a read failed', async () => {
    const { page } = await web.newPage();
    await web.login(page);
    await page.goto('/readings');
    const bad = 'sensor,measure,timestamp,value\nmeter-1,power,2024-03-05T00:00:00Z,1\nno-such-sensor,power,2024-03-05T00:01:00Z,2\n';
    await page.getByLabel('CSV file of readings').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await page.getByRole('button', { name: 'Upload CSV' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'The upload failed' });
    await alert.waitFor();
    expect(await alert.textContent()).toBe('The upload failed. line 3: Sensor does not exist');
    // One transaction: the valid line was not stored either.
    const after = await apiGet<SeriesBody>(
      web,
      '/api/v1/readings?sensor=meter-1&measure=power&from=2024-03-05T00:00:00Z&to=2024-03-06T00:00:00Z',
    );
    expect(after.timestamps).toEqual([]);

    await page.goto(`/readings?sensor=meter-1&measure=no-such-measure&from=${FROM}&to=${TO}`);
    const readError = page.getByRole('alert').filter({ hasText: 'Could not load readings' });
    await readError.waitFor();
    expect((await readError.textContent())!.length).toBeGreaterThan('Could not load readings. '.length);
  });

  it('shows a viewer the readings without the upload', async () => {
    await web.createUser('reader@example.org', 'viewer');
    const { page } = await web.newPage();
    await web.login(page, 'reader@example.org', TEST_PASSWORD);
    await page.goto(`/readings?sensor=meter-1&measure=power&from=${FROM}&to=${TO}`);
    await page.getByRole('heading', { name: `${POWER_READINGS} readings` }).waitFor();
    await page.getByRole('button', { name: 'Download CSV' }).waitFor();
    expect(await page.getByRole('button', { name: 'Upload CSV' }).count()).toBe(0);
    expect(await page.locator('input[type="file"]').count()).toBe(0);
  });
});
