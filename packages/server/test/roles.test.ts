import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS, type Role } from '../src/modules/auth/permissions.ts';
import { TEST_EMAIL, useTestApp } from './helpers/test-app.ts';

const ctx = useTestApp();
const PASSWORD = 'a password long enough';

async function loginAs(email: string): Promise<string> {
  const res = await ctx.app.inject({ method: 'POST', url: '/auth/login', payload: { email, password: PASSWORD } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().access_token;
}

const tokens = {} as Record<Role, string>;

beforeAll(async () => {
  for (const role of ['admin', 'editor', 'viewer'] as const) {
    await ctx.services.users.create(`${role}@example.org`, PASSWORD, role);
    tokens[role] = await loginAs(`${role}@example.org`);
  }
  // Something to read in every module.
  await ctx.postCreated('/sensor/insert-sensor-type', {
    name: 'thermo',
    description: '',
    measures: [{ name: 'temperature', units: 'C', datatype: 'float' }],
  });
  await ctx.postCreated('/sensor/insert-sensor', { type_name: 'thermo', unique_identifier: 's-1' });
  await ctx.postCreated('/location/insert-location-schema', {
    name: 'xy',
    description: '',
    identifiers: [{ name: 'x', units: 'm', datatype: 'float' }],
  });
  await ctx.postCreated('/model/insert-model', { name: 'm-1' });
});

const status = async (p: Promise<{ statusCode: number }>) => (await p).statusCode;

describe('roles: each module allows what the role may and refuses the rest with 403', () => {
  const read = (url: string, token: string) => status(ctx.get(url, token));
  const write = (url: string, body: unknown, token: string) => status(ctx.post(url, body, token));
  const cases: { module: string; read: (t: string) => Promise<number>; write: (t: string, n: string) => Promise<number>; writer: Role }[] =
    [
      {
        module: 'sensors',
        read: (t) => read('/sensor/list-sensor-types', t),
        write: (t, n) => write('/sensor/insert-sensor', { type_name: 'thermo', unique_identifier: `s-${n}` }, t),
        writer: 'editor',
      },
      {
        module: 'readings',
        read: (t) =>
          write(
            '/sensor/sensor-readings',
            { unique_identifier: 's-1', measure_name: 'temperature', dt_from: '2024-01-01', dt_to: '2024-02-01' },
            t,
          ),
        write: (t, n) =>
          write(
            '/sensor/insert-sensor-readings',
            {
              unique_identifier: 's-1',
              measure_name: 'temperature',
              readings: [n.length],
              timestamps: [`2024-01-01T00:00:0${n.length % 10}Z`],
            },
            t,
          ),
        writer: 'editor',
      },
      {
        module: 'locations',
        read: (t) => read('/location/list-location-schemas', t),
        write: (t, n) => write('/location/insert-location-for-schema', { schema_name: 'xy', coordinates: { x: n.length } }, t),
        writer: 'editor',
      },
      {
        module: 'models',
        read: (t) => read('/model/list-models', t),
        write: (t, n) => write('/model/insert-model', { name: `m-${n}` }, t),
        writer: 'editor',
      },
      {
        module: 'services',
        read: (t) => read('/service/list-services', t),
        write: (t, n) => write('/service/insert-service', { name: `svc-${n}`, url: 'http://example.org/x', http_method: 'POST' }, t),
        writer: 'editor',
      },
      {
        module: 'users',
        read: (t) => read('/user/list-users', t),
        write: (t, n) => write('/user/create-user', { email: `u-${n}@example.org`, password: PASSWORD, role: 'viewer' }, t),
        writer: 'admin',
      },
      {
        module: 'resource API',
        read: (t) => read('/api/v1/sensors', t),
        write: (t, n) =>
          status(
            ctx.app.inject({
              method: 'POST',
              url: '/api/v1/readings',
              headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
              payload: JSON.stringify({
                series: [{ sensor: 's-1', measure: 'temperature', timestamps: [`2024-03-0${(n.length % 9) + 1}T00:00:00Z`], values: [1] }],
              }),
            }),
          ),
        writer: 'editor',
      },
    ];

  for (const c of cases) {
    it(`${c.module}: the viewer reads${c.module === 'users' ? ' nothing' : ''}, the ${c.writer} writes, the role below is refused and nothing changes`, async () => {
      const readers: Role[] = c.module === 'users' ? ['admin'] : ['admin', 'editor', 'viewer'];
      for (const role of ['admin', 'editor', 'viewer'] as const) {
        expect(await c.read(tokens[role]), `${role} reads ${c.module}`).toBe(readers.includes(role) ? 200 : 403);
      }
      const allowed: Role[] = c.writer === 'admin' ? ['admin'] : ['admin', 'editor'];
      for (const role of ['admin', 'editor', 'viewer'] as const) {
        const code = await c.write(tokens[role], `${c.module.replace(/\W/g, '')}-${role}`);
        if (allowed.includes(role)) expect([200, 201], `${role} writes ${c.module}`).toContain(code);
        else expect(code, `${role} writes ${c.module}`).toBe(403);
      }
    });
  }

  it('a refusal says why, and the refused write left nothing behind', async () => {
    const res = await ctx.post('/sensor/insert-sensor', { type_name: 'thermo', unique_identifier: 'by-viewer' }, tokens.viewer);
    expect(res.statusCode).toBe(403);
    expect(res.json().detail).toBe('Your role (viewer) does not allow this: it needs the permission data:write');
    expect(await ctx.count(`sensor WHERE unique_identifier = 'by-viewer'`)).toBe(0);
  });

  it('a user changes its own password but only an admin changes another', async () => {
    expect(await status(ctx.post('/user/change-password', { email: 'viewer@example.org', password: PASSWORD }, tokens.viewer))).toBe(200);
    // A new password ends the user's sessions, the one that changed it included.
    expect(await status(ctx.get('/sensor/list-sensor-types', tokens.viewer))).toBe(401);
    tokens.viewer = await loginAs('viewer@example.org');
    const other = await ctx.post('/user/change-password', { email: 'editor@example.org', password: 'x-x-x-x' }, tokens.viewer);
    expect(other.statusCode).toBe(403);
    expect(await status(ctx.post('/user/change-password', { email: 'editor@example.org', password: PASSWORD }, tokens.admin))).toBe(200);
  });
});

describe('users and roles', () => {
  it("DTBase's create-user makes an admin unless the body names a role", async () => {
    await ctx.postCreated('/user/create-user', { email: 'dtbase-made@example.org', password: PASSWORD });
    await ctx.postCreated('/user/create-user', { email: 'dtbase-viewer@example.org', password: PASSWORD, role: 'viewer' });
    expect((await ctx.services.users.findByEmail('dtbase-made@example.org'))?.role).toBe('admin');
    expect((await ctx.services.users.findByEmail('dtbase-viewer@example.org'))?.role).toBe('viewer');
    const bad = await ctx.post('/user/create-user', { email: 'x@example.org', password: PASSWORD, role: 'root' });
    expect(bad.statusCode).toBe(422);
  });

  it('the resource API creates a viewer by default, sets roles, and deletes users; a role change applies at once', async () => {
    const created = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { authorization: `Bearer ${tokens.admin}` },
      payload: { email: 'new@example.org', password: PASSWORD },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ email: 'new@example.org', role: 'viewer' });
    const token = await loginAs('new@example.org');
    expect(await status(ctx.post('/model/insert-model', { name: 'by-new' }, token))).toBe(403);
    const promoted = await ctx.app.inject({
      method: 'PATCH',
      url: '/api/v1/users/new@example.org',
      headers: { authorization: `Bearer ${tokens.admin}` },
      payload: { role: 'editor' },
    });
    expect(promoted.json().role).toBe('editor');
    // The same token: the role is read per request (through the cached, event-invalidated lookup).
    expect(await status(ctx.post('/model/insert-model', { name: 'by-new' }, token))).toBe(201);
    const me = await ctx.get('/api/v1/me', token);
    expect(me.json()).toMatchObject({ user: { email: 'new@example.org', role: 'editor' }, api_key: null });
    expect(me.json().permissions).toContain('data:write');
    const deleted = await ctx.app.inject({
      method: 'DELETE',
      url: '/api/v1/users/new@example.org',
      headers: { authorization: `Bearer ${tokens.admin}` },
    });
    expect(deleted.statusCode).toBe(204);
    expect((await ctx.get('/api/v1/me', token)).statusCode).toBe(401);
  });

  it('refuses to delete or demote the last admin', async () => {
    // Leave one admin: the test user and admin@ are admins, plus those DTBase's route made.
    for (const email of ['dtbase-made@example.org', 'admin@example.org']) await ctx.services.users.delete(email);
    const demote = await ctx.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${TEST_EMAIL}`,
      headers: { authorization: `Bearer ${ctx.token}` },
      payload: { role: 'viewer' },
    });
    expect(demote.statusCode).toBe(409);
    expect(demote.json().detail).toContain('last admin');
    expect((await ctx.post('/user/delete-user', { email: TEST_EMAIL })).statusCode).toBe(409);
  });
});

describe('every route declares who may call it, and none answers without credentials unless public', () => {
  const document = JSON.parse(readFileSync(path.join(__dirname, '..', 'openapi.json'), 'utf8')) as {
    paths: Record<string, Record<string, { 'x-mirrorbase-access'?: string; operationId: string }>>;
  };
  const operations = Object.entries(document.paths).flatMap(([url, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      url,
      method: method.toUpperCase(),
      access: op['x-mirrorbase-access'],
      id: op.operationId,
    })),
  );
  const known = new Set<string>(['public', 'authenticated', 'refresh', ...PERMISSIONS]);
  const PUBLIC = new Set(['dtbaseLogin', 'getHealth', 'getReadiness']);

  it('declares a known access on every operation, and only the expected few are public', () => {
    expect(operations.length).toBeGreaterThan(70);
    for (const op of operations) expect(known.has(op.access ?? ''), `${op.method} ${op.url}: ${op.access}`).toBe(true);
    expect(new Set(operations.filter((op) => op.access === 'public').map((op) => op.id))).toEqual(PUBLIC);
  });

  it('answers 401 to every non-public operation called without credentials, with a key-shaped or a garbage token', async () => {
    for (const op of operations.filter((o) => o.access !== 'public')) {
      const url = op.url.replace(/\{[^}]+\}/g, 'x');
      for (const authorization of [undefined, 'Bearer not-a-token', 'Basic dXNlcjpwYXNz']) {
        const res = await ctx.app.inject({
          method: op.method as 'GET',
          url,
          headers: authorization ? { authorization } : {},
          ...(op.method === 'GET' || op.method === 'DELETE' ? {} : { payload: {} }),
        });
        expect(res.statusCode, `${op.method} ${url} with ${authorization ?? 'nothing'}: ${res.body}`).toBe(401);
      }
    }
  });
});

describe('a refused change changes nothing', () => {
  it('PATCH with a role the last admin cannot take and a new password leaves both as they were', async () => {
    const res = await ctx.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${TEST_EMAIL}`,
      headers: { authorization: `Bearer ${ctx.token}` },
      payload: { role: 'viewer', password: 'a brand new password' },
    });
    expect(res.statusCode).toBe(409);
    // The password did not change, so the sessions were not ended: the same token still works.
    expect((await ctx.get('/api/v1/me', ctx.token)).json().user.role).toBe('admin');
    const login = await ctx.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: TEST_EMAIL, password: 'a brand new password' },
    });
    expect(login.statusCode).toBe(401);
  });

  it('refuses over-long login fields with 422 before any hash', async () => {
    const long = await ctx.app.inject({ method: 'POST', url: '/auth/login', payload: { email: TEST_EMAIL, password: 'x'.repeat(2000) } });
    expect(long.statusCode).toBe(422);
    const longEmail = await ctx.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: `${'a'.repeat(400)}@example.org`, password: 'x' },
    });
    expect(longEmail.statusCode).toBe(422);
  });
});

describe('the last admin, under concurrency', () => {
  it('three admins demoted at the same moment: two are, one stays admin', async () => {
    for (const email of ['race-a@example.org', 'race-b@example.org']) await ctx.services.users.create(email, PASSWORD, 'admin');
    const outcomes = await Promise.allSettled(
      [TEST_EMAIL, 'race-a@example.org', 'race-b@example.org'].map((email) => ctx.services.users.setRole(email, 'editor')),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(2);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason))).toEqual([
      expect.stringContaining('last admin'),
    ]);
    expect(await ctx.count(`users WHERE role = 'admin'`)).toBe(1);
  });
});
