import { describe, expect, it } from 'vitest';
import { TEST_EMAIL, TEST_PASSWORD, useWebApp } from './helpers/web-app.ts';

describe('users, API keys, account and the audit log', () => {
  const web = useWebApp();

  it('lets an admin add a user with a role, change it and their password; they log in with it elsewhere and see no admin page', async () => {
    const { page } = await web.newPage();
    await web.login(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    await page.getByText('Add a user').click();
    await page.getByLabel('E-mail', { exact: true }).fill('ed@example.org');
    await page.getByLabel('Password', { exact: true }).fill('a first password');
    await page.getByRole('combobox', { name: 'Role', exact: true }).selectOption('editor');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByRole('status').filter({ hasText: 'Added ed@example.org as editor.' }).waitFor();
    await page.getByRole('rowheader', { name: 'ed@example.org' }).waitFor();

    // The same address again: the server's refusal, in words.
    await page.getByLabel('E-mail', { exact: true }).fill('ed@example.org');
    await page.getByLabel('Password', { exact: true }).fill('whatever it is');
    await page.getByRole('button', { name: 'Add user' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/^Could not add the user\. Conflict: .*exists/);

    // Added and deleted again.
    await page.getByLabel('E-mail', { exact: true }).fill('brief@example.org');
    await page.getByLabel('Password', { exact: true }).fill('a short stay');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByRole('button', { name: 'Delete brief@example.org' }).click();
    await page.getByRole('button', { name: 'Delete brief@example.org' }).click();
    await expect.poll(() => page.getByRole('rowheader', { name: /brief@example.org/ }).count()).toBe(0);
    expect((await web.ctx.get('/api/v1/users/brief@example.org')).statusCode).toBe(404);

    await page.getByRole('combobox', { name: 'Role of ed@example.org' }).selectOption('viewer');
    await expect.poll(async () => (await web.ctx.get('/api/v1/users/ed@example.org')).json().role).toBe('viewer');
    await page.getByRole('button', { name: 'Set the password of ed@example.org' }).click();
    await page.getByLabel('New password of ed@example.org').fill('a second password');
    await page.getByRole('button', { name: 'Save password' }).click();
    await page.getByText('Password set; their sessions ended.').waitFor();

    // Ed, in a browser of their own, with the new password: a viewer, so no Users or Audit log.
    const ed = (await web.newPage({ viewport: { width: 375, height: 740 } })).page;
    await ed.emulateMedia({ colorScheme: 'dark' });
    await web.login(ed, 'ed@example.org', 'a second password');
    await ed.getByText('(viewer)').count();
    await ed.getByRole('button', { name: 'Menu' }).click();
    const nav = ed.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Account' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Users' }).count()).toBe(0);
    expect(await nav.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
    for (const [path, what] of [
      ['/users', 'Managing users'],
      ['/audit', 'The audit log'],
    ]) {
      await ed.goto(path);
      await expect(ed.getByRole('alert').textContent()).resolves.toBe(
        `Not available to you. ${what} needs a role you do not have (you are a viewer). Ask an administrator if you need it.`,
      );
    }
    await ed.screenshot({ path: '/tmp/D/users-refused-phone-dark.png' });
    await page.screenshot({ path: '/tmp/D/users.png', fullPage: true });
  });

  it('creates an API key, shows it once with a copy button, the API takes it, and refuses it once revoked', async () => {
    const { page, context } = await web.newPage();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: web.url });
    await web.login(page);
    await page.goto('/keys');
    await page.getByText('Create an API key').click();
    await page.getByLabel('Key name').fill('nightly script');
    await page.getByLabel('Scope').selectOption('read');
    await page.getByRole('button', { name: 'Create key' }).click();
    const field = page.getByLabel('The new API key');
    const key = await field.inputValue();
    expect(key).toMatch(/^mb_\w{8}_\w{40}$/);
    await page.getByRole('button', { name: 'Copy key' }).click();
    await page.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);

    const withKey = () => fetch(`${web.url}/api/v1/services`, { headers: { 'x-api-key': key } });
    expect((await withKey()).status).toBe(200);

    await page.getByRole('button', { name: 'I have stored it' }).click();
    await page.getByRole('rowheader', { name: 'nightly script' }).waitFor();
    expect(await page.content()).not.toContain(key);
    await page.reload();
    await page.getByRole('rowheader', { name: 'nightly script' }).waitFor();
    expect(await page.content()).not.toContain(key);
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'nightly script' }) });
    expect(await row.textContent()).toContain(`mb_${key.slice(3, 11)}…`);

    await page.getByRole('button', { name: 'Revoke nightly script' }).click();
    await page.getByRole('button', { name: 'Revoke nightly script now' }).click();
    await row.getByText(/^Revoked /).waitFor();
    const refused = await withKey();
    expect(refused.status).toBe(401);

    // An admin may list everyone's keys: a key of another user shows with its owner.
    await web.createUser('kay@example.org', 'editor');
    expect((await web.ctx.post('/api/v1/keys', { name: 'kays device', scope: 'read', user: 'kay@example.org' })).statusCode).toBe(201);
    await page.getByRole('switch', { name: "Show every user's keys" }).click();
    const kays = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'kays device' }) });
    await kays.waitFor();
    expect(await kays.textContent()).toContain('kay@example.org');
    await page.screenshot({ path: '/tmp/D/keys.png', fullPage: true });
  });

  it('changes your own password, and you log in with the new one', async () => {
    await web.createUser('me@example.org', 'editor', 'the old password');
    const { page } = await web.newPage();
    await web.login(page, 'me@example.org', 'the old password');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    await page.getByLabel('New password', { exact: true }).fill('the new password');
    await page.getByLabel('Repeat the new password').fill('the new passwort');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('The two passwords differ').waitFor();
    await page.getByLabel('Repeat the new password').fill('the new password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Your password is changed.').waitFor();
    await page.getByRole('link', { name: 'Log in with the new password' }).click();
    await page.waitForURL(/\/login/);
    await web.login(page, 'me@example.org', 'the new password');
    const oldOne = await web.ctx.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'me@example.org', password: 'the old password' },
    });
    expect(oldOne.statusCode).toBe(401);
  });

  it('shows those actions in the audit log, filters them by actor, action, entity and time, and pages', async () => {
    // Enough entries for a second page of 50: role changes made through the API.
    for (let i = 0; i < 60; i += 1) {
      const res = await web.ctx.app.inject({
        method: 'PATCH',
        url: '/api/v1/users/kay@example.org',
        headers: { authorization: `Bearer ${web.ctx.token}` },
        payload: { role: i % 2 ? 'editor' : 'viewer' },
      });
      expect(res.statusCode).toBe(200);
    }
    const { page } = await web.newPage();
    await web.login(page, TEST_EMAIL, TEST_PASSWORD);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    const table = page.getByRole('table', { name: /^Audit entries/ });
    const rows = table.locator('tbody tr');

    await page.getByLabel('Action (operation)').fill('createUser');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/operation=createUser/);
    await rows.filter({ hasText: 'createUser' }).first().waitFor();
    expect(await rows.count()).toBe(3); // ed, the refused second ed, and brief
    expect((await rows.allTextContents()).every((text) => text.includes('createUser') && text.includes(TEST_EMAIL))).toBe(true);
    expect((await rows.allTextContents()).some((text) => text.includes('409'))).toBe(true);

    for (const operation of ['updateUser', 'deleteUser', 'createApiKey', 'revokeApiKey']) {
      await page.getByLabel('Action (operation)').fill(operation);
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await rows.filter({ hasText: operation }).first().waitFor();
    }

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('Actor (e-mail)').fill('me@example.org');
    await page.getByLabel('Entity (route)').fill('/user/change-password');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await rows.filter({ hasText: 'dtbaseChangePassword' }).first().waitFor();
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('email=me@example.org');

    // A range in the future holds nothing.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('From').fill('2099-01-01T00:00');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No entry matches these filters.').waitFor();

    // Unfiltered: more than a page, newest first, and back.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.waitForURL((url) => url.search === '');
    await table.getByText('page 1').waitFor();
    // The first visit's page may be shown from the cache while it is fetched again.
    await expect.poll(() => rows.count()).toBe(50);
    await expect.poll(() => page.getByRole('button', { name: 'Older' }).isEnabled()).toBe(true);
    const newest = await rows.first().textContent();
    await page.getByRole('button', { name: 'Older' }).click();
    await table.getByText(/page 2\)$/).waitFor();
    expect(await rows.first().textContent()).not.toBe(newest);
    await page.getByRole('button', { name: 'Newer' }).click();
    await table.getByText(/page 1\)$/).waitFor();
    expect(await rows.first().textContent()).toBe(newest);
    await page.screenshot({ path: '/tmp/D/audit.png' });
    await page.setViewportSize({ width: 375, height: 800 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: '/tmp/D/audit-phone-dark.png' });
    await page.goto('/users');
    await page.getByRole('rowheader', { name: /ed@example.org/ }).waitFor();
    await page.screenshot({ path: '/tmp/D/users-phone-dark.png', fullPage: true });
  });
});
