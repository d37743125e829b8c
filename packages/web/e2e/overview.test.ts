import { beforeAll, describe, expect, it } from 'vitest';
import { useWebApp } from './helpers/web-app.ts';

describe('the overview', () => {
  // Loopback may be called by services (only through this allow-list); nothing listens on port 1.
  const web = useWebApp({ MIRRORBASE_SERVICE_ALLOWED_HOSTS: '127.0.0.1' });

  const reading = (uid: string, value: number, timestamp: string) =>
    web.ctx.postCreated('/sensor/insert-sensor-readings', {
      unique_identifier: uid,
      measure_name: 'temperature',
      readings: [value],
      timestamps: [timestamp],
    });

  beforeAll(async () => {
    await web.ctx.postCreated('/sensor/insert-sensor-type', {
      name: 'thermometer',
      measures: [{ name: 'temperature', units: 'C', datatype: 'float' }],
    });
    await web.ctx.postCreated('/sensor/insert-sensor', { type_name: 'thermometer', unique_identifier: 't-1', name: 'Kitchen thermometer' });
    await web.ctx.postCreated('/sensor/insert-sensor', { type_name: 'thermometer', unique_identifier: 't-2' });
    await reading('t-1', 20.5, '2024-06-01T10:00:00Z');
    await web.ctx.postCreated('/location/insert-location-schema', { name: 'rooms', identifiers: [{ name: 'room', datatype: 'string' }] });
    await web.ctx.postCreated('/location/insert-location-for-schema', { schema_name: 'rooms', coordinates: { room: 'kitchen' } });
    await web.ctx.postCreated('/model/insert-model', { name: 'forecast' });
    await web.ctx.postCreated('/service/insert-service', { name: 'ingress', url: 'http://127.0.0.1:1/run', http_method: 'POST' });
    // The service cannot be reached: the run is logged as failed (DTBase's route answers 502).
    expect((await web.ctx.post('/service/run-service', { service_name: 'ingress' })).statusCode).toBe(502);
  });

  it('counts what there is, shows every latest value live, linked to its sensor, and the recent service runs', async () => {
    const { page } = await web.newPage();
    await page.goto('/login');
    await web.login(page);
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();

    for (const name of ['2 Sensors', '1 Sensor types', '1 Locations', '1 Location schemas', '1 Models', '0 Scenarios', '1 Services']) {
      await page.getByRole('link', { name, exact: true }).waitFor();
    }
    expect(await page.getByRole('link', { name: '2 Sensors', exact: true }).getAttribute('href')).toBe('/sensors');

    const latest = page.getByRole('table', { name: 'Latest value of every sensor' });
    const kitchen = latest.getByRole('row').filter({ hasText: 'Kitchen thermometer' });
    await kitchen.getByText('20.5 C').waitFor();
    expect(await kitchen.getByRole('link', { name: 'Kitchen thermometer' }).getAttribute('href')).toBe('/sensors/t-1');
    // A sensor without readings is listed too, named by its identifier.
    expect(await latest.getByRole('row').filter({ hasText: 't-2' }).textContent()).toContain('no reading yet');

    const runs = page.getByRole('table', { name: 'Recent service runs, newest first' });
    const run = runs.getByRole('row').filter({ hasText: 'ingress' });
    await run.waitFor();
    expect(await run.textContent()).toContain('failed');
    expect(await run.getByRole('link', { name: 'ingress' }).getAttribute('href')).toBe('/services/ingress');

    // A reading posted through the API moves the value on the page, which does not reload.
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    await reading('t-1', 23.25, '2024-06-01T11:00:00Z');
    await kitchen.getByText('23.25 C').waitFor();
    // A late reading (older than the one shown) leaves the latest as it is.
    await reading('t-1', 1, '2024-06-01T09:00:00Z');
    // Counts follow the entity feed: a new sensor shows up too.
    await web.ctx.postCreated('/sensor/insert-sensor', { type_name: 'thermometer', unique_identifier: 't-3' });
    await page.getByRole('link', { name: '3 Sensors', exact: true }).waitFor();
    // A second run is listed first.
    expect((await web.ctx.post('/service/run-service', { service_name: 'ingress' })).statusCode).toBe(502);
    await runs.getByRole('row').filter({ hasText: 'ingress' }).nth(1).waitFor();
    const ids = (await web.ctx.get('/api/v1/service-runs')).json().items.map((r: { id: number }) => r.id);
    expect(ids).toEqual([2, 1]);
    expect(await kitchen.textContent()).toContain('23.25 C');
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await page.screenshot({ path: '/tmp/C-overview.png', fullPage: true });
  });

  it('shows a viewer the same at a phone width in the dark theme, with no control that writes', async () => {
    await web.createUser('viewer@example.org', 'viewer');
    const { page } = await web.newPage({ viewport: { width: 375, height: 800 } });
    await page.goto('/login');
    await web.login(page, 'viewer@example.org');
    await page.evaluate(() => localStorage.setItem('mirrorbase.theme', 'dark'));
    await page.reload();
    await page.getByRole('table', { name: 'Latest value of every sensor' }).getByText('Kitchen thermometer').waitFor();
    // The shell's own buttons only (menu, theme, log out), and the tables' sort headers.
    const buttons = await page.getByRole('button').allTextContents();
    expect(buttons.filter((text) => /create|delete|add|run|install/i.test(text))).toEqual([]);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: '/tmp/C-overview-phone-dark.png', fullPage: true });
  });
});
