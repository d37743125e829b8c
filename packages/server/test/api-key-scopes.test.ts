import net, { type AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import type { KeyScope, Role } from '../src/modules/auth/permissions.ts';
import { createSensor } from './helpers/sensor-fixtures.ts';
import { useTestApp } from './helpers/test-app.ts';

const ctx = useTestApp();
const PASSWORD = 'a password long enough';
const FLOAT = [{ name: 'temperature', units: 'C', datatype: 'float' as const }];

/** Keys by what they are: an admin's key of each scope, and a viewer's read-write key. */
const keys = {} as Record<KeyScope | 'viewer-read-write', string>;

async function createKey(token: string, body: Record<string, unknown>) {
  const res = await ctx.app.inject({ method: 'POST', url: '/api/v1/keys', headers: { authorization: `Bearer ${token}` }, payload: body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().key as string;
}

beforeAll(async () => {
  await ctx.services.users.create('viewer@example.org', PASSWORD, 'viewer' satisfies Role);
  const login = await ctx.app.inject({ method: 'POST', url: '/auth/login', payload: { email: 'viewer@example.org', password: PASSWORD } });
  keys.read = await createKey(ctx.token, { name: 'read', scope: 'read' });
  keys['read-write'] = await createKey(ctx.token, { name: 'read-write', scope: 'read-write' });
  await createSensor(ctx.db, 'own-1', FLOAT);
  await createSensor(ctx.db, 'own-2', FLOAT);
  await createSensor(ctx.db, 'foreign', FLOAT);
  keys.ingest = await createKey(ctx.token, { name: 'device', scope: 'ingest', sensors: ['own-1', 'own-2'] });
  keys['viewer-read-write'] = await createKey(login.json().access_token, { name: 'viewer-rw', scope: 'read-write' });
  await ctx.postCreated('/location/insert-location-schema', {
    name: 'xy',
    description: '',
    identifiers: [{ name: 'x', units: 'm', datatype: 'float' }],
  });
});

/** A call with an API key (in X-API-Key); JSON unless a content type is given. */
function send(key: string, method: 'GET' | 'POST', url: string, body?: unknown, contentType = 'application/json') {
  return ctx.app.inject({
    method,
    url,
    headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': contentType }) },
    ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}

const status = async (p: ReturnType<typeof send>) => (await p).statusCode;
let n = 0;
/** A timestamp not used before in this file (each write stores something new). */
const fresh = () => new Date(Date.parse('2024-02-01T00:00:00Z') + ++n * 1000).toISOString();

/** Readings stored for a sensor (of this file's only measure). */
const readingsOf = (uid: string) => ctx.count(`reading_float r JOIN sensor s ON s.id = r.sensor_id WHERE s.unique_identifier = '${uid}'`);

interface ModuleCase {
  module: string;
  read: (key: string) => Promise<number>;
  write: (key: string, name: string) => Promise<number>;
}

const MODULES: ModuleCase[] = [
  {
    module: 'sensors',
    read: (k) => status(send(k, 'GET', '/sensor/list-sensor-types')),
    write: (k, name) => status(send(k, 'POST', '/sensor/insert-sensor-type', { name, description: '', measures: FLOAT })),
  },
  {
    module: 'readings (DTBase)',
    read: (k) =>
      status(
        send(k, 'POST', '/sensor/sensor-readings', {
          unique_identifier: 'own-1',
          measure_name: 'temperature',
          dt_from: '2024-01-01',
          dt_to: '2025-01-01',
        }),
      ),
    write: (k) =>
      status(
        send(k, 'POST', '/sensor/insert-sensor-readings', {
          unique_identifier: 'own-1',
          measure_name: 'temperature',
          readings: [1.5],
          timestamps: [fresh()],
        }),
      ),
  },
  {
    module: 'locations',
    read: (k) => status(send(k, 'GET', '/location/list-location-schemas')),
    write: (k) => status(send(k, 'POST', '/location/insert-location-for-schema', { schema_name: 'xy', coordinates: { x: ++n } })),
  },
  {
    module: 'models',
    read: (k) => status(send(k, 'GET', '/model/list-models')),
    write: (k, name) => status(send(k, 'POST', '/model/insert-model', { name })),
  },
  {
    module: 'services',
    read: (k) => status(send(k, 'GET', '/service/list-services')),
    write: (k, name) => status(send(k, 'POST', '/service/insert-service', { name, url: 'http://example.org/x', http_method: 'POST' })),
  },
  {
    module: 'readings (resource API)',
    read: (k) =>
      status(send(k, 'GET', '/api/v1/readings?sensor=own-1&measure=temperature&from=2024-01-01T00:00:00Z&to=2025-01-01T00:00:00Z')),
    write: (k) =>
      status(
        send(k, 'POST', '/api/v1/readings', { series: [{ sensor: 'own-2', measure: 'temperature', timestamps: [fresh()], values: [2] }] }),
      ),
  },
  {
    module: 'users',
    read: (k) => status(send(k, 'GET', '/user/list-users')),
    write: (k, name) => status(send(k, 'POST', '/user/create-user', { email: `${name}@example.org`, password: PASSWORD, role: 'viewer' })),
  },
  {
    module: 'API keys',
    read: (k) => status(send(k, 'GET', '/api/v1/keys')),
    write: (k, name) => status(send(k, 'POST', '/api/v1/keys', { name, scope: 'read' })),
  },
];

/** What each key may do per module: [read, write]. Nothing else is allowed. */
const ALLOWED: Record<keyof typeof keys, (module: string) => [boolean, boolean]> = {
  read: (m) => [m !== 'users' && m !== 'API keys', false],
  'read-write': (m) => [m !== 'users' && m !== 'API keys', m !== 'users' && m !== 'API keys'],
  ingest: (m) => [false, m.startsWith('readings')],
  // A viewer's key reads what the viewer reads and, whatever its scope, writes nothing.
  'viewer-read-write': (m) => [m !== 'users' && m !== 'API keys', false],
};

describe('each key scope, per module: what it allows, and 403 for the rest', () => {
  for (const holder of Object.keys(ALLOWED) as (keyof typeof keys)[]) {
    it(`a ${holder} key`, async () => {
      for (const c of MODULES) {
        const [mayRead, mayWrite] = ALLOWED[holder](c.module);
        expect(await c.read(keys[holder]), `${holder} key reads ${c.module}`).toBe(mayRead ? 200 : 403);
        const tables = await ctx.db.query<{ n: string }>(
          `SELECT (SELECT count(*) FROM sensor_type) + (SELECT count(*) FROM location) + (SELECT count(*) FROM model)
                + (SELECT count(*) FROM service) + (SELECT count(*) FROM users) + (SELECT count(*) FROM api_key)
                + (SELECT count(*) FROM reading_float) AS n`,
        );
        const code = await c.write(keys[holder], `${holder}-${c.module.replace(/\W/g, '')}`);
        const after = await ctx.db.query<{ n: string }>(
          `SELECT (SELECT count(*) FROM sensor_type) + (SELECT count(*) FROM location) + (SELECT count(*) FROM model)
                + (SELECT count(*) FROM service) + (SELECT count(*) FROM users) + (SELECT count(*) FROM api_key)
                + (SELECT count(*) FROM reading_float) AS n`,
        );
        if (mayWrite) {
          expect([200, 201], `${holder} key writes ${c.module}`).toContain(code);
          expect(Number(after[0].n), `${holder} key's write to ${c.module} stored something`).toBeGreaterThan(Number(tables[0].n));
        } else {
          expect(code, `${holder} key writes ${c.module}`).toBe(403);
          expect(after, `${holder} key's refused write to ${c.module} changed nothing`).toEqual(tables);
        }
      }
    });
  }

  it('says why: the scope, or the role of the key’s user', async () => {
    const byScope = await send(keys.read, 'POST', '/model/insert-model', { name: 'x' });
    expect(byScope.json().detail).toBe('This API key (scope read) does not allow this: it needs the permission data:write');
    const byRole = await send(keys['viewer-read-write'], 'POST', '/model/insert-model', { name: 'x' });
    expect(byRole.json().detail).toBe("The role of this API key's user (viewer) does not allow this: it needs the permission data:write");
  });
});

describe('a device key writes readings of its own sensors only, on every ingest path, and a refusal stores nothing', () => {
  const device = () => keys.ingest;
  const dtbaseInsert = (uid: string, timestamps: string[]) =>
    send(device(), 'POST', '/sensor/insert-sensor-readings', {
      unique_identifier: uid,
      measure_name: 'temperature',
      readings: timestamps.map((_, i) => i),
      timestamps,
    });
  const times = (start: string, count: number) =>
    Array.from({ length: count }, (_, i) => new Date(Date.parse(start) + i * 1000).toISOString());

  it("DTBase's insert-sensor-readings: a foreign sensor, or one that does not exist, is a 403 (not a 400)", async () => {
    expect((await dtbaseInsert('own-1', times('2024-03-01T00:00:00Z', 3))).statusCode).toBe(201);
    const foreign = await dtbaseInsert('foreign', times('2024-03-01T00:00:00Z', 3));
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json().detail).toBe('This API key (device) may write readings only of its own sensors, not of "foreign"');
    expect((await dtbaseInsert('no-such-sensor', times('2024-03-01T00:00:00Z', 1))).statusCode).toBe(403);
    expect(await readingsOf('foreign')).toBe(0);
  });

  it('JSON: one foreign series among own ones refuses the whole request', async () => {
    const before = await readingsOf('own-1');
    const body = {
      series: [
        { sensor: 'own-1', measure: 'temperature', timestamps: times('2024-04-01T00:00:00Z', 100), values: Array(100).fill(1) },
        { sensor: 'foreign', measure: 'temperature', timestamps: times('2024-04-01T00:00:00Z', 1), values: [1] },
      ],
    };
    const res = await send(device(), 'POST', '/api/v1/readings', body);
    expect(res.statusCode).toBe(403);
    expect(res.json().detail).toMatch(/^series\[1\]: This API key \(device\) may write readings only of its own sensors/);
    expect(await readingsOf('own-1')).toBe(before);
    expect(await readingsOf('foreign')).toBe(0);
    const own = await send(device(), 'POST', '/api/v1/readings', { series: body.series.slice(0, 1) });
    expect(own.json()).toEqual({ inserted: 100, duplicates: 0, series: 1 });
  });

  // More rows than one flush (10,000) before the foreign sensor: batches were written in the
  // request's transaction already, and must be rolled back.
  const OWN_ROWS = 12_000;

  it('NDJSON (parsed as a stream): a foreign sensor after the first batches were written still leaves nothing stored', async () => {
    const before = await readingsOf('own-1');
    const lines = times('2024-05-01T00:00:00Z', OWN_ROWS).map((timestamp, i) =>
      JSON.stringify({ sensor: i % 2 ? 'own-1' : 'own-2', measure: 'temperature', timestamp, value: i }),
    );
    lines.push(JSON.stringify({ sensor: 'foreign', measure: 'temperature', timestamp: '2024-05-02T00:00:00Z', value: 1 }));
    const res = await send(device(), 'POST', '/api/v1/readings', lines.join('\n'), 'application/x-ndjson');
    expect(res.statusCode).toBe(403);
    expect(res.json().detail).toBe(
      `line ${OWN_ROWS + 1}: This API key (device) may write readings only of its own sensors, not of "foreign"`,
    );
    expect(await readingsOf('own-1')).toBe(before);
    expect(await ctx.count(`reading_float WHERE ts >= '2024-05-01' AND ts < '2024-06-01'`)).toBe(0);
  });

  it('NDJSON sent in chunks over a real connection: the 403 comes while the client is still sending, and nothing is stored', async () => {
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = ctx.app.server.address() as AddressInfo;
    let i = 0;
    const lines = (sensor: string, count: number) =>
      Array.from({ length: count }, () =>
        JSON.stringify({
          sensor,
          measure: 'temperature',
          timestamp: new Date(Date.parse('2024-08-01T00:00:00Z') + i++ * 1000).toISOString(),
          value: i,
        }),
      ).join('\n');
    const chunk = (text: string) => `${Buffer.byteLength(`${text}\n`).toString(16)}\r\n${text}\n\r\n`;
    const answer = await new Promise<string>((resolve) => {
      let received = '';
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.write(
          'POST /api/v1/readings HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n' +
            `x-api-key: ${device()}\r\ncontent-type: application/x-ndjson\r\n\r\n`,
        );
        // Own readings past one flush (10,000 rows), then the foreign one; the body never ends.
        // Nothing more is written: a write after the server's early answer and close would be
        // answered with a reset, which can discard the answer before it is read (seen on Node 24).
        socket.write(chunk(lines('own-1', 6000)));
        socket.write(chunk(lines('own-2', 6000)));
        socket.write(chunk(lines('foreign', 1)));
      });
      socket.on('data', (data) => {
        received += data;
      });
      // The server closes the connection after its early answer: a write after that may fail.
      socket.on('error', () => {});
      socket.on('close', () => resolve(received));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 403 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).detail).toMatch(/^line 12001: This API key \(device\)/);
    expect(await ctx.count(`reading_float WHERE ts >= '2024-08-01' AND ts < '2024-09-01'`)).toBe(0);
  });

  it('CSV: the same, and a body of its own sensors only goes in', async () => {
    const rows = times('2024-06-01T00:00:00Z', OWN_ROWS).map((t, i) => `own-1,temperature,${t},${i}`);
    const refused = await send(
      device(),
      'POST',
      '/api/v1/readings',
      ['sensor,measure,timestamp,value', ...rows, 'foreign,temperature,2024-06-02T00:00:00Z,1'].join('\n'),
      'text/csv',
    );
    expect(refused.statusCode).toBe(403);
    expect(refused.json().detail).toMatch(new RegExp(`^line ${OWN_ROWS + 2}: `));
    expect(await ctx.count(`reading_float WHERE ts >= '2024-06-01' AND ts < '2024-07-01'`)).toBe(0);
    const accepted = await send(device(), 'POST', '/api/v1/readings', ['sensor,measure,timestamp,value', ...rows].join('\n'), 'text/csv');
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json()).toEqual({ inserted: OWN_ROWS, duplicates: 0, series: 1 });
  });

  it('reads nothing, not even the readings it wrote', async () => {
    const res = await send(device(), 'GET', '/api/v1/readings/latest?sensor=own-1');
    expect(res.statusCode).toBe(403);
    expect(res.json().detail).toBe('This API key (scope ingest) does not allow this: it needs the permission readings:read');
  });
});
