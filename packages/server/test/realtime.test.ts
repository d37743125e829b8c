import net, { type AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { withoutQueryToken } from '../src/http/request-log.ts';
import { createSensor, createSensorType } from './helpers/sensor-fixtures.ts';
import { openSse, type SseEvent, type SseStream } from './helpers/sse-client.ts';
import { startReplica, useTestApp } from './helpers/test-app.ts';

// A heartbeat every second, and a small buffer so that a client that does not read is cut off soon.
const ctx = useTestApp({ MIRRORBASE_STREAM_HEARTBEAT_SECONDS: '1', MIRRORBASE_STREAM_MAX_BUFFER_KB: '64' });
const FLOAT = [{ name: 'temperature', units: 'C', datatype: 'float' as const }];
let base = '';
const open: SseStream[] = [];

beforeAll(async () => {
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
  await createSensor(ctx.db, 'rt-a', FLOAT);
  await createSensor(ctx.db, 'rt-b', [...FLOAT, { name: 'label', datatype: 'string' }]);
});
afterEach(async () => {
  for (const s of open.splice(0)) s.close();
  // Streams of a test are gone before the next counts its own.
  const deadline = Date.now() + 5_000;
  while (ctx.services.streams.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
});

/** Opens the SSE stream with the test user's token (query: the URL's query string). */
async function stream(query = '', headers: Record<string, string> = {}, token: string | null = ctx.token): Promise<SseStream> {
  const s = await openSse(`${base}/api/v1/readings/stream${query ? `?${query}` : ''}`, {
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...headers,
  });
  open.push(s);
  return s;
}

const data = (event: SseEvent) => JSON.parse(event.data) as Record<string, unknown> & { id: number };

async function postReadings(series: { sensor: string; measure: string; timestamps: string[]; values: unknown[] }[]) {
  const res = await ctx.post('/api/v1/readings', { series });
  expect(res.statusCode, res.body).toBe(200);
}

/** Waits until the hub has the stream registered (the response's headers come before that). */
async function registered(count: number) {
  const deadline = Date.now() + 5_000;
  while (ctx.services.streams.size < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} streams, have ${ctx.services.streams.size}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let minute = 0;
/** Distinct timestamps, one minute apart, for every test's readings. */
const nextTimes = (n: number) => Array.from({ length: n }, () => new Date(Date.UTC(2026, 0, 1) + ++minute * 60_000).toISOString());

describe('GET /api/v1/readings/stream (Server-Sent Events)', () => {
  it('streams readings from every ingest path, one event per series per request, with the readings', async () => {
    const s = await stream('sensor=rt-a');
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toMatch(/^text\/event-stream/);
    // Written by hand, the answer still carries the app's security headers.
    expect(s.headers['x-content-type-options']).toBe('nosniff');
    await registered(1);

    const [t1, t2] = nextTimes(2);
    await postReadings([{ sensor: 'rt-a', measure: 'temperature', timestamps: [t1!, t2!], values: [20.5, 21] }]);
    const first = data(await s.next((e) => e.event === 'readings'));
    expect(first).toMatchObject({
      type: 'readings',
      sensor: 'rt-a',
      measure: 'temperature',
      units: 'C',
      datatype: 'float',
      count: 2,
      values: [20.5, 21],
    });
    expect(first.timestamps).toEqual([t1!.replace('.000Z', 'Z'), t2!.replace('.000Z', 'Z')]);

    // DTBase's insert-sensor-readings, NDJSON and CSV: each its own event.
    const [t3] = nextTimes(1);
    const dtbase = await ctx.post('/sensor/insert-sensor-readings', {
      unique_identifier: 'rt-a',
      measure_name: 'temperature',
      readings: [22],
      timestamps: [t3],
    });
    expect(dtbase.statusCode, dtbase.body).toBe(201);
    const [t4] = nextTimes(1);
    const ndjson = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/readings',
      headers: { authorization: `Bearer ${ctx.token}`, 'content-type': 'application/x-ndjson' },
      payload: `${JSON.stringify({ sensor: 'rt-a', measure: 'temperature', timestamp: t4, value: 23 })}\n`,
    });
    expect(ndjson.statusCode, ndjson.body).toBe(200);
    const [t5] = nextTimes(1);
    const csv = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/readings',
      headers: { authorization: `Bearer ${ctx.token}`, 'content-type': 'text/csv' },
      payload: `sensor,measure,timestamp,value\nrt-a,temperature,${t5},24\n`,
    });
    expect(csv.statusCode, csv.body).toBe(200);
    await s.next((e) => e.event === 'readings' && data(e).values !== undefined && (data(e).values as number[])[0] === 24);
    const values = s.events.filter((e) => e.event === 'readings').map((e) => (data(e).values as number[])[0]);
    expect(values).toEqual([20.5, 22, 23, 24]);
    // Ids increase: the order of the stream log.
    const ids = s.events.filter((e) => e.event === 'readings').map((e) => Number(e.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    s.close();
  });

  it('sends a 10,000-reading request as one event, fetched once however many streams take it', async () => {
    const streams = await Promise.all([stream('sensor=rt-a'), stream('sensor=rt-a'), stream('measure=temperature')]);
    await registered(3);
    const before = await ctx.count('stream_event');
    const times = nextTimes(10_000);
    await postReadings([{ sensor: 'rt-a', measure: 'temperature', timestamps: times, values: times.map((_, i) => i) }]);
    expect(await ctx.count('stream_event')).toBe(before + 1);
    for (const s of streams) {
      const event = data(await s.next((e) => e.event === 'readings' && data(e).count === 10_000));
      expect((event.values as number[]).length).toBe(10_000);
      expect(s.events.filter((e) => e.event === 'readings')).toHaveLength(1);
      s.close();
    }
  });

  it('filters by sensor, measure and sensor type', async () => {
    const typeName = (
      await ctx.db.query<{ name: string }>(
        `SELECT t.name FROM sensor s JOIN sensor_type t ON t.id = s.type_id WHERE s.unique_identifier = 'rt-b'`,
      )
    )[0]!.name;
    const bySensor = await stream('sensor=rt-b');
    const byMeasure = await stream('measure=label');
    const byType = await stream(`sensor_type=${encodeURIComponent(typeName)}`);
    const both = await stream('sensor=rt-a&sensor=rt-b&measure=temperature');
    await registered(4);
    const [t] = nextTimes(1);
    await postReadings([
      { sensor: 'rt-a', measure: 'temperature', timestamps: [t!], values: [1] },
      { sensor: 'rt-b', measure: 'temperature', timestamps: [t!], values: [2] },
      { sensor: 'rt-b', measure: 'label', timestamps: [t!], values: ['hello'] },
    ]);
    const seen = async (s: SseStream, n: number) => {
      await s.next(() => s.events.filter((e) => e.event === 'readings').length >= n);
      await new Promise((r) => setTimeout(r, 100));
      // One request's series come in no particular order.
      return s.events
        .filter((e) => e.event === 'readings')
        .map((e) => `${data(e).sensor}/${data(e).measure}`)
        .sort();
    };
    expect(await seen(bySensor, 2)).toEqual(['rt-b/label', 'rt-b/temperature']);
    expect(await seen(byMeasure, 1)).toEqual(['rt-b/label']);
    expect(await seen(byType, 2)).toEqual(['rt-b/label', 'rt-b/temperature']);
    expect(await seen(both, 2)).toEqual(['rt-a/temperature', 'rt-b/temperature']);
    expect(data(bySensor.events.find((e) => data(e).measure === 'label')!).values).toEqual(['hello']);
    for (const s of [bySensor, byMeasure, byType, both]) s.close();
  });

  it('resumes with Last-Event-ID or since: the missed events first, then live, none lost or repeated', async () => {
    const s = await stream('sensor=rt-a');
    await registered(1);
    const [t1, t2, t3, t4] = nextTimes(4);
    await postReadings([{ sensor: 'rt-a', measure: 'temperature', timestamps: [t1!], values: [1] }]);
    const seenId = (await s.next((e) => e.event === 'readings')).id!;
    s.close();
    await postReadings([{ sensor: 'rt-a', measure: 'temperature', timestamps: [t2!], values: [2] }]);
    await postReadings([{ sensor: 'rt-b', measure: 'temperature', timestamps: [t2!], values: [99] }]);
    await postReadings([{ sensor: 'rt-a', measure: 'temperature', timestamps: [t3!], values: [3] }]);

    for (const resumed of [await stream('sensor=rt-a', { 'last-event-id': seenId }), await stream(`sensor=rt-a&since=${seenId}`)]) {
      await resumed.next((e) => e.event === 'readings' && (data(e).values as number[])[0] === 3);
      await registered(1);
      await postReadings([{ sensor: 'rt-a', measure: 'temperature', timestamps: [t4!], values: [4] }]).catch(() => {});
      await resumed.next((e) => e.event === 'readings' && (data(e).values as number[])[0] === 4);
      const values = resumed.events.filter((e) => e.event === 'readings').map((e) => (data(e).values as number[])[0]);
      // The second stream sees 4 twice over: once posted here, once more (a duplicate reading, so no event) below.
      expect(values).toEqual([2, 3, 4]);
      resumed.close();
    }
  });

  it('resumes from an instant (since=ISO-8601), and says reset when what was missed is no longer kept', async () => {
    const [t1] = nextTimes(1);
    const from = new Date().toISOString();
    await postReadings([{ sensor: 'rt-b', measure: 'temperature', timestamps: [t1!], values: [7] }]);
    const s = await stream(`sensor=rt-b&since=${encodeURIComponent(from)}`);
    expect(data(await s.next((e) => e.event === 'readings'))).toMatchObject({ values: [7] });
    s.close();

    const [{ oldest }] = await ctx.db.query<{ oldest: number }>('SELECT min(id)::int AS oldest FROM stream_event');
    await ctx.db.query('DELETE FROM stream_event WHERE id <= $1', [oldest + 1]);
    const late = await stream(`since=${oldest - 1}`);
    const reset = await late.next((e) => e.event === 'reset');
    expect(data(reset)).toMatchObject({ type: 'reset', reason: 'history_gone', oldest_id: oldest + 2 });
    // After the reset, what is still kept and then the live feed follow.
    const [t2] = nextTimes(1);
    await postReadings([{ sensor: 'rt-b', measure: 'temperature', timestamps: [t2!], values: [8] }]);
    await late.next((e) => e.event === 'readings' && (data(e).values as number[])[0] === 8);
    late.close();
  });

  it('starts afresh, with a reset, from an id this database never gave', async () => {
    const s = await stream('sensor=rt-a&since=999999999999');
    const reset = data(await s.next((e) => e.event === 'reset'));
    expect(reset).toMatchObject({ reason: 'history_gone' });
    await registered(1);
    const [t] = nextTimes(1);
    await postReadings([{ sensor: 'rt-a', measure: 'temperature', timestamps: [t!], values: [31] }]);
    expect(data(await s.next((e) => e.event === 'readings'))).toMatchObject({ values: [31] });
  });

  it('refuses a malformed resume point with 422, no credentials with 401, a device key with 403', async () => {
    const bad = await stream('since=yesterday');
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('since');
    const badHeader = await stream('', { 'last-event-id': '12abc' });
    expect(badHeader.status).toBe(422);
    expect((await stream('', {}, null)).status).toBe(401);
    const created = await ctx.post('/api/v1/keys', { name: 'rt-device', scope: 'ingest', sensors: ['rt-a'] });
    expect(created.statusCode, created.body).toBe(201);
    const device = await stream('', { 'x-api-key': created.json().key }, null);
    expect(device.status).toBe(403);
    expect(ctx.services.streams.size).toBe(0);
  });

  it('takes the credential as ?access_token= (EventSource cannot send headers), and logs the URL without it', async () => {
    const s = await stream(`sensor=rt-a&access_token=${ctx.token}`, {}, null);
    expect(s.status).toBe(200);
    s.close();
    expect(withoutQueryToken(`/api/v1/readings/stream?sensor=a&access_token=${ctx.token}&x=1`)).toBe(
      '/api/v1/readings/stream?sensor=a&access_token=[redacted]&x=1',
    );
    // Other routes do not read it.
    const res = await ctx.app.inject({ method: 'GET', url: `/api/v1/sensors?access_token=${ctx.token}` });
    expect(res.statusCode).toBe(401);
  });

  it('streams entity changes on request, users and keys only to admins', async () => {
    const s = await stream('readings=false&entities=sensor&entities=api_key');
    await registered(1);
    await createSensorType(ctx.db, FLOAT, 'rt-entity-type');
    const created = await ctx.post('/sensor/insert-sensor', { unique_identifier: 'rt-new', type_name: 'rt-entity-type' });
    expect(created.statusCode, created.body).toBe(201);
    expect(data(await s.next((e) => e.event === 'entity'))).toMatchObject({
      type: 'entity',
      entity: 'sensor',
      action: 'created',
      key: 'rt-new',
    });
    s.close();

    await ctx.services.users.create('rt-viewer@example.org', 'a long viewer password', 'viewer');
    const login = await ctx.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'rt-viewer@example.org', password: 'a long viewer password' },
    });
    const viewer = await stream('readings=false&entities=all', {}, login.json().access_token);
    await registered(1);
    const key = await ctx.post('/api/v1/keys', { name: 'rt-visible-to-admins', scope: 'read' });
    expect(key.statusCode).toBe(201);
    await ctx.post('/sensor/insert-sensor', { unique_identifier: 'rt-new-2', type_name: 'rt-entity-type' });
    await viewer.next((e) => e.event === 'entity' && data(e).key === 'rt-new-2');
    expect(viewer.events.filter((e) => e.event === 'entity').map((e) => data(e).entity)).toEqual(['sensor']);
    viewer.close();
  });

  it('sends a heartbeat comment on an idle stream', async () => {
    const s = await stream('sensor=nobody');
    const deadline = Date.now() + 3_000;
    while (s.comments === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(s.comments).toBeGreaterThan(0);
    s.close();
  });

  it('cuts off a client that does not read, with a reason, instead of buffering for it', async () => {
    const { port } = ctx.app.server.address() as AddressInfo;
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write(`GET /api/v1/readings/stream?sensor=rt-a HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ctx.token}\r\n\r\n`);
    socket.pause();
    await registered(1);
    // ~400 kB per event; the kernel's socket buffers take some, then the server's 64 kB limit is passed.
    for (let i = 0; i < 20 && ctx.services.streams.size > 0; i++) {
      const times = nextTimes(10_000);
      await postReadings([{ sensor: 'rt-a', measure: 'temperature', timestamps: times, values: times.map((_, j) => j + 0.123456789) }]);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(ctx.services.streams.size).toBe(0);
    // The client, reading at last, finds the reason at the end.
    socket.resume();
    let text = '';
    socket.on('data', (chunk) => (text += chunk));
    // The response ends there (the connection itself may stay open for the next request).
    const deadline = Date.now() + 10_000;
    while (!text.includes('0\r\n\r\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    socket.destroy();
    expect(text).toContain('event: close');
    expect(text).toContain('"reason":"slow_consumer"');
  });

  it('ends a stream when its token or API key expires, at the next heartbeat', async () => {
    const created = await ctx.post('/api/v1/keys', {
      name: 'rt-expiring',
      scope: 'read',
      expires_at: new Date(Date.now() + 600_000).toISOString(),
    });
    expect(created.statusCode, created.body).toBe(201);
    const byKey = await stream('sensor=rt-a', { 'x-api-key': created.json().key }, null);
    const byToken = await stream('sensor=rt-a');
    await registered(2);
    // Ten minutes on, the key has expired and the token (an hour) has not.
    ctx.advanceClock(601);
    try {
      expect(data(await byKey.next((e) => e.event === 'close'))).toMatchObject({ reason: 'credentials_expired' });
      await byKey.ended;
      await registered(1);
      // An hour on, the token too.
      ctx.advanceClock(3600);
      expect(data(await byToken.next((e) => e.event === 'close'))).toMatchObject({ reason: 'credentials_expired' });
      await byToken.ended;
    } finally {
      ctx.advanceClock(-4201);
    }
    // The token is valid again on the test's clock: a new stream opens.
    expect((await stream('sensor=rt-a')).status).toBe(200);
  });

  it('ends the streams of an account or key whose credentials change, and on shutdown', async () => {
    const created = await ctx.post('/api/v1/keys', { name: 'rt-reader', scope: 'read' });
    const { key, id } = created.json();
    const s = await stream('sensor=rt-a', { 'x-api-key': key }, null);
    await registered(1);
    const revoked = await ctx.app.inject({
      method: 'DELETE',
      url: `/api/v1/keys/${id}`,
      headers: { authorization: `Bearer ${ctx.token}` },
    });
    expect(revoked.statusCode, revoked.body).toBeLessThan(300);
    expect(data(await s.next((e) => e.event === 'close'))).toMatchObject({ reason: 'credentials_changed' });
    await s.ended;

    const replica = await startReplica(ctx.db);
    await replica.app.listen({ port: 0, host: '127.0.0.1' });
    const replicaBase = `http://127.0.0.1:${(replica.app.server.address() as AddressInfo).port}`;
    const onReplica = await openSse(`${replicaBase}/api/v1/readings/stream`, { authorization: `Bearer ${ctx.token}` });
    open.push(onReplica);
    while (replica.services.streams.size === 0) await new Promise((r) => setTimeout(r, 10));
    await replica.app.close();
    expect(data(await onReplica.next((e) => e.event === 'close'))).toMatchObject({ reason: 'server_shutdown' });
  });
});

describe('two replicas on one database', () => {
  it('a reading posted to one reaches a subscriber of the other, and a client resumes on the other', async () => {
    const replica = await startReplica(ctx.db);
    await replica.app.listen({ port: 0, host: '127.0.0.1' });
    const replicaBase = `http://127.0.0.1:${(replica.app.server.address() as AddressInfo).port}`;
    try {
      const s = await openSse(`${replicaBase}/api/v1/readings/stream?sensor=rt-b`, { authorization: `Bearer ${ctx.token}` });
      open.push(s);
      while (replica.services.streams.size === 0) await new Promise((r) => setTimeout(r, 10));
      const [t1, t2] = nextTimes(2);
      await postReadings([{ sensor: 'rt-b', measure: 'temperature', timestamps: [t1!], values: [41] }]);
      const seen = await s.next((e) => e.event === 'readings');
      expect(data(seen)).toMatchObject({ sensor: 'rt-b', values: [41] });
      s.close();
      // Missed while away from the replica, picked up from this one.
      await replica.app.inject({
        method: 'POST',
        url: '/api/v1/readings',
        headers: { authorization: `Bearer ${ctx.token}` },
        payload: { series: [{ sensor: 'rt-b', measure: 'temperature', timestamps: [t2], values: [42] }] },
      });
      const resumed = await stream('sensor=rt-b', { 'last-event-id': seen.id! });
      expect(data(await resumed.next((e) => e.event === 'readings'))).toMatchObject({ values: [42] });
      resumed.close();
    } finally {
      await replica.app.close();
    }
  });
});

describe('GET /api/v1/readings/ws (WebSocket)', () => {
  it('sends the same messages, resumes with since=, refuses without credentials', async () => {
    const wsBase = base.replace('http', 'ws');
    const refused = new WebSocket(`${wsBase}/api/v1/readings/ws`);
    const status = await new Promise<number>((resolve) => refused.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(401);
    // The server closes a refused upgrade's socket itself, even while the client keeps it open.
    const connections = () => new Promise<number>((r) => ctx.app.server.getConnections((_e, n) => r(n)));
    const closedBy = Date.now() + 5_000;
    while ((await connections()) > 0 && Date.now() < closedBy) await new Promise((r) => setTimeout(r, 20));
    expect(await connections()).toBe(0);
    refused.on('error', () => {});
    refused.terminate();

    const messages: Record<string, unknown>[] = [];
    const socket = new WebSocket(`${wsBase}/api/v1/readings/ws?sensor=rt-a&access_token=${ctx.token}`);
    socket.on('message', (m) => messages.push(JSON.parse(String(m))));
    await new Promise((r) => socket.once('open', r));
    await registered(1);
    const [t1, t2] = nextTimes(2);
    await postReadings([{ sensor: 'rt-a', measure: 'temperature', timestamps: [t1!], values: [5] }]);
    const waitFor = async (n: number) => {
      const deadline = Date.now() + 5_000;
      while (messages.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    };
    await waitFor(1);
    expect(messages[0]).toMatchObject({ type: 'readings', sensor: 'rt-a', values: [5] });
    socket.close();
    await new Promise((r) => socket.once('close', r));

    await postReadings([{ sensor: 'rt-a', measure: 'temperature', timestamps: [t2!], values: [6] }]);
    const again = new WebSocket(`${wsBase}/api/v1/readings/ws?sensor=rt-a&since=${messages[0]!.id}`, {
      headers: { authorization: `Bearer ${ctx.token}` },
    });
    const resumed: Record<string, unknown>[] = [];
    again.on('message', (m) => resumed.push(JSON.parse(String(m))));
    const deadline = Date.now() + 5_000;
    while (resumed.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(resumed[0]).toMatchObject({ type: 'readings', values: [6] });
    again.close();
    await new Promise((r) => again.once('close', r));
  });
});
