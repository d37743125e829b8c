// The declaration of what the server's global setup provides (the PGlite template) comes with it.
import type {} from '../../../server/test/helpers/global-setup.ts';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startTestApp, TEST_EMAIL, TEST_PASSWORD, type TestContext } from '../../../server/test/helpers/test-app.ts';

export { TEST_EMAIL, TEST_PASSWORD };

/** Debian's Chromium (apt-get install chromium); CHROMIUM_PATH names another. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where the web build lands: the server's static root (vite.config.ts). */
export const WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'server', 'public');

export interface WebApp {
  ctx: TestContext;
  /** Where the real server listens (127.0.0.1, a free port), serving the app at / and the API. */
  url: string;
  browser: Browser;
  /** A new browser context (its own storage: a different person) and a page in it. */
  newPage(options?: { viewport?: { width: number; height: number } }): Promise<{ context: BrowserContext; page: Page }>;
  /** Logs in through the login form and waits for the overview (or the page it was sent back to). */
  login(page: Page, email?: string, password?: string): Promise<void>;
  /** A user with this role and password, made through the server's own service. */
  createUser(email: string, role: 'admin' | 'editor' | 'viewer', password?: string): Promise<void>;
}

/**
 * The real server on a fresh database (PGlite or PostgreSQL, as the server's tests), listening
 * on a port and serving the built app, and a headless Chromium, both for the whole test file.
 */
export function useWebApp(env: Record<string, string> = {}): WebApp {
  const holder = {} as WebApp;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`no Chromium at ${CHROMIUM}: install Debian's (apt-get install chromium) or set CHROMIUM_PATH`);
    }
    const ctx = await startTestApp({ MIRRORBASE_WEB_ROOT: WEB_ROOT, ...env });
    const url = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // As root in a sandbox without a network: no setuid sandbox, no calls home.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    Object.assign(holder, {
      ctx,
      url,
      browser,
      async newPage(options = {}) {
        const context = await browser.newContext({
          baseURL: url,
          viewport: options.viewport ?? { width: 1280, height: 800 },
          acceptDownloads: true,
        });
        contexts.push(context);
        const page = await context.newPage();
        return { context, page };
      },
      async login(page: Page, email = TEST_EMAIL, password = TEST_PASSWORD) {
        if (!page.url().includes('/login')) await page.goto('/login');
        await page.getByLabel('E-mail').fill(email);
        await page.getByLabel('Password').fill(password);
        await page.getByRole('button', { name: 'Log in' }).click();
        await page.getByRole('button', { name: 'Log out' }).waitFor();
      },
      async createUser(email: string, role: 'admin' | 'editor' | 'viewer', password = TEST_PASSWORD) {
        await ctx.services.users.create(email, password, role);
      },
    } satisfies Omit<WebApp, never>);
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await holder.browser?.close();
    await holder.ctx?.app.close();
    await holder.ctx?.db.close();
  });
  return holder;
}
