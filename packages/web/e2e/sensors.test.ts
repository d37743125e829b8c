import { beforeAll, describe, expect, it } from 'vitest';
import { apiGet, overflowsSideways, screenshotDarkPhone } from './helpers/data-pages.ts';
import { TEST_PASSWORD, useWebApp } from './helpers/web-app.ts';

interface SensorTypeBody {
  name: string;
  measures: { id: number; name: string; units: string | null; datatype: string }[];
}

describe('sensor types, sensors and a sensor page', () => {
  const web = useWebApp();

  beforeAll(async () => {
    // A measure that exists before the new type: the form must reuse it, not make another.
    await web.ctx.postCreated('/sensor/insert-sensor-type', {
      name: 'hygrometer',
      measures: [{ name: 'humidity', units: '%', datatype: 'float' }],
    });
    await web.ctx.postCreated('/location/insert-location-schema', {
      name: 'roof',
      identifiers: [
        { name: 'x', units: 'm', datatype: 'float' },
        { name: 'y', units: 'm', datatype: 'float' },
      ],
    });
  });

  it('creates a type from two new measures and one existing, then a sensor of it, edits it and lists it under its type', async () => {
    const { page } = await web.newPage();
    await web.login(page);
    await page.goto('/sensor-types');
    await page.getByRole('cell', { name: 'hygrometer', exact: true }).waitFor();

    await page.getByLabel('Type name').fill('weather-station');
    await page.getByLabel('Description').fill('a station on the roof');
    await page.getByLabel('Measure 1 name').fill('temperature');
    await page.getByLabel('Measure 1 units').fill('degC');
    await page.getByRole('button', { name: 'Add a measure' }).click();
    await page.getByLabel('Measure 2 name').fill('gusts');
    await page.getByLabel('Measure 2 units').fill('count');
    await page.getByLabel('Measure 2 datatype').selectOption('integer');
    await page.getByRole('button', { name: 'Add a measure' }).click();
    await page.getByLabel('Measure 3 is').selectOption('existing');
    await page.getByLabel('Existing measure 3').selectOption({ label: 'humidity (%), float' });
    await page.screenshot({ path: '/tmp/A-sensor-types-form.png', fullPage: true });
    await page.getByRole('button', { name: 'Create sensor type' }).click();
    await page.getByRole('status').filter({ hasText: 'Sensor type created' }).waitFor();
    await page.getByRole('cell', { name: 'weather-station', exact: true }).waitFor();

    const created = await apiGet<SensorTypeBody>(web, '/api/v1/sensor-types/weather-station');
    expect(created.measures.map((m) => [m.name, m.units, m.datatype])).toEqual([
      ['temperature', 'degC', 'float'],
      ['gusts', 'count', 'integer'],
      ['humidity', '%', 'float'],
    ]);
    const hygrometer = await apiGet<SensorTypeBody>(web, '/api/v1/sensor-types/hygrometer');
    expect(created.measures[2]!.id).toBe(hygrometer.measures[0]!.id);

    await page.goto('/sensors');
    await page.getByLabel('Sensor type').selectOption('weather-station');
    await page.getByLabel('Unique identifier').fill('ws-1');
    await page.getByLabel('Name', { exact: true }).fill('Roof');
    await page.getByLabel('Notes').fill('north corner');
    await page.getByRole('button', { name: 'Create sensor' }).click();
    const table = page.getByRole('table', { name: 'Sensors of type weather-station' });
    await table.getByRole('link', { name: 'ws-1' }).waitFor();
    await expect(table.getByRole('cell', { name: 'north corner', exact: true }).count()).resolves.toBe(1);
    // The other type's table is there too, empty.
    await page.getByRole('table', { name: 'Sensors of type hygrometer' }).getByText('No sensor of this type yet.').waitFor();

    await page.getByRole('button', { name: 'Edit sensor ws-1' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit sensor ws-1' });
    await dialog.getByLabel('Name').fill('Roof station');
    await dialog.getByLabel('Notes').fill('moved to the south corner');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await table.getByRole('cell', { name: 'Roof station', exact: true }).waitFor();
    await table.getByRole('cell', { name: 'moved to the south corner', exact: true }).waitFor();
    const edited = await apiGet<{ name: string; notes: string; type: { name: string } }>(web, '/api/v1/sensors/ws-1');
    expect(edited).toMatchObject({ name: 'Roof station', notes: 'moved to the south corner', type: { name: 'weather-station' } });

    await page.getByRole('button', { name: 'Create sensor' }).scrollIntoViewIfNeeded();
    expect(await overflowsSideways(page)).toBe(false);
    await screenshotDarkPhone(page, '/tmp/A-sensors-dark-phone.png');
  });

  it('says in words why the server refused a sensor whose unique identifier exists', async () => {
    const { page } = await web.newPage();
    await web.login(page);
    await page.goto('/sensors');
    await page.getByLabel('Sensor type').selectOption('hygrometer');
    await page.getByLabel('Unique identifier').fill('ws-1');
    await page.getByRole('button', { name: 'Create sensor' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Could not create the sensor' });
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/Conflict: Sensor exists already/);
    expect((await apiGet<{ items: unknown[] }>(web, '/api/v1/sensors?type=hygrometer')).items).toEqual([]);
  });

  it("shows a sensor's latest values, updating live, its locations over time, and links to its readings and plot", async () => {
    for (const coordinates of [
      { x: 1, y: 2 },
      { x: 3.5, y: 4 },
    ]) {
      await web.ctx.postCreated('/location/insert-location-for-schema', { schema_name: 'roof', coordinates });
    }
    await web.ctx.postCreated('/sensor/insert-sensor-location', {
      unique_identifier: 'ws-1',
      schema_name: 'roof',
      coordinates: { x: 1, y: 2 },
      installation_datetime: '2024-01-01T00:00:00Z',
    });
    await web.ctx.postCreated('/sensor/insert-sensor-location', {
      unique_identifier: 'ws-1',
      schema_name: 'roof',
      coordinates: { x: 3.5, y: 4 },
      installation_datetime: '2024-06-01T12:00:00Z',
    });
    await web.ctx.postCreated('/sensor/insert-sensor-readings', {
      unique_identifier: 'ws-1',
      measure_name: 'temperature',
      readings: [20.5],
      timestamps: ['2024-07-01T00:00:00Z'],
    });

    const { page } = await web.newPage();
    await web.login(page);
    // The feed's connection is open once its response headers arrive: a reading posted after
    // that reaches the page through it, not through a refetch.
    const streamOpen = page.waitForResponse((res) => res.url().includes('/api/v1/readings/stream'));
    await page.goto('/sensors/ws-1');
    await page.getByRole('heading', { name: 'Roof station' }).waitFor();
    const temperature = page.getByRole('article', { name: 'Latest temperature' });
    await temperature.getByText('20.5').waitFor();
    await expect(page.getByRole('article', { name: 'Latest gusts' }).getByText('No reading yet').count()).resolves.toBe(1);

    const installations = page.getByRole('table', { name: 'Installations of sensor ws-1' });
    const rows = installations.locator('tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).textContent()).toContain('x: 3.5, y: 4');
    expect(await rows.nth(0).textContent()).toContain('now');
    expect(await rows.nth(1).textContent()).toContain('x: 1, y: 2');

    await streamOpen;
    const requestsBefore: string[] = [];
    page.on('request', (request) => requestsBefore.push(request.url()));
    const posted = await web.ctx.post('/api/v1/readings', {
      series: [{ sensor: 'ws-1', measure: 'temperature', timestamps: [new Date().toISOString()], values: [23.25] }],
    });
    expect(posted.statusCode).toBe(200);
    await temperature.getByText('23.25').waitFor({ timeout: 10_000 });
    expect(requestsBefore.filter((url) => url.includes('/api/v1/sensors/ws-1'))).toEqual([]);

    const plot = new URL((await page.getByRole('link', { name: 'Plot its measures' }).getAttribute('href'))!, web.url);
    expect(plot.pathname).toBe('/plots');
    expect(Object.fromEntries(plot.searchParams)).toEqual({
      type: 'weather-station',
      sensors: 'ws-1',
      measures: 'temperature,gusts,humidity',
    });

    expect(await overflowsSideways(page)).toBe(false);
    await screenshotDarkPhone(page, '/tmp/A-sensor-dark-phone.png');

    await page.getByRole('link', { name: 'Readings of temperature' }).click();
    await page.waitForURL(/\/readings\?sensor=ws-1&measure=temperature/);
    await page.getByRole('heading', { name: 'Readings', exact: true }).waitFor();
    await expect(page.getByLabel('Measure', { exact: true }).inputValue()).resolves.not.toBe('');
  });

  it('shows a viewer these pages without any create, edit, delete or upload control', async () => {
    await web.createUser('viewer@example.org', 'viewer');
    const { page } = await web.newPage();
    await web.login(page, 'viewer@example.org', TEST_PASSWORD);

    await page.goto('/sensor-types');
    await page.getByRole('cell', { name: 'weather-station', exact: true }).waitFor();
    await page.goto('/sensors');
    await page.getByRole('table', { name: 'Sensors of type weather-station' }).getByRole('link', { name: 'ws-1' }).waitFor();
    await page.goto('/sensors/ws-1');
    await page.getByRole('heading', { name: 'Roof station' }).waitFor();
    await page.goto('/readings?sensor=ws-1&measure=temperature');
    await page
      .getByRole('heading', { name: /readings?$/ })
      .first()
      .waitFor();

    for (const path of ['/sensor-types', '/sensors', '/sensors/ws-1', '/readings?sensor=ws-1&measure=temperature']) {
      await page.goto(path);
      await page.locator('main h1').waitFor();
      // The data is shown (the lists have loaded) before the absence of controls means anything.
      await page.locator('main [aria-busy="true"]').first().waitFor({ state: 'detached' });
      const writeControls = page.getByRole('button', { name: /create|edit|delete|upload|save|add a measure/i });
      expect(await writeControls.count(), `write controls on ${path}`).toBe(0);
      expect(await page.locator('main input[type="file"], main form[aria-labelledby]').count(), `forms on ${path}`).toBe(0);
    }
  });

  it('deletes the sensor, then its type, and says in words why a type with sensors cannot go', async () => {
    const { page } = await web.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await web.login(page);

    await page.goto('/sensor-types');
    await page.getByRole('button', { name: 'Delete sensor type weather-station' }).click();
    const refused = page.getByRole('alert').filter({ hasText: 'Could not delete the sensor type' });
    await refused.waitFor();
    expect(await refused.textContent()).toMatch(/Conflict: /);

    await page.goto('/sensors');
    await page.getByRole('button', { name: 'Delete sensor ws-1' }).click();
    await page.getByRole('table', { name: 'Sensors of type weather-station' }).getByText('No sensor of this type yet.').waitFor();
    expect((await web.ctx.get('/api/v1/sensors/ws-1')).statusCode).toBe(404);

    await page.goto('/sensor-types');
    await page.getByRole('button', { name: 'Delete sensor type weather-station' }).click();
    await page.getByRole('cell', { name: 'weather-station', exact: true }).waitFor({ state: 'detached' });
    expect((await web.ctx.get('/api/v1/sensor-types/weather-station')).statusCode).toBe(404);
    await page.getByRole('cell', { name: 'hygrometer', exact: true }).waitFor();
  });
});
