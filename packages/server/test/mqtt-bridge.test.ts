import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, connectClient, MOSQUITTO_URL, uniqueRoot, waitFor } from './helpers/mqtt.ts';
import type { AddressInfo } from 'node:net';
import { createSensor, ALL_DATATYPES } from './helpers/sensor-fixtures.ts';
import { openSse } from './helpers/sse-client.ts';
import { startTestApp, type TestContext } from './helpers/test-app.ts';

const root = uniqueRoot();
let ctx: TestContext;
let device: MqttClient;
let watcher: MqttClient;
let errors: { topic: string; payload: string }[];

beforeAll(async () => {
  ctx = await startTestApp({
    MQTT_URL: MOSQUITTO_URL,
    MQTT_TOPIC_ROOT: root,
    MQTT_CLIENT_ID: `${root}-bridge`,
    MQTT_SESSION_EXPIRY_SECONDS: '30',
    MQTT_BATCH_DELAY_MS: '20',
  });
  await createSensor(ctx.db, 'station-1', ALL_DATATYPES);
  await ctx.services.mqtt.start();
  await waitFor(() => ctx.services.mqtt.stats().connected, 5000, 'the bridge to connect');
  device = await connectClient(MOSQUITTO_URL);
  watcher = await connectClient(MOSQUITTO_URL);
  errors = await collect(watcher, `${root}/errors/#`);
  // The shared subscription is made on connect: wait until a message goes through.
  await waitFor(async () => {
    await device.publishAsync(`${root}/station-1/count`, '0', { qos: 1 });
    return (await ctx.count(`reading_integer`)) > 0;
  });
});

afterAll(async () => {
  await device?.endAsync();
  await watcher?.endAsync();
  await ctx?.services.mqtt.stop();
  await ctx?.app.close();
  await ctx?.db.close();
});

const stored = async (table: string, where = 'true') =>
  ctx.db.query<{ ts: string; value: unknown }>(
    `SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts, value FROM ${table} WHERE ${where} ORDER BY ts`,
  );

describe('MQTT bridge (Mosquitto)', () => {
  it('stores a bare value at its time of receipt', async () => {
    const before = Date.now();
    await device.publishAsync(`${root}/station-1/temperature`, '21.5', { qos: 1 });
    const rows = await waitFor(async () => {
      const r = await stored('reading_float');
      return r.length === 1 ? r : undefined;
    });
    expect(rows[0].value).toBe(21.5);
    expect(Math.abs(Date.parse(rows[0].ts) - before)).toBeLessThan(5000);
  });

  it('stores JSON value + timestamp, and a per-sensor object of measures', async () => {
    await device.publishAsync(`${root}/station-1/status`, JSON.stringify({ value: 'ok', timestamp: '2026-01-01T00:00:00+01:00' }), {
      qos: 1,
    });
    await device.publishAsync(`${root}/station-1`, JSON.stringify({ count: 7, 'door open': true, timestamp: 1767225600000 }), { qos: 1 });
    await device.publishAsync(`${root}/station-1/door open`, 'false', { qos: 0 });
    await waitFor(async () => (await ctx.count('reading_boolean')) === 2 && (await ctx.count('reading_string')) === 1);
    expect(await stored('reading_string')).toEqual([{ ts: '2025-12-31T23:00:00.000000Z', value: 'ok' }]);
    expect(await stored('reading_integer', 'value = 7')).toEqual([{ ts: '2026-01-01T00:00:00.000000Z', value: 7 }]);
  });

  it('reports bad messages on the errors topic, counts them, and keeps going', async () => {
    const bad = ctx.services.mqtt.stats().badMessages;
    const cases: [string, string][] = [
      [`${root}/station-1/temperature`, 'warm'],
      [`${root}/station-1/temperature`, 'NaN'],
      [`${root}/station-1/temperature`, 'Infinity'],
      [`${root}/station-1/count`, '1.5'],
      [`${root}/station-1/humidity`, '40'],
      [`${root}/nowhere/temperature`, '1'],
      [`${root}/station-1`, '{"temperature": 1, "timestamp": "yesterday"}'],
      [`${root}/station-1`, '[1, 2]'],
      [`${root}/station-1/temperature`, '{"value": {"nested": [[[[1]]]]}}'],
      [`${root}/station-1/temperature`, `${'['.repeat(20_000)}${']'.repeat(20_000)}`],
      [`${root}/station-1/temperature`, `{"value": 1e400}`],
      [`${root}/station-1/temperature`, 'x'.repeat(70 * 1024)],
    ];
    for (const [topic, payload] of cases) await device.publishAsync(topic, payload, { qos: 1 });
    await device.publishAsync(`${root}/station-1/temperature`, '22.5', { qos: 1 });
    await waitFor(async () => (await ctx.count('reading_float')) === 2, 10_000, 'the good reading after the bad ones');
    await waitFor(
      () => errors.length >= cases.length,
      5000,
      () => ({ errors, stats: ctx.services.mqtt.stats() }),
    );
    const after = ctx.services.mqtt.stats().badMessages;
    const diff = Object.fromEntries(
      Object.entries(after)
        .map(([k, v]) => [k, v - bad[k as keyof typeof bad]])
        .filter(([, v]) => v !== 0),
    );
    // `[[[...]]]` is a bare value on a measure topic: not a number.
    expect(diff).toEqual({ value: 6, unknown_measure: 1, unknown_sensor: 1, timestamp: 1, payload: 2, payload_too_large: 1 });
    expect(errors.map((e) => e.topic)).toContain(`${root}/errors/nowhere`);
    const reports = errors.filter((e) => e.topic === `${root}/errors/station-1`).map((e) => JSON.parse(e.payload));
    expect(reports).toContainEqual(
      expect.objectContaining({ topic: `${root}/station-1/temperature`, reason: 'value', problem: expect.stringContaining('"warm"') }),
    );
  });

  it('writes many messages as few transactions', async () => {
    // What the tests before sent is written first: their late messages are not this test's.
    await waitFor(
      async () => ctx.services.mqtt.stats().pendingMessages === 0,
      10_000,
      async () => ctx.services.mqtt.stats(),
    );
    const before = ctx.services.mqtt.stats();
    const base = Date.parse('2026-02-01T00:00:00Z');
    await Promise.all(
      Array.from({ length: 2000 }, (_, i) =>
        device.publishAsync(`${root}/station-1/count`, JSON.stringify({ value: i, timestamp: base + i }), { qos: 1 }),
      ),
    );
    const inFebruary = `reading_integer WHERE ts >= '2026-02-01' AND ts < '2026-03-01'`;
    await waitFor(
      async () => (await ctx.count(inFebruary)) === 2000,
      10_000,
      async () => ({ count: await ctx.count(inFebruary), stats: ctx.services.mqtt.stats() }),
    );
    const after = ctx.services.mqtt.stats();
    expect(after.storedMessages - before.storedMessages).toBe(2000);
    expect(after.batches - before.batches).toBeLessThan(100);
    expect(after.pendingMessages).toBe(0);
  });

  it('GET /api/v1/mqtt shows the counters to admins', async () => {
    const res = await ctx.get('/api/v1/mqtt');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ mode: 'bridge', connected: true, bad_messages: { unknown_sensor: 1 } });
    expect(res.json().stored_readings).toBeGreaterThan(2000);
  });

  it('streams what it stores: a published reading reaches an open realtime stream', async () => {
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = ctx.app.server.address() as AddressInfo;
    const stream = await openSse(`http://127.0.0.1:${port}/api/v1/readings/stream?sensor=station-1&measure=temperature`, {
      authorization: `Bearer ${ctx.token}`,
    });
    expect(stream.status).toBe(200);
    await device.publishAsync(`${root}/station-1/temperature`, JSON.stringify({ value: 9.25, timestamp: '2025-03-01T00:00:00Z' }), {
      qos: 1,
    });
    const event = JSON.parse((await stream.next((e) => e.event === 'readings')).data);
    expect(event).toMatchObject({ sensor: 'station-1', measure: 'temperature', timestamps: ['2025-03-01T00:00:00Z'], values: [9.25] });
    stream.close();
  });
});
