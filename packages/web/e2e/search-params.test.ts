import { beforeAll, describe, expect, it } from 'vitest';
import { useWebApp } from './helpers/web-app.ts';

// The address's search params arrive as the text they are. TanStack Router's default parser read
// them as JSON where it could: a sensor named 1e3 came to the readings page as the number 1000.
describe('search params in the address', () => {
  const web = useWebApp();

  beforeAll(async () => {
    await web.ctx.postCreated('/sensor/insert-sensor-type', {
      name: 'meter',
      measures: [{ name: 'power', units: 'W', datatype: 'float' }],
    });
    await web.ctx.postCreated('/sensor/insert-sensor', { type_name: 'meter', unique_identifier: '1e3' });
    await web.ctx.postCreated('/sensor/insert-sensor', { type_name: 'meter', unique_identifier: '1000' });
  });

  it('keeps a sensor named like a number as its text, from a typed link to the readings page and on reload', async () => {
    const { page } = await web.newPage();
    await web.login(page);
    await page.goto('/sensors/1e3');
    await page.getByRole('link', { name: 'Readings of power' }).click();
    await page.waitForURL((url) => url.pathname === '/readings');
    expect(new URL(page.url()).searchParams.get('sensor')).toBe('1e3');
    await page.getByText('of sensor 1e3,').waitFor();
    expect(await page.getByLabel('Sensor', { exact: true }).inputValue()).toBe('1e3');

    await page.reload();
    await page.getByText('of sensor 1e3,').waitFor();
    expect(await page.getByLabel('Sensor', { exact: true }).inputValue()).toBe('1e3');
    expect(await page.getByText('of sensor 1000,').count()).toBe(0);
  });
});
