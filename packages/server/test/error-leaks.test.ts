import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/test-app.ts';

const ctx = useTestApp();

/** Text that would only appear in an answer if the database's own words got through. */
const MARKER = 'LEAKED';
const LEAKS = [
  [MARKER, 'the error message'],
  ['SELECT password_hash', 'SQL text'],
  ['users_leak_check', 'a constraint name'],
  ['/srv/mirrorbase', 'a file path'],
  ['.ts:', 'a source location'],
  ['node_modules', 'a package path'],
] as const;

function expectNothingLeaked(body: string) {
  for (const [text, what] of LEAKS) expect(body, `${what} in ${body}`).not.toContain(text);
  expect(body, `a stack trace in ${body}`).not.toMatch(/\n\s+at |\bat \S+ \(/);
  expect(body).not.toMatch(/stack|sqlstate|routine|pg_|plpgsql/i);
}

/**
 * PostgreSQL refuses rows whose key starts with `fail-` with the SQLSTATE that follows, and a
 * message, detail and hint full of what must never reach a client: the way a database fails on
 * a value (a trigger, a check, a limit of the engine) is the database's, not the service's.
 */
beforeAll(async () => {
  await ctx.db.exec(`
    CREATE FUNCTION test_refuse_row() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      key text := coalesce(to_jsonb(NEW) ->> 'unique_identifier', to_jsonb(NEW) ->> 'email');
    BEGIN
      IF key LIKE 'fail-%' THEN
        RAISE EXCEPTION USING
          ERRCODE = substr(key, 6, 5),
          MESSAGE = '${MARKER}: SELECT password_hash FROM users WHERE email = ''x''',
          DETAIL = '${MARKER} at /srv/mirrorbase/src/secret.ts:12:3',
          HINT = '${MARKER} node_modules/postgres/src/connection.js';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER test_refuse_sensor BEFORE INSERT ON sensor FOR EACH ROW EXECUTE FUNCTION test_refuse_row();
    CREATE TRIGGER test_refuse_user BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION test_refuse_row();
    ALTER TABLE users ADD CONSTRAINT users_leak_check CHECK (email NOT LIKE 'checked-%');
  `);
  await ctx.postCreated('/sensor/insert-sensor-type', {
    name: 'thermo',
    description: '',
    measures: [{ name: 'temperature', units: 'C', datatype: 'float' }],
  });
});

// What each failure is answered with: a known SQLSTATE is the client's fault or a retry, in a
// fixed sentence; anything else is a bug of ours, a 500 that says no more than that.
const FAILURES = [
  ['XX000', 'an internal error', 500],
  ['P0001', 'a raised exception', 500],
  ['57014', 'a cancelled statement', 500],
  ['42P01', 'a missing table', 500],
  ['22P02', 'a malformed value', 422],
  ['22003', 'a number out of range', 422],
  ['23505', 'a duplicate', 409],
  ['40P01', 'a deadlock', 503],
] as const;

describe('when PostgreSQL refuses a write, the answer carries no SQL, stack, path or database message', () => {
  it.each(FAILURES)('DTBase route, SQLSTATE %s (%s): %i', async (sqlstate, _what, status) => {
    const uid = `fail-${sqlstate}`;
    const res = await ctx.post('/sensor/insert-sensor', { type_name: 'thermo', unique_identifier: uid });
    expect(res.statusCode, res.body).toBe(status);
    expectNothingLeaked(res.body);
    if (status === 500) expect(res.json()).toEqual({ detail: 'Internal Server Error' });
    else expect(Object.keys(res.json())).toEqual(['detail']);
    expect(await ctx.count(`sensor WHERE unique_identifier = '${uid}'`)).toBe(0);
  });

  it.each(FAILURES)('resource API, SQLSTATE %s (%s): %i with a stable code', async (sqlstate, _what, status) => {
    const email = `fail-${sqlstate}@example.org`;
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { authorization: `Bearer ${ctx.token}` },
      payload: { email, password: 'a password', role: 'viewer' },
    });
    expect(res.statusCode, res.body).toBe(status);
    expectNothingLeaked(res.body);
    const body = res.json();
    if (status === 500) expect(body).toEqual({ detail: 'Internal Server Error' });
    else expect(body.code).toMatch(/^[A-Z_]+$/);
    expect(await ctx.count(`users WHERE email = '${email}'`)).toBe(0);
  });

  it('a CHECK constraint the service knows nothing of: 422 without its name', async () => {
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { authorization: `Bearer ${ctx.token}` },
      payload: { email: 'checked-out@example.org', password: 'a password' },
    });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json()).toEqual({ detail: 'A value is outside what can be stored', code: 'VALIDATION_FAILED' });
    expectNothingLeaked(res.body);
    expect(await ctx.count(`users WHERE email = 'checked-out@example.org'`)).toBe(0);
  });

  it('a database that is gone: 500 on the route, 503 on the readiness probe, in plain words', async () => {
    // The table a read needs disappears (as if a migration was rolled back under the server).
    await ctx.db.exec('ALTER TABLE sensor RENAME TO sensor_hidden');
    try {
      const res = await ctx.post('/sensor/list-sensors', {});
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({ detail: 'Internal Server Error' });
      expectNothingLeaked(res.body);
      const api = await ctx.get('/api/v1/sensors');
      expect(api.statusCode).toBe(500);
      expectNothingLeaked(api.body);
    } finally {
      await ctx.db.exec('ALTER TABLE sensor_hidden RENAME TO sensor');
    }
  });
});

describe('client mistakes that reach deep parsers', () => {
  it.each([
    ['malformed JSON', '{"email": "a@b.c", "password": '],
    ['JSON with a control character', '{"email": "a\u0001@b.c", "password": "x"}'],
    ['a JSON prototype key', '{"__proto__": {"admin": true}, "email": "a@b.c", "password": "x"}'],
  ])('%s: a 4xx that quotes no parser internals', async (_what, payload) => {
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { 'content-type': 'application/json' },
      payload,
    });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expectNothingLeaked(res.body);
    expect(res.body).not.toMatch(/JSON\.parse|SyntaxError|position \d+/);
  });
});
