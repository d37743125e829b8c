import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Events, MirrorbaseEvent } from '../src/events/events.ts';
import { API_KEY_PATTERN } from '../src/modules/api-keys/api-key-secret.ts';
import { createSensor } from './helpers/sensor-fixtures.ts';
import { TEST_EMAIL, startReplica, useTestApp } from './helpers/test-app.ts';

const ctx = useTestApp();
const PASSWORD = 'a password long enough';
const FLOAT = [{ name: 'temperature', units: 'C', datatype: 'float' as const }];

type App = typeof ctx.app;
type Method = 'GET' | 'POST' | 'DELETE' | 'PATCH';

/** A call with a bearer token (or key) in the Authorization header. */
function call(method: Method, url: string, bearer: string, payload?: unknown, app: App = ctx.app) {
  return app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${bearer}` },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

/** A call with an API key in X-API-Key. */
const withKey = (key: string, url: string, app: App = ctx.app) => app.inject({ method: 'GET', url, headers: { 'x-api-key': key } });

async function login(email: string, password = PASSWORD, app: App = ctx.app) {
  return app.inject({ method: 'POST', url: '/auth/login', payload: { email, password } });
}

async function tokenOf(email: string) {
  const res = await login(email);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().access_token as string;
}

/** Creates a key with the given token (the test admin's by default) and returns its answer. */
async function createKey(body: Record<string, unknown>, token = ctx.token) {
  const res = await call('POST', '/api/v1/keys', token, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: number; key: string; prefix: string; name: string; user: string; scope: string };
}

/** Resolves with the first event `predicate` accepts on that events port. */
function nextEvent(events: Events, predicate: (e: MirrorbaseEvent) => boolean, ms = 5000) {
  return new Promise<MirrorbaseEvent>((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error('no event'));
    }, ms);
    const stop = events.subscribe((event) => {
      if (event.type !== 'resync' && predicate(event)) {
        clearTimeout(timer);
        stop();
        resolve(event);
      }
    });
  });
}

const keyChanged = (id: number) => (e: MirrorbaseEvent) => e.type === 'entity.changed' && e.entity === 'api_key' && e.key === String(id);
const detail = (res: LightMyRequestResponse) => res.json().detail as string;
const keyCount = () => ctx.count('api_key');

let viewerToken: string;

beforeAll(async () => {
  await ctx.services.users.create('viewer@example.org', PASSWORD, 'viewer');
  await ctx.services.users.create('editor@example.org', PASSWORD, 'editor');
  viewerToken = await tokenOf('viewer@example.org');
  await createSensor(ctx.db, 'dev-1', FLOAT);
});

describe('creating, listing and revoking keys', () => {
  it('shows the key once, at creation; stores only its hash; lists it without the secret', async () => {
    const created = await createKey({ name: 'ingress', scope: 'read-write' });
    expect(created.key).toMatch(API_KEY_PATTERN);
    expect(created).toMatchObject({ name: 'ingress', scope: 'read-write', user: TEST_EMAIL, sensors: null, revoked_at: null });
    expect(created.key.startsWith(`mb_${created.prefix}_`)).toBe(true);

    const hash = createHash('sha256').update(created.key).digest('hex');
    const [row] = await ctx.db.query<Record<string, unknown>>('SELECT * FROM api_key WHERE id = $1', [created.id]);
    expect(row.secret_hash).toBe(hash);
    expect(JSON.stringify(row)).not.toContain(created.key.slice(12));

    const listed = await call('GET', '/api/v1/keys', ctx.token);
    expect(listed.statusCode).toBe(200);
    expect(listed.headers['content-range']).toMatch(/^items 0-\d+\/\*$/);
    const item = listed.json().items.find((k: { id: number }) => k.id === created.id);
    expect(Object.keys(item).sort()).toEqual(
      ['created_at', 'expires_at', 'id', 'last_used_at', 'name', 'prefix', 'revoked_at', 'scope', 'sensors', 'user'].sort(),
    );
    expect(listed.body).not.toContain(created.key.slice(12));
    expect(listed.body).not.toContain(hash);
    // The key works.
    expect((await withKey(created.key, '/sensor/list-sensor-types')).statusCode).toBe(200);
  });

  it('refuses bad input with a clear 4xx and creates nothing', async () => {
    await createKey({ name: 'taken', scope: 'read' });
    const before = await keyCount();
    const inAMinute = new Date(Date.now() + 60_000).toISOString();
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [{ name: 'x', scope: 'ingest' }, 422, /ingest scope needs the sensors/],
      [{ name: 'x', scope: 'ingest', sensors: [] }, 422, /sensors/],
      [{ name: 'x', scope: 'read', sensors: ['dev-1'] }, 422, /Only keys of the ingest scope name sensors/],
      [{ name: 'x', scope: 'ingest', sensors: ['dev-1', 'no-such-sensor'] }, 422, /No sensor has the unique identifier "no-such-sensor"/],
      [{ name: 'x', scope: 'admin' }, 422, /scope/],
      [{ name: '', scope: 'read' }, 422, /name/],
      [{ name: '   ', scope: 'read' }, 422, /A key needs a name/],
      [{ name: 'x'.repeat(101), scope: 'read' }, 422, /name/],
      [{ name: 'x', scope: 'read', expires_at: '2020-01-01T00:00:00Z' }, 422, /expires_at must lie in the future/],
      [{ name: 'x', scope: 'read', expires_at: inAMinute.replace('Z', '') }, 422, /expires_at/],
      [{ name: 'x', scope: 'read', expires_at: 'tomorrow' }, 422, /expires_at/],
      [{ name: 'taken', scope: 'read-write' }, 409, /has a key named "taken" already/],
      [{ name: 'x', scope: 'read', user: 'nobody@example.org' }, 404, /User "nobody@example.org" does not exist/],
      [{ scope: 'read' }, 422, /name/],
    ];
    for (const [body, status, message] of cases) {
      const res = await call('POST', '/api/v1/keys', ctx.token, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      const { detail: said } = res.json();
      expect(typeof said === 'string' ? said : JSON.stringify(said), JSON.stringify(body)).toMatch(message);
    }
    expect(await keyCount()).toBe(before);
  });

  it('frees the name of a revoked key for a new one', async () => {
    const first = await createKey({ name: 'rotated', scope: 'read' });
    expect((await call('DELETE', `/api/v1/keys/${first.id}`, ctx.token)).statusCode).toBe(204);
    const second = await createKey({ name: 'rotated', scope: 'read' });
    expect(second.id).not.toBe(first.id);
  });

  it("a user manages its own keys only; an admin any user's", async () => {
    const own = await createKey({ name: 'viewer-own', scope: 'read' }, viewerToken);
    expect(own.user).toBe('viewer@example.org');
    const forOther = await call('POST', '/api/v1/keys', viewerToken, { name: 'sneaky', scope: 'read', user: TEST_EMAIL });
    expect(forOther.statusCode).toBe(403);
    expect(detail(forOther)).toBe("Only an admin may create another user's keys");
    const byAdmin = await createKey({ name: 'made-by-admin', scope: 'read', user: 'viewer@example.org' });
    expect(byAdmin.user).toBe('viewer@example.org');

    // The viewer lists its own keys, the admin's only when it is an admin.
    const mine = (await call('GET', '/api/v1/keys', viewerToken)).json().items.map((k: { name: string }) => k.name);
    expect(mine.sort()).toEqual(['made-by-admin', 'viewer-own']);
    expect((await call('GET', `/api/v1/keys?user=${TEST_EMAIL}`, viewerToken)).statusCode).toBe(403);
    expect((await call('GET', '/api/v1/keys?all=true', viewerToken)).statusCode).toBe(403);
    expect((await call('GET', '/api/v1/keys?user=viewer@example.org', viewerToken)).statusCode).toBe(200);
    const ofViewer = await call('GET', '/api/v1/keys?user=viewer@example.org', ctx.token);
    expect(ofViewer.json().items).toHaveLength(2);
    const all = (await call('GET', '/api/v1/keys?all=true&limit=1000', ctx.token)).json().items;
    expect(new Set(all.map((k: { user: string }) => k.user))).toEqual(new Set([TEST_EMAIL, 'viewer@example.org']));
    expect((await call('GET', '/api/v1/keys?user=ghost@example.org', ctx.token)).statusCode).toBe(404);

    // Another user's key is not found for a non-admin; the admin revokes it.
    const adminKey = await createKey({ name: 'admin-only', scope: 'read' });
    const refused = await call('DELETE', `/api/v1/keys/${adminKey.id}`, viewerToken);
    expect(refused.statusCode).toBe(404);
    expect(await ctx.count(`api_key WHERE id = ${adminKey.id} AND revoked_at IS NULL`)).toBe(1);
    expect((await call('DELETE', `/api/v1/keys/${own.id}`, viewerToken)).statusCode).toBe(204);
    expect((await call('DELETE', `/api/v1/keys/${byAdmin.id}`, ctx.token)).statusCode).toBe(204);
    // Revoking again changes nothing; a key that never existed is a 404.
    const [{ revoked_at: revokedAt }] = await ctx.db.query<{ revoked_at: Date }>('SELECT revoked_at FROM api_key WHERE id = $1', [own.id]);
    expect((await call('DELETE', `/api/v1/keys/${own.id}`, viewerToken)).statusCode).toBe(204);
    const [again] = await ctx.db.query<{ revoked_at: Date }>('SELECT revoked_at FROM api_key WHERE id = $1', [own.id]);
    expect(again.revoked_at).toEqual(revokedAt);
    expect((await call('DELETE', '/api/v1/keys/999999', ctx.token)).statusCode).toBe(404);
    const listed = (await call('GET', '/api/v1/keys', viewerToken)).json().items;
    expect(listed.every((k: { revoked_at: string | null }) => k.revoked_at !== null)).toBe(true);
  });

  it('a key cannot manage keys, not even with the tokens it was exchanged for', async () => {
    const key = await createKey({ name: 'no-minting', scope: 'read-write' });
    const before = await keyCount();
    const tokens = (await login(TEST_EMAIL, key.key)).json();
    for (const credential of [key.key, tokens.access_token]) {
      const created = await call('POST', '/api/v1/keys', credential, { name: 'minted', scope: 'read' });
      expect(created.statusCode).toBe(403);
      expect(detail(created)).toBe('This API key (scope read-write) does not allow this: it needs the permission account');
      expect((await call('GET', '/api/v1/keys', credential)).statusCode).toBe(403);
      expect((await call('DELETE', `/api/v1/keys/${key.id}`, credential)).statusCode).toBe(403);
    }
    expect(await keyCount()).toBe(before);
    expect((await withKey(key.key, '/sensor/list-sensor-types')).statusCode).toBe(200);
  });
});

describe('authentication with a key', () => {
  it('takes a key as X-API-Key or as a bearer token; refuses malformed, unknown and doubled credentials with 401', async () => {
    const { key } = await createKey({ name: 'both-ways', scope: 'read' });
    expect((await withKey(key, '/sensor/list-sensor-types')).statusCode).toBe(200);
    expect((await call('GET', '/sensor/list-sensor-types', key)).statusCode).toBe(200);
    const me = await withKey(key, '/api/v1/me');
    expect(me.json()).toMatchObject({ user: { email: TEST_EMAIL, role: 'admin' }, api_key: { name: 'both-ways', scope: 'read' } });
    // An admin's read key may also take a backup (scheduled backups need no person's password).
    expect(me.json().permissions.sort()).toEqual(['backup:read', 'data:read', 'readings:read']);

    const unknown = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    const cases: [Record<string, string>, RegExp][] = [
      [{ 'x-api-key': unknown }, /^Invalid API key$/],
      [{ authorization: `Bearer ${unknown}` }, /^Invalid API key$/],
      [{ 'x-api-key': 'mb_short' }, /^Malformed API key: expected mb_<8 characters>_<40 characters>$/],
      [{ 'x-api-key': '' }, /^Malformed API key/],
      [{ authorization: 'Bearer mb_not-a-key' }, /^Malformed API key/],
      [{ 'x-api-key': key, authorization: `Bearer ${ctx.token}` }, /not both/],
    ];
    for (const [headers, message] of cases) {
      const res = await ctx.app.inject({ method: 'GET', url: '/api/v1/sensors', headers });
      expect(res.statusCode, JSON.stringify(headers)).toBe(401);
      expect(res.json()).toMatchObject({ code: 'INVALID_API_KEY' });
      expect(detail(res)).toMatch(message);
    }
    // A key is no refresh token.
    const refresh = await call('POST', '/auth/refresh', key);
    expect(refresh.statusCode).toBe(401);
    expect(detail(refresh)).toMatch(/not a refresh token/);
  });

  it('a revoked key fails at once here, and on a second replica as soon as it hears of it', async () => {
    const replica = await startReplica(ctx.db);
    try {
      const { id, key } = await createKey({ name: 'to-revoke', scope: 'read' });
      // Both replicas have the key cached.
      for (const app of [ctx.app, replica.app, ctx.app, replica.app])
        expect((await withKey(key, '/model/list-models', app)).statusCode).toBe(200);
      const heard = nextEvent(replica.events, keyChanged(id));
      expect((await call('DELETE', `/api/v1/keys/${id}`, ctx.token)).statusCode).toBe(204);
      const here = await withKey(key, '/model/list-models');
      expect(here.statusCode).toBe(401);
      expect(detail(here)).toBe('This API key was revoked');
      await heard;
      const there = await withKey(key, '/model/list-models', replica.app);
      expect(there.statusCode).toBe(401);
      expect(detail(there)).toBe('This API key was revoked');
    } finally {
      await replica.app.close();
    }
  });

  it('an expired key fails at once on every replica', async () => {
    const replica = await startReplica(ctx.db);
    try {
      const expiresAt = new Date(Date.now() + 1500);
      const { key } = await createKey({ name: 'short-lived', scope: 'read', expires_at: expiresAt.toISOString() });
      for (const app of [ctx.app, replica.app]) expect((await withKey(key, '/model/list-models', app)).statusCode).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, expiresAt.getTime() - Date.now() + 50));
      for (const app of [ctx.app, replica.app]) {
        const res = await withKey(key, '/model/list-models', app);
        expect(res.statusCode).toBe(401);
        expect(detail(res)).toBe(`This API key expired at ${expiresAt.toISOString()}`);
      }
    } finally {
      await replica.app.close();
    }
  });

  it("a user's deletion or new role applies to its keys at once", async () => {
    await ctx.services.users.create('temp@example.org', PASSWORD, 'editor');
    const token = await tokenOf('temp@example.org');
    const { key } = await createKey({ name: 'temp', scope: 'read-write' }, token);
    const write = (name: string) =>
      ctx.app.inject({ method: 'POST', url: '/model/insert-model', headers: { 'x-api-key': key }, payload: { name } });
    expect((await write('by-temp-1')).statusCode).toBe(201);
    await ctx.services.users.setRole('temp@example.org', 'viewer');
    const narrowed = await write('by-temp-2');
    expect(narrowed.statusCode).toBe(403);
    expect(detail(narrowed)).toBe("The role of this API key's user (viewer) does not allow this: it needs the permission data:write");
    expect((await withKey(key, '/model/list-models')).statusCode).toBe(200);
    await ctx.services.users.delete('temp@example.org');
    const gone = await withKey(key, '/model/list-models');
    expect(gone.statusCode).toBe(401);
    expect(detail(gone)).toBe('Invalid API key');
    expect(await ctx.count(`api_key WHERE name = 'temp'`)).toBe(0);
  });
});

describe('logging in with a key, as DTBase clients do (the key as the password)', () => {
  const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());

  it("gives tokens that act as the key, with the key's scope, through refresh too", async () => {
    const { id, key } = await createKey({ name: 'base-ingress', scope: 'read' });
    const res = await login(TEST_EMAIL, key);
    expect(res.statusCode, res.body).toBe(200);
    const { access_token: access, refresh_token: refresh } = res.json();
    expect(claims(access)).toMatchObject({ sub: TEST_EMAIL, token_type: 'access', api_key_id: id });
    expect(claims(refresh)).toMatchObject({ token_type: 'refresh', api_key_id: id });
    expect((await call('GET', '/api/v1/me', access)).json().api_key).toEqual({ id, name: 'base-ingress', scope: 'read' });
    expect((await call('GET', '/sensor/list-sensor-types', access)).statusCode).toBe(200);
    expect((await call('POST', '/model/insert-model', access, { name: 'by-read-key' })).statusCode).toBe(403);

    const renewed = await call('POST', '/auth/refresh', refresh);
    expect(renewed.statusCode).toBe(200);
    expect(claims(renewed.json().access_token).api_key_id).toBe(id);
    expect((await call('POST', '/model/insert-model', renewed.json().access_token, { name: 'by-read-key' })).statusCode).toBe(403);
    expect(await ctx.count(`model WHERE name = 'by-read-key'`)).toBe(0);
    // A password login still gives a user's tokens, without the claim.
    expect(claims(ctx.token).api_key_id).toBeUndefined();
  });

  it("still logs in when strangers have locked the account's password logins, and the login is audited with its key", async () => {
    await ctx.services.users.create('device-owner@example.org', PASSWORD, 'editor');
    const owner = await tokenOf('device-owner@example.org');
    const create = await call('POST', '/api/v1/keys', owner, { name: 'station', scope: 'read-write' });
    const { id, key } = create.json();
    // Anyone may send wrong passwords in a user's name until its password logins are refused.
    for (let i = 0; i < 11; i++) await login('device-owner@example.org', `wrong-${i}`);
    expect((await login('device-owner@example.org')).statusCode).toBe(429);
    // The key cannot be guessed: it is counted against the address only, not the account.
    const res = await login('device-owner@example.org', key);
    expect(res.statusCode, res.body).toBe(200);
    await ctx.services.audit.flush();
    const [entry] = await ctx.db.query<{ api_key_id: number; status: number }>(
      `SELECT api_key_id, status FROM audit_log WHERE route = '/auth/login' AND user_email = 'device-owner@example.org' ORDER BY id DESC LIMIT 1`,
    );
    expect(entry).toEqual({ api_key_id: id, status: 200 });
  });

  it("is a wrong password for another user's e-mail address", async () => {
    const { key } = await createKey({ name: 'not-viewers', scope: 'read' });
    for (const email of ['viewer@example.org', 'ghost@example.org']) {
      const res = await login(email, key);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ detail: 'Incorrect email or password' });
    }
  });

  it("a revoked key's tokens stop at once, on both replicas; a revoked key cannot log in", async () => {
    const replica = await startReplica(ctx.db);
    try {
      const { id, key } = await createKey({ name: 'revoked-login', scope: 'read' });
      const { access_token: access, refresh_token: refresh } = (await login(TEST_EMAIL, key, replica.app)).json();
      for (const app of [ctx.app, replica.app])
        expect((await call('GET', '/model/list-models', access, undefined, app)).statusCode).toBe(200);
      const heard = nextEvent(replica.events, keyChanged(id));
      expect((await call('DELETE', `/api/v1/keys/${id}`, ctx.token)).statusCode).toBe(204);
      await heard;
      for (const app of [ctx.app, replica.app]) {
        const res = await call('GET', '/model/list-models', access, undefined, app);
        expect(res.statusCode).toBe(401);
        expect(detail(res)).toBe('This API key was revoked');
        expect((await call('POST', '/auth/refresh', refresh, undefined, app)).statusCode).toBe(401);
      }
      const again = await login(TEST_EMAIL, key);
      expect(again.statusCode).toBe(401);
      expect(again.json()).toEqual({ detail: 'This API key was revoked' });
    } finally {
      await replica.app.close();
    }
  });
});

describe('last use', () => {
  it('is recorded off the request path, about once a minute per key, not per request', async () => {
    const { id, key } = await createKey({ name: 'counted', scope: 'read' });
    const lastUsed = async () => {
      await ctx.services.apiKeyLookup.flush();
      const [row] = await ctx.db.query<{ last_used_at: Date | null }>('SELECT last_used_at FROM api_key WHERE id = $1', [id]);
      return row.last_used_at;
    };
    expect(await lastUsed()).toBeNull();
    expect((await withKey(key, '/model/list-models')).statusCode).toBe(200);
    const first = await lastUsed();
    expect(first).toBeInstanceOf(Date);
    for (let i = 0; i < 5; i++) expect((await withKey(key, '/model/list-models')).statusCode).toBe(200);
    expect(await lastUsed()).toEqual(first);
    ctx.advanceClock(61);
    expect((await withKey(key, '/model/list-models')).statusCode).toBe(200);
    const later = await lastUsed();
    expect(later!.getTime()).toBeGreaterThanOrEqual(first!.getTime() + 60_000);
    const listed = (await call('GET', '/api/v1/keys', ctx.token)).json().items.find((k: { id: number }) => k.id === id);
    expect(listed.last_used_at).toBe(later!.toISOString());
  });
});
