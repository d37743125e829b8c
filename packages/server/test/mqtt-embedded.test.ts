import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, connectClient, uniqueRoot, waitFor } from './helpers/mqtt.ts';
import { createSensor } from './helpers/sensor-fixtures.ts';
import { metricSample } from './helpers/prometheus-text.ts';
import { openSse } from './helpers/sse-client.ts';
import { startTestApp, TEST_EMAIL, type TestContext } from './helpers/test-app.ts';

const root = uniqueRoot('mbembedded');
let ctx: TestContext;
let url: string;
let deviceKey: string;

const FLOAT = [{ name: 'temperature', units: 'degC', datatype: 'float' as const }];

beforeAll(async () => {
  ctx = await startTestApp({
    MQTT_EMBEDDED: '1',
    MQTT_EMBEDDED_PORT: '0',
    MQTT_EMBEDDED_HOST: '127.0.0.1',
    MQTT_TOPIC_ROOT: root,
    MQTT_BATCH_DELAY_MS: '10',
  });
  await createSensor(ctx.db, 'dev-1', FLOAT);
  await createSensor(ctx.db, 'dev-2', FLOAT);
  const created = await ctx.services.apiKeys.create({ owner: TEST_EMAIL, name: 'device one', scope: 'ingest', sensors: ['dev-1'] });
  deviceKey = created.secret;
  const { port } = await ctx.services.mqtt.start();
  url = `mqtt://127.0.0.1:${port}`;
});

afterAll(async () => {
  await ctx?.services.mqtt.stop();
  await ctx?.app.close();
  await ctx?.db.close();
});

const count = (sensor: string) => ctx.count(`reading_float r JOIN sensor s ON s.id = r.sensor_id WHERE s.unique_identifier = '${sensor}'`);

// aedes speaks MQTT 3.1.1 (and 3.1), not 5: devices connect with protocol version 4.
describe('embedded MQTT broker', () => {
  it('refuses anonymous clients and wrong passwords', async () => {
    await expect(connectClient(url, { protocolVersion: 4 })).rejects.toThrow(/bad username or password/i);
    await expect(connectClient(url, { protocolVersion: 4, username: 'device one', password: 'mb_wrong' })).rejects.toThrow();
    await expect(connectClient(url, { protocolVersion: 4, username: 'someone else', password: deviceKey })).rejects.toThrow();
  });

  it('stores what a device key publishes for its own sensor, and acknowledges it after the commit', async () => {
    for (const username of ['device one', 'dev-1', TEST_EMAIL]) {
      const device = await connectClient(url, { protocolVersion: 4, username, password: deviceKey });
      await device.publishAsync(`${root}/dev-1/temperature`, JSON.stringify({ value: 1.5, timestamp: Date.now() }), { qos: 1 });
      await device.endAsync();
    }
    // PUBACK came after the commit: the readings are there without waiting.
    expect(await count('dev-1')).toBe(3);
  });

  it('streams what a device publishes to an open realtime stream', async () => {
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = ctx.app.server.address() as AddressInfo;
    const stream = await openSse(`http://127.0.0.1:${port}/api/v1/readings/stream?sensor=dev-1`, { authorization: `Bearer ${ctx.token}` });
    expect(stream.status).toBe(200);
    const device = await connectClient(url, { protocolVersion: 4, username: 'dev-1', password: deviceKey });
    await device.publishAsync(`${root}/dev-1/temperature`, JSON.stringify({ value: 7.5, timestamp: '2025-02-01T00:00:00Z' }), { qos: 1 });
    await device.endAsync();
    const event = JSON.parse((await stream.next((e) => e.event === 'readings')).data);
    expect(event).toMatchObject({ sensor: 'dev-1', measure: 'temperature', timestamps: ['2025-02-01T00:00:00Z'], values: [7.5] });
    stream.close();
  });

  it('refuses a foreign sensor (nothing stored) and reports bad messages on the errors topic it may read', async () => {
    const device = await connectClient(url, { protocolVersion: 4, username: 'dev-1', password: deviceKey, reconnectPeriod: 0 });
    const errors = await collect(device, `${root}/errors/dev-1`);
    // Another sensor's errors: refused in SUBACK (failure code), the connection stays.
    await expect(device.subscribeAsync(`${root}/errors/dev-2`, { qos: 0 })).rejects.toThrow(/Subscribe error/);
    await device.publishAsync(`${root}/dev-1/temperature`, 'hot', { qos: 1 });
    await waitFor(() => errors.length === 1);
    expect(JSON.parse(errors[0].payload)).toMatchObject({ reason: 'value' });
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    device.publish(`${root}/dev-2/temperature`, '20', { qos: 1 });
    await closed;
    expect(await count('dev-2')).toBe(0);
    expect(ctx.services.mqtt.stats().badMessages).toMatchObject({ forbidden: 1, value: 1 });
    device.end(true);
  });

  it('shows its messages in /metrics: stored, rejected by reason, the broker listening, none pending', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${ctx.token}` } });
    expect(res.statusCode, res.body).toBe(200);
    const stats = ctx.services.mqtt.stats();
    expect(stats.storedMessages).toBeGreaterThanOrEqual(3);
    expect(metricSample(res.body, 'mirrorbase_mqtt_messages_total', { outcome: 'stored' })).toBe(stats.storedMessages);
    expect(metricSample(res.body, 'mirrorbase_mqtt_messages_total', { outcome: 'rejected', reason: 'forbidden' })).toBe(1);
    expect(metricSample(res.body, 'mirrorbase_mqtt_messages_total', { outcome: 'rejected', reason: 'value' })).toBe(1);
    expect(metricSample(res.body, 'mirrorbase_mqtt_write_failures_total')).toBe(0);
    expect(metricSample(res.body, 'mirrorbase_mqtt_pending_messages')).toBe(0);
    expect(metricSample(res.body, 'mirrorbase_mqtt_connected')).toBe(1);
  });

  it('closes a connection announcing a packet far over the payload limit without reading it', async () => {
    const device = await connectClient(url, { protocolVersion: 4, username: 'dev-1', password: deviceKey });
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    // A PUBLISH header announcing 200 MB, then nothing: the broker must not wait to gather it.
    const socket = (device as unknown as { stream: net.Socket }).stream;
    socket.write(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x64]));
    await closed;
    device.end(true);
  });
});
