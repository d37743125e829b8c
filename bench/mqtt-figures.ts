/**
 * MQTT ingest figures: readings stored per second through the server's bridge, publishers
 * sending QoS 1 through a private Mosquitto configured as the README recommends (mqtt-broker.ts:
 * no queue limit, persistence), or the broker named by BENCH_MQTT_URL. Stored readings are
 * counted in the database at the end, not acknowledgements. Printed, never judged.
 */
import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import type postgres from 'postgres';
import { publishLean } from './mqtt-publisher.ts';
import type { BenchContext } from './run.ts';

const MESSAGES = Number(process.env.BENCH_MQTT_MESSAGES ?? 200_000);
const PUBLISHERS = Number(process.env.BENCH_MQTT_PUBLISHERS ?? 4);
/** QoS 1 publishes each publisher keeps un-acknowledged by the broker. */
const WINDOW = Number(process.env.BENCH_MQTT_WINDOW ?? 100);
/** `mqttjs`: publish with mqtt.js (MQTT v5) instead of the lean publisher (mqtt-publisher.ts). */
const PUBLISHER = process.env.BENCH_MQTT_PUBLISHER === 'mqttjs' ? 'mqttjs' : 'lean';
const SENSORS = 10;
const MEASURES = ['m0', 'm1', 'm2', 'm3'];
/** How often the end of a run is looked for (the server's in-memory counters, not the database). */
const DONE_POLL_MS = 20;

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
 * Publishes `count` messages from PUBLISHERS clients (MQTT v5, QoS 1), each with at most WINDOW
 * publishes un-acknowledged by the broker. Nothing paces them on the database: the broker keeps
 * what the server has not taken yet (no queue limit), as a deployment's broker should.
 */
async function publishAll(url: string, topics: (i: number) => string, payloads: (i: number) => string, count: number) {
  const clients: MqttClient[] = await Promise.all(
    Array.from({ length: PUBLISHERS }, (_, k) =>
      mqtt.connectAsync(url, { protocolVersion: 5, clientId: `bench-pub-${process.pid}-${k}`, clean: true }),
    ),
  );
  let next = 0;
  await Promise.all(
    clients.map(
      (client) =>
        new Promise<void>((resolve, reject) => {
          let inFlight = 0;
          const pump = () => {
            while (inFlight < WINDOW && next < count) {
              const i = next++;
              inFlight++;
              client.publish(topics(i), payloads(i), { qos: 1 }, (error) => {
                inFlight--;
                if (error) reject(error);
                // Refilled half a window at a time: publishes of one tick leave in one write.
                else if (next < count) {
                  if (inFlight <= WINDOW / 2) pump();
                } else if (inFlight === 0) resolve();
              });
            }
            if (inFlight === 0 && next >= count) resolve();
          };
          pump();
        }),
    ),
  );
  await Promise.all(clients.map((c) => c.endAsync()));
}

/** CPU seconds (user + system) a process has used, from /proc (0 where there is none). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return 0;
  }
}

/** The server's own count of stored MQTT readings (GET /api/v1/mqtt): cheap, in memory. */
async function serverCounters(ctx: BenchContext): Promise<{ stored_readings: number; batches: number }> {
  const res = await fetch(`${ctx.baseUrl}/api/v1/mqtt`, { headers: { authorization: `Bearer ${ctx.token}` } });
  if (!res.ok) throw new Error(`GET /api/v1/mqtt answered ${res.status}`);
  return await res.json();
}

const storedByServer = async (ctx: BenchContext) => (await serverCounters(ctx)).stored_readings;

/** Waits until the server says `expected` more readings are stored than `before`, or the deadline. */
async function waitForServer(ctx: BenchContext, before: number, expected: number, deadlineMs: number): Promise<void> {
  while ((await storedByServer(ctx)) - before < expected && Date.now() < deadlineMs) {
    await new Promise((r) => setTimeout(r, DONE_POLL_MS));
  }
}

async function countOf(sql: postgres.Sql, ids: number[]): Promise<number> {
  const [{ n }] = await sql`SELECT count(*)::int AS n FROM reading_float WHERE sensor_id = ANY(${ids})`;
  return n;
}

/** The server was started with MQTT_URL = `url` and this topic root (run.ts). */
export function mqttBenchStep(root: string, url: string, brokerNote: string) {
  return async (ctx: BenchContext) => {
    const start = Date.parse('2025-01-01T00:00:00Z');
    const run = async (
      label: string,
      sensors: { uids: string[]; ids: number[] },
      topic: (i: number) => string,
      payload: (i: number) => string,
      messages: number,
      readingsPerMessage: number,
    ) => {
      const expected = messages * readingsPerMessage;
      const { stored_readings: before, batches: batchesBefore } = await serverCounters(ctx);
      const cpuBefore = cpuSeconds(ctx.serverPid);
      const started = performance.now();
      if (PUBLISHER === 'lean')
        await publishLean(
          url,
          { publishers: PUBLISHERS, window: WINDOW, clientIdPrefix: `bench-pub-${process.pid}` },
          topic,
          payload,
          messages,
        );
      else await publishAll(url, topic, payload, messages);
      const published = performance.now();
      await waitForServer(ctx, before, expected, Date.now() + 300_000);
      const seconds = (performance.now() - started) / 1000;
      const cpu = cpuSeconds(ctx.serverPid) - cpuBefore;
      const batches = (await serverCounters(ctx)).batches - batchesBefore;
      // The figure counts rows in the database, not the server's word.
      const stored = await countOf(ctx.sql, sensors.ids);
      ctx.report(
        label,
        `${fmt(stored / seconds)} readings/s, ${fmt(messages / seconds)} messages/s (${seconds.toFixed(2)} s, publishing ${((published - started) / 1000).toFixed(2)} s, server CPU ${((cpu / messages) * 1e6).toFixed(1)} µs/message, ${((cpu / seconds) * 100).toFixed(0)} % of a core, ${batches} batches${stored < expected ? `, ONLY ${stored} of ${expected} stored` : ''})`,
      );
    };
    console.log(
      `  MQTT: ${PUBLISHERS} ${PUBLISHER === 'lean' ? 'lean (mqtt-publisher.ts, MQTT 3.1.1)' : 'mqtt.js (MQTT v5)'} publishers, QoS 1, ${WINDOW} in flight each; ${brokerNote}`,
    );
    // One reading per message: the honest figure.
    const single = await createSensors(ctx.sql, 'mqtt-single');
    await run(
      `MQTT ingest, ${MESSAGES} QoS 1 messages of one reading ({"value","timestamp"})`,
      single,
      (i) => `${root}/${single.uids[i % SENSORS]}/m0`,
      (i) => `{"value":${(i % 1000) / 10},"timestamp":${start + Math.floor(i / SENSORS) * 1000}}`,
      MESSAGES,
      1,
    );
    // A per-sensor object of four measures per message.
    const objects = await createSensors(ctx.sql, 'mqtt-object');
    const count = Math.floor(MESSAGES / MEASURES.length);
    await run(
      `MQTT ingest, ${count} QoS 1 messages of a per-sensor object of 4 measures`,
      objects,
      (i) => `${root}/${objects.uids[i % SENSORS]}`,
      (i) => `{"m0":${i % 100},"m1":1.5,"m2":2.5,"m3":3.5,"timestamp":${start + Math.floor(i / SENSORS) * 1000}}`,
      count,
      MEASURES.length,
    );
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
