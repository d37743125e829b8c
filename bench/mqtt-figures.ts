/**
 * MQTT ingest figures: readings stored per second through the server's bridge, publishers
 * sending QoS 1 through the local Mosquitto (127.0.0.1:1883). Stored readings are counted in
 * the database, not acknowledgements. Printed, never judged.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type postgres from 'postgres';
import type { BenchContext } from './run.ts';

export const MQTT_URL = process.env.BENCH_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const MESSAGES = Number(process.env.BENCH_MQTT_MESSAGES ?? 200_000);
const PUBLISHERS = Number(process.env.BENCH_MQTT_PUBLISHERS ?? 4);
/** QoS 1 messages each publisher keeps unacknowledged (Mosquitto lets a client have 20 in flight, queues the rest). */
const WINDOW = Number(process.env.BENCH_MQTT_WINDOW ?? 500);
const SENSORS = 10;
/** Messages published and not yet stored, at most (the bridge's Receive Maximum is 10,000; Mosquitto queues 1000 more). */
const BACKLOG = Number(process.env.BENCH_MQTT_BACKLOG ?? 8000);
const MEASURES = ['m0', 'm1', 'm2', 'm3'];

/** Sensors with four float measures each, by SQL. */
async function createSensors(sql: postgres.Sql, prefix: string): Promise<{ uids: string[]; ids: number[] }> {
  const [type] = await sql`INSERT INTO sensor_type (name) VALUES (${`${prefix}-type`}) RETURNING id`;
  for (const [position, name] of MEASURES.entries()) {
    const [m] = await sql`INSERT INTO sensor_measure (name, units, datatype) VALUES (${name}, 'x', 'float')
                          ON CONFLICT (name, units) DO UPDATE SET name = excluded.name RETURNING id`;
    await sql`INSERT INTO sensor_type_measure (type_id, measure_id, position) VALUES (${type.id}, ${m.id}, ${position})`;
  }
  const uids = Array.from({ length: SENSORS }, (_, i) => `${prefix}-${i}`);
  const ids: number[] = [];
  for (const uid of uids) {
    const [s] = await sql`INSERT INTO sensor (type_id, unique_identifier) VALUES (${type.id}, ${uid}) RETURNING id`;
    ids.push(s.id);
  }
  return { uids, ids };
}

/**
 * Publishes `count` messages from PUBLISHERS clients, never more than BACKLOG ahead of what the
 * database holds: Mosquitto (default limits) queues at most 1000 messages per subscriber beyond
 * those in flight and drops the rest, so an open-loop publisher would measure the drops.
 */
async function publishAll(
  topics: (i: number) => string,
  payloads: (i: number) => string,
  count: number,
  storedMessages: () => Promise<number>,
) {
  let stored = 0;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      stored = await storedMessages();
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const clients: MqttClient[] = await Promise.all(
    Array.from({ length: PUBLISHERS }, (_, k) =>
      mqtt.connectAsync(MQTT_URL, { protocolVersion: 5, clientId: `bench-pub-${process.pid}-${k}`, clean: true }),
    ),
  );
  let next = 0;
  await Promise.all(
    clients.map(async (client) => {
      const inFlight = new Set<Promise<unknown>>();
      while (next < count) {
        while (next - stored > BACKLOG) await new Promise((r) => setTimeout(r, 2));
        const i = next++;
        const p: Promise<unknown> = client.publishAsync(topics(i), payloads(i), { qos: 1 }).finally(() => inFlight.delete(p));
        inFlight.add(p);
        if (inFlight.size >= WINDOW) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    }),
  );
  polling = false;
  await poller;
  await Promise.all(clients.map((c) => c.endAsync()));
}

async function countOf(sql: postgres.Sql, ids: number[]): Promise<number> {
  const [{ n }] = await sql`SELECT count(*)::int AS n FROM reading_float WHERE sensor_id = ANY(${ids})`;
  return n;
}

async function waitForCount(sql: postgres.Sql, ids: number[], expected: number, deadlineMs: number): Promise<number> {
  for (;;) {
    const n = await countOf(sql, ids);
    if (n >= expected || Date.now() > deadlineMs) return n;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The server was started with MQTT_URL and this topic root (run.ts). */
export function mqttBenchStep(root: string) {
  return async (ctx: BenchContext) => {
    const start = Date.parse('2025-01-01T00:00:00Z');
    // One reading per message: the honest figure.
    const single = await createSensors(ctx.sql, 'mqtt-single');
    let started = performance.now();
    await publishAll(
      (i) => `${root}/${single.uids[i % SENSORS]}/m0`,
      (i) => `{"value":${(i % 1000) / 10},"timestamp":${start + Math.floor(i / SENSORS) * 1000}}`,
      MESSAGES,
      () => countOf(ctx.sql, single.ids),
    );
    const published = performance.now();
    let stored = await waitForCount(ctx.sql, single.ids, MESSAGES, Date.now() + 120_000);
    let seconds = (performance.now() - started) / 1000;
    ctx.report(
      `MQTT ingest, ${MESSAGES} QoS 1 messages of one reading ({"value","timestamp"}), ${PUBLISHERS} publishers via Mosquitto`,
      `${fmt(stored / seconds)} readings/s (${seconds.toFixed(2)} s, publishing ${((published - started) / 1000).toFixed(2)} s${stored < MESSAGES ? `, ONLY ${stored} stored` : ''})`,
    );
    // A per-sensor object of four measures per message.
    const objects = await createSensors(ctx.sql, 'mqtt-object');
    const count = Math.floor(MESSAGES / MEASURES.length);
    started = performance.now();
    await publishAll(
      (i) => `${root}/${objects.uids[i % SENSORS]}`,
      (i) => `{"m0":${i % 100},"m1":1.5,"m2":2.5,"m3":3.5,"timestamp":${start + Math.floor(i / SENSORS) * 1000}}`,
      count,
      async () => (await countOf(ctx.sql, objects.ids)) / MEASURES.length,
    );
    stored = await waitForCount(ctx.sql, objects.ids, count * MEASURES.length, Date.now() + 120_000);
    seconds = (performance.now() - started) / 1000;
    ctx.report(
      `MQTT ingest, ${count} QoS 1 messages of a per-sensor object of 4 measures`,
      `${fmt(stored / seconds)} readings/s (${fmt(count / seconds)} messages/s)`,
    );
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
