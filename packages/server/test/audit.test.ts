import net from 'node:net';
import Fastify from 'fastify';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createEvents } from '../src/events/events.ts';
import { authPlugin, type PrincipalResolver } from '../src/http/auth.ts';
import { keyPrincipal, type KeyScope, type Role } from '../src/modules/auth/permissions.ts';
import { auditCapturePlugin } from '../src/modules/audit/audit.capture.ts';
import { AUDIT_RETENTION_JOB } from '../src/modules/audit/audit.jobs.ts';
import { createAuditService, type AuditService } from '../src/modules/audit/audit.service.ts';
import { createServices } from '../src/services.ts';
import { createSensor } from './helpers/sensor-fixtures.ts';
import { TEST_EMAIL, TEST_SECRET, useTestApp } from './helpers/test-app.ts';
import { openDatabase } from '../src/db/connection.ts';
import { serverEnvironment, startServer, waitFor } from './helpers/server-process.ts';
import { openReplicaDatabase } from './helpers/test-database.ts';

const ctx = useTestApp();
const PASSWORD = 'a password long enough';
const DAY_MS = 86_400_000;
const tokens = {} as Record<Role, string>;
const users = {} as Record<Role, { id: number; email: string }>;

interface StoredEntry {
  id: number;
  at: string;
  user_id: number | null;
  user_email: string | null;
  api_key_id: number | null;
  api_key_name: string | null;
  method: string;
  route: string;
  operation_id: string | null;
  target: string | null;
  ip: string | null;
  status: number;
  request_id: string | null;
}

let requestSeq = 0;

/** A call with a request id of its own, by which its audit entry is found. */
async function call(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  options: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ res: LightMyRequestResponse; requestId: string }> {
  const requestId = `audit-test-${++requestSeq}`;
  const token = options.token === undefined ? ctx.token : options.token;
  const res = await ctx.app.inject({
    method,
    url,
    headers: { 'x-request-id': requestId, ...(token ? { authorization: `Bearer ${token}` } : {}), ...options.headers },
    ...(options.body === undefined ? {} : { payload: options.body as object }),
  });
  return { res, requestId };
}

/** The entries written for a request id, once what is queued has been written. */
async function entriesOf(requestId: string, audit: AuditService = ctx.services.audit): Promise<StoredEntry[]> {
  await audit.flush();
  return ctx.db.query<StoredEntry>('SELECT *, mb_iso(at) AS at FROM audit_log WHERE request_id = $1', [requestId]);
}

async function theEntryOf(requestId: string, audit?: AuditService): Promise<StoredEntry> {
  const rows = await entriesOf(requestId, audit);
  expect(rows, `entries of ${requestId}`).toHaveLength(1);
  return rows[0];
}

const auditCount = async () => {
  await ctx.services.audit.flush();
  return ctx.count('audit_log');
};

beforeAll(async () => {
  for (const role of ['admin', 'editor', 'viewer'] as const) {
    const user = await ctx.services.users.create(`${role}@example.org`, PASSWORD, role);
    users[role] = { id: user.id, email: user.email };
    const login = await ctx.app.inject({ method: 'POST', url: '/auth/login', payload: { email: user.email, password: PASSWORD } });
    tokens[role] = login.json().access_token;
  }
  await createSensor(ctx.db, 'station-1', [{ name: 'temperature', units: 'C', datatype: 'float' }]);
});

describe('what is recorded', () => {
  it('a write by a user: who, what, the route and its operation, the target, the address and the status', async () => {
    const { res, requestId } = await call('POST', '/model/insert-model', { token: tokens.editor, body: { name: 'audited-model' } });
    expect(res.statusCode).toBe(201);
    const entry = await theEntryOf(requestId);
    expect(entry).toMatchObject({
      user_id: users.editor.id,
      user_email: 'editor@example.org',
      api_key_id: null,
      api_key_name: null,
      method: 'POST',
      route: '/model/insert-model',
      operation_id: 'dtbaseInsertModel',
      target: 'name=audited-model',
      ip: '127.0.0.1',
      status: 201,
    });
    expect(Date.now() - Date.parse(entry.at)).toBeLessThan(60_000);
  });

  it('a write on the resource API names its path parameter; a password in the body is never stored', async () => {
    const { res, requestId } = await call('PATCH', '/api/v1/users/viewer@example.org', {
      body: { password: 'the-new-secret-password' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const entry = await theEntryOf(requestId);
    expect(entry).toMatchObject({ route: '/api/v1/users/:email', operation_id: 'updateUser', target: 'email=viewer@example.org' });
    const anywhere = await ctx.db.query(`SELECT 1 FROM audit_log a WHERE row_to_json(a)::text LIKE '%the-new-secret-password%'`);
    expect(anywhere).toHaveLength(0);
    // Give the viewer its original password back, and log it in again: a new password ends its sessions.
    await ctx.services.users.changePassword('viewer@example.org', PASSWORD);
    const again = await ctx.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'viewer@example.org', password: PASSWORD },
    });
    tokens.viewer = again.json().access_token;
  });

  it('a refused write: 403 with who was refused, 401 with nobody, 422 and 409 with their status; nothing changed', async () => {
    const forbidden = await call('POST', '/sensor/insert-sensor', {
      token: tokens.viewer,
      body: { type_name: 'x', unique_identifier: 'by-viewer' },
    });
    expect(forbidden.res.statusCode).toBe(403);
    expect(await theEntryOf(forbidden.requestId)).toMatchObject({
      user_email: 'viewer@example.org',
      user_id: users.viewer.id,
      status: 403,
      operation_id: 'dtbaseInsertSensor',
    });

    const anonymous = await call('POST', '/sensor/delete-sensor', { token: null, body: { unique_identifier: 'station-1' } });
    expect(anonymous.res.statusCode).toBe(401);
    expect(await theEntryOf(anonymous.requestId)).toMatchObject({
      user_id: null,
      user_email: null,
      status: 401,
      route: '/sensor/delete-sensor',
    });

    const invalid = await call('POST', '/model/insert-model', { token: tokens.editor, body: { name: 42 } });
    expect(invalid.res.statusCode).toBe(422);
    expect(await theEntryOf(invalid.requestId)).toMatchObject({ user_email: 'editor@example.org', status: 422, target: 'name=42' });

    const duplicate = await call('POST', '/model/insert-model', { token: tokens.editor, body: { name: 'audited-model' } });
    expect(duplicate.res.statusCode).toBe(409);
    expect((await theEntryOf(duplicate.requestId)).status).toBe(409);
    expect(await ctx.count(`sensor WHERE unique_identifier = 'by-viewer'`)).toBe(0);
  });

  it('logins, failed and successful, with the e-mail tried (never the password), and refreshes', async () => {
    const failed = await call('POST', '/auth/login', { token: null, body: { email: 'editor@example.org', password: 'wrong-guess-123' } });
    expect(failed.res.statusCode).toBe(401);
    expect(await theEntryOf(failed.requestId)).toMatchObject({
      user_id: null,
      user_email: null,
      route: '/auth/login',
      operation_id: 'dtbaseLogin',
      target: 'email=editor@example.org',
      status: 401,
    });

    const unknown = await call('POST', '/auth/login', { token: null, body: { email: 'nobody@example.org', password: 'x' } });
    expect(await theEntryOf(unknown.requestId)).toMatchObject({ target: 'email=nobody@example.org', status: 401 });

    const success = await call('POST', '/auth/login', { token: null, body: { email: 'editor@example.org', password: PASSWORD } });
    expect(success.res.statusCode).toBe(200);
    expect(await theEntryOf(success.requestId)).toMatchObject({ user_id: users.editor.id, user_email: 'editor@example.org', status: 200 });

    const refresh = await call('POST', '/auth/refresh', { token: success.res.json().refresh_token });
    expect(refresh.res.statusCode).toBe(200);
    expect(await theEntryOf(refresh.requestId)).toMatchObject({
      operation_id: 'dtbaseRefresh',
      user_email: 'editor@example.org',
      status: 200,
    });

    const leaked = await ctx.db.query(`SELECT 1 FROM audit_log a WHERE row_to_json(a)::text LIKE '%wrong-guess-123%'`);
    expect(leaked).toHaveLength(0);
  });

  it('nothing for reads, on either API, GET or POST', async () => {
    const before = await auditCount();
    const reads = [
      await call('GET', '/sensor/list-sensor-types', { token: tokens.viewer }),
      await call('POST', '/sensor/sensor-readings', {
        token: tokens.viewer,
        body: { unique_identifier: 'station-1', measure_name: 'temperature', dt_from: '2024-01-01', dt_to: '2024-02-01' },
      }),
      await call('GET', '/api/v1/sensors', { token: tokens.viewer }),
      await call('GET', '/api/v1/me', { token: tokens.viewer }),
      await call('GET', '/api/v1/audit'),
      // GET needing users:admin (a write permission) is still a read, allowed or refused.
      await call('GET', '/api/v1/users'),
      await call('GET', '/user/list-users'),
      await call('GET', '/api/v1/users', { token: tokens.viewer }),
    ];
    expect(reads.map((r) => r.res.statusCode)).toEqual([200, 200, 200, 200, 200, 200, 200, 403]);
    expect(await auditCount()).toBe(before);
  });

  it('a 10,000-reading insert is one entry', async () => {
    const timestamps = Array.from({ length: 10_000 }, (_, i) => new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString());
    const { res, requestId } = await call('POST', '/sensor/insert-sensor-readings', {
      token: tokens.editor,
      body: { unique_identifier: 'station-1', measure_name: 'temperature', readings: timestamps.map((_, i) => i), timestamps },
    });
    expect(res.statusCode).toBe(201);
    expect(await theEntryOf(requestId)).toMatchObject({
      target: 'unique_identifier=station-1 measure_name=temperature',
      operation_id: 'dtbaseInsertSensorReadings',
    });
  });

  it('the client address: the peer unless MIRRORBASE_TRUST_PROXY names the proxy', async () => {
    const direct = await call('POST', '/model/insert-model', {
      token: tokens.editor,
      body: { name: 'via-proxy-1' },
      headers: { 'x-forwarded-for': '203.0.113.7' },
    });
    expect((await theEntryOf(direct.requestId)).ip).toBe('127.0.0.1');

    const replica = await startAuditReplica({ MIRRORBASE_TRUST_PROXY: '127.0.0.1/8' });
    try {
      const res = await replica.app.inject({
        method: 'POST',
        url: '/model/insert-model',
        headers: { authorization: `Bearer ${tokens.editor}`, 'x-forwarded-for': '203.0.113.7', 'x-request-id': 'audit-proxied' },
        payload: { name: 'via-proxy-2' },
      });
      expect(res.statusCode).toBe(201);
    } finally {
      await replica.close();
    }
    expect((await theEntryOf('audit-proxied')).ip).toBe('203.0.113.7');
  });
});

describe('MIRRORBASE_TRUST_PROXY', () => {
  it('trusts no proxy by default; takes true, a number of proxies, or addresses and ranges; refuses the rest', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ MIRRORBASE_TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ MIRRORBASE_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ MIRRORBASE_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ MIRRORBASE_TRUST_PROXY: '10.0.0.0/8, ::1,loopback' }).trustProxy).toEqual(['10.0.0.0/8', '::1', 'loopback']);
    for (const bad of ['yes', '10.0.0.0/33', '::1/129', 'proxy.example.org', '1.2.3', '10.0.0.0/8/1', '10.0.0.1,', '-1']) {
      expect(() => loadConfig({ MIRRORBASE_TRUST_PROXY: bad }), bad).toThrow(/MIRRORBASE_TRUST_PROXY/);
    }
  });
});

describe('API keys', () => {
  // API keys are built on another branch: a test resolver stands in for them, authenticating
  // `X-Test-Key: <scope>` as a key of the editor, through the real auth and audit plugins.
  const KEY_IDS: Record<KeyScope, number> = { read: 71, 'read-write': 72, ingest: 73 };
  let app: ReturnType<typeof Fastify>;
  let audit: AuditService;

  beforeAll(async () => {
    audit = createAuditService({ db: ctx.db, clock: () => new Date(), retentionDays: 365 });
    const keyResolver: PrincipalResolver = async (request) => {
      const scope = request.headers['x-test-key'] as KeyScope | undefined;
      if (!scope) return undefined;
      const user = { id: users.editor.id, email: users.editor.email, role: 'editor' as const };
      return keyPrincipal(user, {
        id: KEY_IDS[scope],
        name: `${scope} key`,
        scope,
        sensors: scope === 'ingest' ? new Set(['station-1']) : null,
      });
    };
    app = Fastify({ requestIdHeader: 'x-request-id' });
    await app.register(auditCapturePlugin, { audit });
    await app.register(authPlugin, {
      tokens: ctx.services.tokens,
      findUserByEmail: ctx.services.userLookup.findByEmail,
      resolvers: [keyResolver],
    });
    app.post('/things/:name', { config: { access: 'data:write' }, schema: { operationId: 'testWriteThing' } }, async () => ({ ok: true }));
    app.get('/things/:name', { config: { access: 'data:read' }, schema: { operationId: 'testReadThing' } }, async () => ({ ok: true }));
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
  });

  const keyCall = async (method: 'GET' | 'POST', scope: KeyScope, requestId: string) =>
    app.inject({ method, url: '/things/lamp', headers: { 'x-test-key': scope, 'x-request-id': requestId } });

  it("a key's write names the key and its user", async () => {
    expect((await keyCall('POST', 'read-write', 'key-write')).statusCode).toBe(200);
    expect(await theEntryOf('key-write', audit)).toMatchObject({
      user_id: users.editor.id,
      user_email: 'editor@example.org',
      api_key_id: 72,
      api_key_name: 'read-write key',
      route: '/things/:name',
      operation_id: 'testWriteThing',
      target: 'name=lamp',
      status: 200,
    });
  });

  it("a key's refused write is recorded with the key; its reads are not", async () => {
    expect((await keyCall('POST', 'ingest', 'key-refused')).statusCode).toBe(403);
    expect(await theEntryOf('key-refused', audit)).toMatchObject({ api_key_id: 73, api_key_name: 'ingest key', status: 403 });
    expect((await keyCall('GET', 'read', 'key-read')).statusCode).toBe(200);
    expect(await entriesOf('key-read', audit)).toHaveLength(0);
  });
});

describe('GET /api/v1/audit', () => {
  const list = (query: string, token = ctx.token) => ctx.get(`/api/v1/audit${query}`, token);

  beforeAll(async () => {
    for (let i = 1; i <= 5; i++) await call('POST', '/model/insert-model', { token: tokens.editor, body: { name: `paged-${i}` } });
    await ctx.services.audit.flush();
  });

  it('only admins read it: 403 for editors and viewers, 401 without credentials', async () => {
    expect((await list('')).statusCode).toBe(200);
    expect((await list('', tokens.admin)).statusCode).toBe(200);
    for (const role of ['editor', 'viewer'] as const) {
      const res = await list('', tokens[role]);
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'FORBIDDEN', detail: expect.stringContaining('audit:read') });
    }
    expect((await ctx.app.inject({ method: 'GET', url: '/api/v1/audit' })).statusCode).toBe(401);
  });

  it('pages newest first by cursor, with Content-Range, without repeating or skipping an entry', async () => {
    const all = (await list('?limit=1000')).json().items as Array<{ id: number }>;
    expect(all.length).toBeGreaterThan(10);
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => b - a));

    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await list(`?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const body = res.json() as { items: Array<{ id: number }>; next_cursor: string | null };
      expect(res.headers['content-range']).toBe(`items ${seen.length}-${seen.length + body.items.length - 1}/*`);
      seen.push(...body.items.map((e) => e.id));
      cursor = body.next_cursor;
      pages++;
    } while (cursor && pages < 100);
    expect(seen).toEqual(all.map((e) => e.id));
  });

  it('filters by operation, route, user, status class or code, and time', async () => {
    const items = async (query: string) => {
      const res = await list(query);
      expect(res.statusCode, res.body).toBe(200);
      return res.json().items as StoredEntry[];
    };
    const paged = await items('?operation=dtbaseInsertModel&user=editor@example.org&status=2xx');
    expect(paged.slice(0, 5).map((e) => e.target)).toEqual([
      'name=paged-5',
      'name=paged-4',
      'name=paged-3',
      'name=paged-2',
      'name=paged-1',
    ]);
    for (const e of paged) expect(e).toMatchObject({ operation_id: 'dtbaseInsertModel', user_email: 'editor@example.org' });
    expect(paged.every((e) => e.status >= 200 && e.status < 300)).toBe(true);

    expect((await items('?route=/model/insert-model')).every((e) => e.route === '/model/insert-model')).toBe(true);
    const refused = await items('?status=4xx');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((e) => e.status >= 400 && e.status < 500)).toBe(true);
    const forbidden = await items('?status=403');
    expect(forbidden.length).toBeGreaterThan(0);
    expect(forbidden.every((e) => e.status === 403)).toBe(true);
    expect(await items('?user=nobody@example.org')).toEqual([]);

    const all = await items('?limit=1000');
    const middle = paged[2].at;
    const fromMiddle = await items(`?limit=1000&from=${encodeURIComponent(middle)}`);
    expect(fromMiddle.map((e) => e.id)).toEqual(all.filter((e) => e.at >= middle).map((e) => e.id));
    const beforeMiddle = await items(`?limit=1000&to=${encodeURIComponent(middle)}`);
    expect(beforeMiddle.map((e) => e.id)).toEqual(all.filter((e) => e.at < middle).map((e) => e.id));
    expect(await items('?api_key=72')).toMatchObject([{ api_key_name: 'read-write key' }]);
  });

  it('answers a bad filter or cursor with 422', async () => {
    for (const query of [
      '?status=4x',
      '?status=600',
      '?status=abc',
      '?from=yesterday',
      '?from=2024-01-01T00:00:00',
      '?from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z',
      '?cursor=bogus',
      '?limit=0',
      '?api_key=x',
    ]) {
      const res = await list(query);
      expect(res.statusCode, `${query}: ${res.body}`).toBe(422);
    }
  });
});

describe('append-only', () => {
  it('refuses UPDATE, TRUNCATE and DELETE, and the prune setting only lets entries older than a day go', async () => {
    await ctx.services.audit.flush();
    await expect(ctx.db.query(`UPDATE audit_log SET user_email = 'someone-else'`)).rejects.toThrow(/append-only/);
    await expect(ctx.db.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    await expect(ctx.db.exec('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    await expect(
      ctx.db.transaction(async (tx) => {
        await tx.query(`SELECT set_config('mirrorbase.audit_prune', 'on', true)`);
        await tx.query('DELETE FROM audit_log');
      }),
    ).rejects.toThrow(/older than a day/);
    expect(await ctx.count(`audit_log WHERE user_email = 'someone-else'`)).toBe(0);
    expect(await ctx.count('audit_log')).toBeGreaterThan(0);
  });
});

describe('retention', () => {
  it('the retention job removes entries older than MIRRORBASE_AUDIT_RETENTION_DAYS and keeps the rest', async () => {
    expect(loadConfig({}).auditRetentionDays).toBe(365);
    expect(() => loadConfig({ MIRRORBASE_AUDIT_RETENTION_DAYS: '-1' })).toThrow(/MIRRORBASE_AUDIT_RETENTION_DAYS/);
    // Entries written by a service whose clock is 400 and 300 days back.
    for (const daysAgo of [400, 300]) {
      const past = createAuditService({ db: ctx.db, clock: () => new Date(Date.now() - daysAgo * DAY_MS), retentionDays: 365 });
      past.record({
        userId: null,
        userEmail: `old-${daysAgo}@example.org`,
        apiKeyId: null,
        apiKeyName: null,
        method: 'POST',
        route: '/model/insert-model',
        operationId: 'dtbaseInsertModel',
        target: null,
        ip: '127.0.0.1',
        status: 201,
        requestId: `old-${daysAgo}`,
      });
      await past.close();
    }
    const recent = await auditCount();
    await ctx.services.jobs.enqueue(AUDIT_RETENTION_JOB);
    await ctx.services.jobs.runDue();
    const [run] = await ctx.services.jobs.history({ name: AUDIT_RETENTION_JOB });
    expect(run).toMatchObject({ status: 'succeeded', result: { deleted: 1 } });
    expect(await ctx.count(`audit_log WHERE request_id = 'old-400'`)).toBe(0);
    expect(await ctx.count(`audit_log WHERE request_id = 'old-300'`)).toBe(1);
    expect(await auditCount()).toBe(recent - 1);
  });

  it('0 keeps the log forever', async () => {
    const forever = createAuditService({ db: ctx.db, clock: () => new Date(), retentionDays: 0 });
    expect(await forever.prune(new Date(Date.now() + 10_000 * DAY_MS))).toEqual({ cutoff: null, deleted: 0 });
    expect(await ctx.count(`audit_log WHERE request_id = 'old-300'`)).toBe(1);
  });
});

/**
 * A second app on the same database, composed as main.ts does, whose audit entries are only
 * written when it closes (a flush interval of a minute): close writes them before the
 * database closes.
 */
async function startAuditReplica(env: Record<string, string> = {}) {
  const db = await openReplicaDatabase(ctx.db);
  const config = loadConfig({ NODE_ENV: 'test', DT_JWT_SECRET_KEY: TEST_SECRET, ...env });
  const events = createEvents({ db });
  await events.start();
  const services = createServices({ db, config, events, jwtSecret: TEST_SECRET, auditBuffer: { flushMs: 60_000 } });
  const app = await buildApp({ config, services });
  await app.ready();
  return {
    app,
    services,
    async close() {
      await app.close();
      await events.close();
      await db.close();
    },
  };
}

describe('shutdown', () => {
  it('entries of requests answered right before a graceful close are written by the close', async () => {
    const replica = await startAuditReplica();
    const res = await replica.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { 'x-request-id': 'just-before-close' },
      payload: { email: TEST_EMAIL, password: 'not the password' },
    });
    expect(res.statusCode).toBe(401);
    expect(replica.services.audit.pending()).toBe(1);
    expect(await ctx.count(`audit_log WHERE request_id = 'just-before-close'`)).toBe(0);
    await replica.close();
    expect(await ctx.count(`audit_log WHERE request_id = 'just-before-close'`)).toBe(1);
  });
});

describe('a client that leaves before the answer', () => {
  it('is recorded with 499', async () => {
    const replica = await startAuditReplica();
    try {
      await replica.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = replica.app.server.address() as net.AddressInfo;
      const socket = net.connect(port, '127.0.0.1', () =>
        socket.write(
          'POST /api/v1/readings HTTP/1.1\r\nhost: x\r\nx-request-id: left-early\r\n' +
            `authorization: Bearer ${tokens.editor}\r\ncontent-type: application/x-ndjson\r\ncontent-length: 100000\r\n\r\n` +
            '{"sensor":"station-1","measure":"temperature","timestamp":"2024-06-01T00:00:00Z","value":1}\n',
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 300)); // the ingest is reading the stream
      socket.destroy();
      await waitFor(() => replica.services.audit.pending() > 0, 10_000, 'the entry of the aborted request');
    } finally {
      await replica.close();
    }
    expect(await theEntryOf('left-early')).toMatchObject({ status: 499, user_email: 'editor@example.org', operation_id: 'ingestReadings' });
  });
});

describe('shutdown of a server process', { timeout: 180_000 }, () => {
  it('SIGTERM right after an answer: the entry is in the database once the process has exited', async () => {
    const environment = await serverEnvironment();
    try {
      const env = {
        ...environment.env,
        DT_DEFAULT_USER_PASS: 'audit-test-password',
        DT_JWT_SECRET_KEY: 'audit-test-secret-audit-test-secret-0123456',
      };
      const server = await startServer(env);
      const res = await fetch(`${server.base}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'answered-then-sigterm' },
        body: JSON.stringify({ email: 'default_user@localhost', password: 'audit-test-password' }),
      });
      expect(res.status).toBe(200);
      expect(await server.stop()).toBe(0);
      const db = await openDatabase(loadConfig(env));
      try {
        const rows = await db.query<StoredEntry>(`SELECT * FROM audit_log WHERE request_id = 'answered-then-sigterm'`);
        expect(rows).toMatchObject([{ user_email: 'default_user@localhost', route: '/auth/login', status: 200 }]);
      } finally {
        await db.close();
      }
    } finally {
      await environment.cleanup();
    }
  });
});
