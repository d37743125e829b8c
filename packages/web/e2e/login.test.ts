import { describe, expect, it } from 'vitest';
import { TEST_EMAIL, TEST_PASSWORD, useWebApp } from './helpers/web-app.ts';

describe('logging in and out', () => {
  const web = useWebApp();

  it('serves the app at / with long-cached hashed assets, and keeps the API answers of API paths', async () => {
    const html = { accept: 'text/html' }; // as a browser's navigation asks
    const index = await fetch(`${web.url}/`, { headers: html });
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const page = await index.text();
    const script = page.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${web.url}${script}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // A deep link opens the app; an unknown API path is still the API's JSON 404, a wrong method its 405.
    expect((await fetch(`${web.url}/sensors/some-sensor`, { headers: html })).headers.get('content-type')).toContain('text/html');
    const apiMiss = await fetch(`${web.url}/api/v1/no-such-thing`);
    expect(apiMiss.status).toBe(404);
    expect(await apiMiss.json()).toEqual({ detail: 'Not Found' });
    expect((await fetch(`${web.url}/auth/login`)).status).toBe(405);
    expect((await fetch(`${web.url}/assets/missing.js`)).status).toBe(404);
  });

  it('sends a visitor to the login page and back to where they were going', async () => {
    const { page } = await web.newPage();
    await page.goto('/sensors');
    await page.waitForURL(/\/login\?redirect=/);
    await web.login(page);
    await page.waitForURL(`${web.url}/sensors`);
    await expect(page.getByText(TEST_EMAIL)).toBeTruthy();
    // A reload keeps the session (the tokens are stored, not the password).
    await page.reload();
    await page.getByRole('button', { name: 'Log out' }).waitFor();
    const stored = await page.evaluate(() => localStorage.getItem('mirrorbase.session') ?? '');
    expect(stored).toContain('refresh_token');
    expect(stored).not.toContain('password');
  });

  it('says in words why a login failed, and logs out', async () => {
    const { page } = await web.newPage();
    await page.goto('/login');
    await page.getByLabel('E-mail').fill(TEST_EMAIL);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/Could not log in/);
    await web.login(page);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login/);
    expect(await page.evaluate(() => localStorage.getItem('mirrorbase.session'))).toBeNull();
    // The refresh token was revoked on the server too: the stored one is gone and protected pages need a login.
    await page.goto('/sensors');
    await page.waitForURL(/\/login/);
  });

  it('refreshes the access token when it runs out, without asking for the password again', async () => {
    const { page } = await web.newPage();
    await web.login(page);
    const stored = () => page.evaluate(() => JSON.parse(localStorage.getItem('mirrorbase.session') ?? '{}') as { access_token?: string });
    const first = (await stored()).access_token;
    // The server's token clock moves past the access token's hour: the next request is refused
    // once, the app refreshes and repeats it, and the page shows the person, not the login form.
    web.ctx.advanceClock(3700);
    await page.reload();
    await page.getByText(TEST_EMAIL).waitFor();
    expect(page.url()).not.toContain('/login');
    const second = (await stored()).access_token;
    expect(second).toBeTruthy();
    expect(second).not.toBe(first);
  });

  it('sends a person whose session was ended elsewhere to the login page, and back to the page afterwards', async () => {
    const { page } = await web.newPage();
    await web.login(page);
    await page.goto('/sensor-types');
    await page.locator('main h1').first().waitFor();
    // An admin ends every session of this user (as after a stolen laptop): the stored tokens are refused.
    const admin = await web.ctx.app.inject({ method: 'POST', url: '/auth/login', payload: { email: TEST_EMAIL, password: TEST_PASSWORD } });
    const ended = await web.ctx.app.inject({
      method: 'DELETE',
      url: `/api/v1/users/${encodeURIComponent(TEST_EMAIL)}/sessions`,
      headers: { authorization: `Bearer ${admin.json().access_token}` },
    });
    expect(ended.statusCode).toBe(204);
    await page.goto('/sensors');
    await page.waitForURL(/\/login\?redirect=%2Fsensors/);
    await web.login(page);
    await page.waitForURL(`${web.url}/sensors`);
  });
});
