import type { FastifyBaseLogger, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect } from 'vitest';
import { buildApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/database.ts';
import { createEvents, type Events } from '../../src/events/events.ts';
import { createServices, type Services } from '../../src/services.ts';
import { createTestDatabase, databaseUrlOf, openReplicaDatabase } from './test-database.ts';

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
  /** POSTs with the test user's token and expects 201 (the body is in the failure message). */
  postCreated(url: string, body: unknown): Promise<void>;
  /** `SELECT count(*) FROM <from>`: a table name, optionally with a WHERE clause. */
  count(from: string): Promise<number>;
}

/** Builds the app the way main.ts does: events started, services composed once, app on top. */
async function composeApp(
  db: Database,
  env: Record<string, string>,
  clock?: () => Date,
  onClose?: () => Promise<void>,
  logger?: FastifyBaseLogger,
) {
  // DATABASE_URL as main.ts would have it: the services that run the PostgreSQL client tools
  // (backups) need it.
  const databaseUrl = databaseUrlOf(db);
  const config = loadConfig({
    NODE_ENV: 'test',
    DT_JWT_SECRET_KEY: TEST_SECRET,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...env,
  });
  const events = createEvents({ db });
  await events.start();
  const services = createServices({
    db,
    config,
    events,
    jwtSecret: TEST_SECRET,
    ...(clock ? { clock } : {}),
    ...(logger ? { log: logger } : {}),
  });
  const app = await buildApp({ config, services, ...(logger ? { logger } : {}) });
  app.addHook('onClose', async () => {
    await events.close();
    await onClose?.();
  });
  await app.ready();
  return { app, services, events };
}

/**
 * A second replica of the app on the same database: its own pool (on PostgreSQL), its own
 * events listener and caches, as a second server process would have. Close it with `app.close()`.
 * `clock`: its own clock (a frozen one puts several requests in one millisecond); `logger`
 * (pino) receives what the server would log, for tests that read the logs.
 */
export async function startReplica(
  db: Database,
  env: Record<string, string> = {},
  options: { clock?: () => Date; logger?: FastifyBaseLogger } = {},
) {
  const replicaDb = await openReplicaDatabase(db);
  return composeApp(replicaDb, env, options.clock, () => replicaDb.close(), options.logger);
}

export async function startTestApp(env: Record<string, string> = {}): Promise<TestContext> {
  const db = await createTestDatabase();
  let offset = 0;
  const { app, services, events } = await composeApp(db, env, () => new Date(Date.now() + offset * 1000));
  await services.users.create(TEST_EMAIL, TEST_PASSWORD, 'admin');
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
    async postCreated(url, body) {
      const res = await ctx.post(url, body);
      expect(res.statusCode, `${url}: ${res.body}`).toBe(201);
    },
    count: async (from) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${from}`))[0].n,
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
