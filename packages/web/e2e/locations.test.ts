import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWebApp } from './helpers/web-app.ts';

describe('the locations page', () => {
  const web = useWebApp();

  beforeAll(async () => {
    // An identifier to reuse: the schema "plane" brings x and y.
    await web.ctx.postCreated('/location/insert-location-schema', {
      name: 'plane',
      identifiers: [
        { name: 'x', units: 'm', datatype: 'float' },
        { name: 'y', units: 'm', datatype: 'float' },
      ],
    });
    await web.ctx.postCreated('/sensor/insert-sensor-type', {
      name: 'thermometer',
      measures: [{ name: 'temperature', units: 'C', datatype: 'float' }],
    });
    await web.ctx.postCreated('/sensor/insert-sensor', { type_name: 'thermometer', unique_identifier: 'therm-1', name: 'Lab thermometer' });
  });

  const locationRow = (page: Page, text: string) => page.getByRole('row').filter({ hasText: text });

  it('creates a schema from new and existing identifiers, adds a location, shows its sensors and deletes it', async () => {
    const { page } = await web.newPage();
    await page.goto('/locations');
    await page.waitForURL(/\/login\?redirect=/);
    await web.login(page);
    await page.getByRole('heading', { name: 'Locations', level: 1 }).waitFor();

    // A schema of a new identifier (room) and an existing one (x, in metres).
    await page.getByText('New location schema').click();
    await page.getByLabel('Schema name').fill('building');
    await page.getByLabel('Description').fill('rooms of the lab');
    await page.getByLabel('Identifier name').fill('room');
    await page.getByLabel('Datatype').selectOption('string');
    await page.getByLabel('Existing identifier').selectOption({ label: 'x (m), float' });
    await page.getByRole('button', { name: 'Add existing identifier' }).click();
    await page.getByRole('button', { name: 'Create schema' }).click();
    const schemaRow = locationRow(page, 'rooms of the lab');
    await schemaRow.waitFor();
    expect(await schemaRow.textContent()).toContain('room: string, x (m): float');
    const schema = (await web.ctx.get('/api/v1/location-schemas/building')).json();
    expect(schema.identifiers.map((i: { name: string; units: string | null }) => [i.name, i.units])).toEqual([
      ['room', null],
      ['x', 'm'],
    ]);
    // The reused identifier is the very one "plane" has.
    const plane = (await web.ctx.get('/api/v1/location-schemas/plane')).json();
    expect(schema.identifiers[1].id).toBe(plane.identifiers.find((i: { name: string }) => i.name === 'x').id);

    // The new schema is the one shown: add a location to it.
    await page.getByRole('heading', { name: 'Locations of building' }).waitFor();
    await page.getByLabel('room', { exact: true }).fill('lab');
    await page.getByLabel('x (m)', { exact: true }).fill('1.5');
    await page.getByRole('button', { name: 'Add location' }).click();
    const labRow = page.getByRole('table', { name: 'Locations of building' }).getByRole('row').filter({ hasText: 'lab' });
    await labRow.waitFor();
    expect(await labRow.textContent()).toContain('1.5');
    const [location] = (await web.ctx.get('/api/v1/locations?schema=building')).json().items;
    expect(location.coordinates).toEqual({ room: 'lab', x: 1.5 });

    // A sensor installed there through the API appears in the location's detail, linked to its page.
    await web.ctx.postCreated('/sensor/insert-sensor-location', {
      unique_identifier: 'therm-1',
      schema_name: 'building',
      coordinates: { room: 'lab', x: 1.5 },
      installation_datetime: '2024-05-01T08:00:00Z',
    });
    await page.getByRole('button', { name: `Sensors at location ${location.id}` }).click();
    const sensorLink = page.getByRole('link', { name: 'Lab thermometer (therm-1)' });
    await sensorLink.waitFor();
    expect(await sensorLink.getAttribute('href')).toBe('/sensors/therm-1');
    expect(await page.getByRole('table', { name: /Installations at location/ }).textContent()).toContain('Here');
    await page.screenshot({ path: '/tmp/C-locations.png', fullPage: true });

    // The server refuses to delete a location a sensor is installed at: the page says why.
    await page.getByRole('button', { name: `Delete location ${location.id}` }).click();
    await page.getByRole('button', { name: `Confirm: Delete location ${location.id}` }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Could not delete the location' });
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/Could not delete the location\. .*sensor/i);

    // With the sensor gone (its installations go with it), the location can go.
    expect((await web.ctx.post('/sensor/delete-sensor', { unique_identifier: 'therm-1' })).statusCode).toBe(200);
    await page.getByRole('button', { name: `Delete location ${location.id}` }).click();
    await page.getByRole('button', { name: `Confirm: Delete location ${location.id}` }).click();
    await page.getByText('This schema has no location yet.').waitFor();
    expect((await web.ctx.get('/api/v1/locations?schema=building')).json().items).toEqual([]);
  });

  it('shows a viewer the schemas and locations, but no control that writes', async () => {
    await web.ctx.postCreated('/location/insert-location-for-schema', { schema_name: 'plane', coordinates: { x: 3, y: 4 } });
    await web.createUser('viewer@example.org', 'viewer');
    const { page } = await web.newPage({ viewport: { width: 375, height: 800 } });
    await page.goto('/login');
    await web.login(page, 'viewer@example.org');
    // Dark theme at a phone's width.
    await page.evaluate(() => localStorage.setItem('mirrorbase.theme', 'dark'));
    await page.goto('/locations');
    await page.getByRole('heading', { name: /Locations of / }).waitFor();
    await page.getByLabel('Schema', { exact: true }).selectOption('plane');
    await page.getByRole('table', { name: 'Locations of plane' }).getByRole('row').filter({ hasText: '3' }).waitFor();
    await page.getByRole('button', { name: /^Sensors at location/ }).click();
    await page.getByText('No sensor has been installed here.').waitFor();
    expect(await page.getByText('New location schema').count()).toBe(0);
    expect(await page.getByRole('button', { name: /Delete|Add location|Install sensor|Create schema/ }).count()).toBe(0);
    expect(await page.getByLabel('x (m)', { exact: true }).count()).toBe(0);
    // Nothing wider than the phone's screen but the tables' own scrolling.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: '/tmp/C-locations-phone-dark.png', fullPage: true });
  });
});
