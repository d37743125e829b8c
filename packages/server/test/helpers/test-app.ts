import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { buildApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/database.ts';
import { createEvents, type Events } from '../../src/events/events.ts';
import { createServices, type Services } from '../../src/services.ts';
import { createTestDatabase } from './test-database.ts';

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256-signing';
export const TEST_EMAIL = 'tester@example.org';
export const TEST_PASSWORD = 'correct horse battery staple';

export interface TestContext {
  app: App;
  db: Database;
  /** The app's own services (as built by the composition root), for arranging data directly. */
  services: Services;
  events: Events;
  /** A valid access token for TEST_EMAIL. */
  token: string;
  refreshToken: string;
  /** Moves the clock the tokens see (seconds). */
  advanceClock(seconds: number): void;
  /** POST JSON with the test user's token. */
  post(url: string, body?: unknown, token?: string): Promise<LightMyRequestResponse>;
  get(url: string, token?: string): Promise<LightMyRequestResponse>;
}

export async function startTestApp(env: Record<string, string> = {}): Promise<TestContext> {
  const db = await createTestDatabase();
  let offset = 0;
  const config = loadConfig({ NODE_ENV: 'test', DT_JWT_SECRET_KEY: TEST_SECRET, ...env });
  const events = createEvents({ db });
  await events.start();
  const services = createServices({ db, config, events, jwtSecret: TEST_SECRET, clock: () => new Date(Date.now() + offset * 1000) });
  const app = await buildApp({ config, services });
  app.addHook('onClose', () => events.close());
  await app.ready();
  await services.users.create(TEST_EMAIL, TEST_PASSWORD);
  const login = await app.inject({ method: 'POST', url: '/auth/login', payload: { email: TEST_EMAIL, password: TEST_PASSWORD } });
  const tokens = login.json();
  const ctx: TestContext = {
    app,
    db,
    services,
    events,
    token: tokens.access_token,
    refreshToken: tokens.refresh_token,
    advanceClock: (seconds) => {
      offset += seconds;
    },
    post: (url, body, token = ctx.token) =>
      app.inject({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(body === undefined ? {} : { payload: body as object }),
      }),
    get: (url, token = ctx.token) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } }),
  };
  return ctx;
}

/** Starts one app on a fresh database for the whole test file and closes both afterwards. */
export function useTestApp(env?: Record<string, string>): TestContext {
  const holder = {} as TestContext;
  beforeAll(async () => {
    Object.assign(holder, await startTestApp(env));
  });
  afterAll(async () => {
    await holder.app?.close();
    await holder.db?.close();
  });
  return new Proxy(holder, {
    get: (target, key) => {
      if (!(key in target)) throw new Error(`test app not started yet (reading ${String(key)} outside a test?)`);
      return target[key as keyof TestContext];
    },
  });
}
