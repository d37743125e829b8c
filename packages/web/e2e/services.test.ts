import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useWebApp } from './helpers/web-app.ts';

/** A service on loopback: answers every call with what it was sent, a little later, and records the calls. */
const received: unknown[] = [];
let fake: Server;
let fakeUrl = '';

beforeAll(async () => {
  fake = createServer((request, response) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => (text += chunk));
    request.on('end', () => {
      const body = text === '' ? null : JSON.parse(text);
      received.push(body);
      setTimeout(() => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ echoed: body })), 20);
    });
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/weather`;
});
afterAll(() => new Promise<void>((resolve) => fake.close(() => resolve())));

/** The run history's body rows, as text, newest first. */
const historyRows = (page: Page) => page.getByRole('table', { name: /^Runs of weather/ }).locator('tbody tr');

describe('services', () => {
  // The server calls loopback services only when the allow-list names loopback.
  const web = useWebApp({ MIRRORBASE_SERVICE_ALLOWED_HOSTS: '127.0.0.1', MIRRORBASE_JOBS_POLL_MS: '50' });

  it('registers a service, adds and edits a parameter set, runs it now and sees runs arrive live', async () => {
    const { page } = await web.newPage();
    await web.login(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Services' }).click();
    await page.getByRole('heading', { name: 'Services' }).waitFor();
    await page.getByText('Register a service').click();
    await page.getByLabel('Name', { exact: true }).fill('weather');
    await page.getByLabel('URL').fill(fakeUrl);
    await page.getByLabel('HTTP method').selectOption('POST');
    await page.getByRole('button', { name: 'Register', exact: true }).click();
    await page.getByRole('status').getByRole('link', { name: 'weather' }).click();
    await page.getByRole('heading', { name: 'weather', level: 1 }).waitFor();
    expect(await page.getByText(fakeUrl).count()).toBe(1);

    await page.getByText('Add a parameter set').click();
    await page.getByLabel('Set name').fill('london');
    await page.getByLabel('Parameters (a JSON object').fill('{"city": "London"');
    await page.getByRole('button', { name: 'Add parameter set' }).click();
    // A typo in the JSON is caught before anything is sent, and said in words.
    await page.getByText(/^Not valid JSON/).waitFor();
    await page.getByLabel('Parameters (a JSON object').fill('{"city": "London"}');
    await page.getByRole('button', { name: 'Add parameter set' }).click();
    await page.getByRole('rowheader', { name: 'london' }).waitFor();
    // A second set, deleted again (two presses: the first asks).
    await page.getByLabel('Set name').fill('spare');
    await page.getByLabel('Parameters (a JSON object').fill('{}');
    await page.getByRole('button', { name: 'Add parameter set' }).click();
    await page.getByRole('button', { name: 'Delete spare' }).click();
    await page.getByRole('button', { name: 'Delete spare' }).click();
    await expect.poll(() => page.getByRole('rowheader', { name: 'spare' }).count()).toBe(0);
    expect((await web.ctx.get('/api/v1/services/weather/parameter-sets/spare')).statusCode).toBe(404);
    await page.getByRole('button', { name: 'Edit london' }).click();
    await page.getByLabel('Parameters of london (JSON)').fill('{"city": "Paris"}');
    await page.getByRole('button', { name: 'Save' }).click();
    // Not getByText('"Paris"'): React mirrors a controlled textarea's value into its text, so that
    // matches the form before the save lands. The Edit button comes back only once it has.
    await page.getByRole('button', { name: 'Edit london' }).waitFor();
    await page.locator('pre', { hasText: '"Paris"' }).waitFor();
    expect((await web.ctx.get('/api/v1/services/weather/parameter-sets/london')).json()).toMatchObject({ parameters: { city: 'Paris' } });

    await page.getByRole('combobox', { name: 'Run with parameter set' }).selectOption('london');
    await page.getByRole('button', { name: 'Run now' }).click();
    await expect(
      page
        .getByRole('status')
        .filter({ hasText: /^Run 1 / })
        .textContent(),
    ).resolves.toMatch(/^Run 1 succeeded \(HTTP 200\) in \d+ ms\.$/);
    expect(received.at(-1)).toEqual({ city: 'Paris' });
    const first = historyRows(page).first();
    await first.getByText('succeeded').waitFor();
    expect(await first.locator('th').textContent()).toBe('1');
    expect(await first.locator('td').nth(2).textContent()).toMatch(/^\d+ ms$/);
    expect(await first.locator('td').nth(3).textContent()).toBe('london');

    // A run made elsewhere (here, through the API) appears at the top without a reload.
    const elsewhere = await web.ctx.post('/api/v1/services/weather/runs', { parameter_set: 'london' });
    expect(elsewhere.statusCode, elsewhere.body).toBe(201);
    await historyRows(page)
      .filter({ has: page.getByRole('rowheader', { name: '2', exact: true }) })
      .waitFor();
    expect(await historyRows(page).first().locator('th').textContent()).toBe('2');
    expect(await historyRows(page).count()).toBe(2);
    await page.screenshot({ path: '/tmp/D/service.png', fullPage: true });
    await page.setViewportSize({ width: 375, height: 800 });
    await page.getByText('Create a schedule').click();
    await page.screenshot({ path: '/tmp/D/service-phone.png', fullPage: true });
  });

  it('creates a schedule from a cron expression, shows its next runs, disables and deletes it', async () => {
    const { page } = await web.newPage();
    await web.login(page);
    await page.goto('/services/weather');
    await page.getByText('Create a schedule').click();
    await page.getByLabel('Schedule name').fill('mornings');
    await page.getByLabel('Cron expression').fill('not a cron');
    await page.getByRole('button', { name: 'Create schedule' }).click();
    // The server's refusal, in words.
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/Could not create the schedule\..*cron/i);
    await page.getByLabel('Cron expression').fill('30 6 * * *');
    await page.getByRole('combobox', { name: "Schedule's parameter set" }).selectOption('london');
    await page.getByRole('button', { name: 'Create schedule' }).click();
    const nextRuns = page.getByRole('list', { name: 'Next runs of mornings' });
    await nextRuns.waitFor();
    const shown = await nextRuns.locator('time').evaluateAll((times) => times.map((t) => t.getAttribute('datetime')));
    const api = (await web.ctx.get('/api/v1/schedules/mornings')).json() as { next_runs: string[]; parameter_set: string };
    expect(shown).toEqual(api.next_runs);
    expect(shown).toHaveLength(5);
    for (const at of shown) expect(at).toMatch(/T06:30:00(\.000)?Z$/);
    expect(api.parameter_set).toBe('london');

    await page.getByRole('switch', { name: 'Enable schedule mornings' }).click();
    await page.getByText('Disabled: no run is planned').waitFor();
    expect((await web.ctx.get('/api/v1/schedules/mornings')).json().enabled).toBe(false);
    await page.getByRole('switch', { name: 'Enable schedule mornings' }).click();
    await nextRuns.waitFor();
    expect((await web.ctx.get('/api/v1/schedules/mornings')).json().enabled).toBe(true);

    await page.getByRole('button', { name: 'Delete schedule mornings' }).click();
    await page.getByRole('button', { name: 'Delete mornings' }).click();
    await page.getByText('No schedule calls this service.').waitFor();
    expect((await web.ctx.get('/api/v1/schedules/mornings')).statusCode).toBe(404);
  });

  it('says in words why a registration failed', async () => {
    const { page } = await web.newPage();
    await web.login(page);
    await page.goto('/services');
    await page.getByText('Register a service').click();
    await page.getByLabel('Name', { exact: true }).fill('weather');
    await page.getByLabel('URL').fill(fakeUrl);
    await page.getByRole('button', { name: 'Register', exact: true }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toBe('Could not register the service. Conflict: Service already exists.');
  });

  it('shows a viewer the services and their runs with no control that writes', async () => {
    await web.createUser('viewer@example.org', 'viewer');
    const { page } = await web.newPage({ viewport: { width: 375, height: 800 } });
    await page.emulateMedia({ colorScheme: 'dark' });
    await web.login(page, 'viewer@example.org');
    await page.goto('/services');
    await page.getByRole('link', { name: 'weather' }).click();
    await historyRows(page).first().waitFor();
    await page.getByRole('rowheader', { name: 'london' }).waitFor();
    for (const name of ['Register a service', 'Add a parameter set', 'Create a schedule']) {
      expect(await page.getByText(name).count(), name).toBe(0);
    }
    expect(await page.getByRole('button', { name: /^(Run now|Edit|Delete)/ }).count()).toBe(0);
    // The server refuses the write anyway.
    const token = (await page.evaluate(() => JSON.parse(localStorage.getItem('mirrorbase.session') ?? '{}'))) as { access_token: string };
    const refused = await web.ctx.post('/api/v1/services/weather/runs', {}, token.access_token);
    expect(refused.statusCode).toBe(403);
    await page.screenshot({ path: '/tmp/D/service-viewer-phone-dark.png', fullPage: true });
  });
});
