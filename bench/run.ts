/**
 * Mirrorbase benchmark: prints figures beside the raw limit measured in the same run, never
 * passes or fails on time. Run from the repository root with `npm run bench`.
 *
 * Uses the local PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test)
 * to create a fresh database `mirrorbase_bench`, starts the real server on it as a child
 * process, and drops the database at the end.
 *
 * Settings: BENCH_READINGS (default 1000000: with 200,000 the run lasted under a second and its ratios swung by ten points), BENCH_BATCH (10000), BENCH_CONCURRENCY (3),
 * BENCH_ONLY=web for the plots page's figures in Chromium (bench/web-figures.ts), BENCH_SMALL_READ_SECONDS (10), BENCH_STREAM_SUBSCRIBERS (1000), BENCH_SCHEDULES (1000; BENCH_ONLY=schedules for that figure alone), BENCH_ONLY=sdk for the SDK's ingest figures only, BENCH_ONLY=ingest to skip the read figures (their
 * 10-million-point seed takes a minute), BENCH_SERVER_NODE_ARGS for the server's node (e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof` to see where its time goes).
 *
 * Read figures (the query half) plug in as further `BenchStep`s: see READ_STEPS below.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';
import { benchDtbaseSequentialIngest, benchSmallReads } from './core-figures.ts';
import { startPrivateMosquitto, type PrivateBroker } from './mqtt-broker.ts';
import { mqttBenchStep } from './mqtt-figures.ts';
import { readBenchSteps } from './read-figures.ts';
import { benchSchedules } from './schedule-figures.ts';
import { benchSdkIngest } from './sdk-figures.ts';
import { benchStreamLatency } from './stream-figures.ts';
import { benchWebFigures, buildWebApp } from './web-figures.ts';

const ROOT = path.resolve(__dirname, '..');
const SERVER_URL_BASE = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** BENCH_DATABASE_NAME: the database created (and dropped) for the run, so two runs on one server can differ. */
const BENCH_DB = process.env.BENCH_DATABASE_NAME ?? 'mirrorbase_bench';
const READINGS = Number(process.env.BENCH_READINGS ?? 1_000_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 3);
const INGEST_ONLY = process.env.BENCH_ONLY === 'ingest';
const STREAM_SUBSCRIBERS = Number(process.env.BENCH_STREAM_SUBSCRIBERS ?? 1_000);
/**
 * BENCH_ONLY=mqtt: only the MQTT figures. BENCH_MQTT=0 skips them. They run through a private
 * Mosquitto started for the run (`mosquitto` on the PATH, or BENCH_MOSQUITTO), unless
 * BENCH_MQTT_URL names a broker to use instead.
 */
const MQTT_ONLY = process.env.BENCH_ONLY === 'mqtt';
/** BENCH_ONLY=schedules: only the scheduler figure, BENCH_SCHEDULES (1000) schedules due at once. */
const SCHEDULES_ONLY = process.env.BENCH_ONLY === 'schedules';
const SCHEDULES = Number(process.env.BENCH_SCHEDULES ?? 1_000);
/** BENCH_ONLY=live: only the realtime stream and MQTT figures. */
const LIVE_ONLY = process.env.BENCH_ONLY === 'live';
/** BENCH_ONLY=sdk: only the SDK's streamed ingest beside plain HTTP posts (BENCH_READINGS, BENCH_BATCH, BENCH_CONCURRENCY). */
const SDK_ONLY = process.env.BENCH_ONLY === 'sdk';
/** BENCH_ONLY=web: only the plots page's figures in Chromium over a year of minute data of three sensors. */
const WEB_ONLY = process.env.BENCH_ONLY === 'web';
const WITH_MQTT = process.env.BENCH_MQTT !== '0' && !SDK_ONLY && !WEB_ONLY;
const MQTT_ROOT = `bench-${process.pid}-${Date.now().toString(36)}`;
const PASSWORD = 'bench-password';
const START_MS = Date.parse('2024-01-01T00:00:00Z');
/** When the server counts as idle: after start-up and its one collection (src/startup-memory.ts, 10 s). */
const IDLE_AFTER_START_MS = 15_000;

/** Everything a benchmark step may use. */
export interface BenchContext {
  baseUrl: string;
  token: string;
  /** postgres.js connected to the benchmark database. */
  sql: postgres.Sql;
  serverPid: number;
  /** The float sensor created for the run, and its measure. */
  sensor: { uid: string; measure: string; sensorId: number; measureId: number };
  /** A second one, written through DTBase's endpoint. */
  dtbaseSensor: { uid: string; measure: string; sensorId: number; measureId: number };
  /** A third, whose readings the realtime figure streams. */
  streamSensor: { uid: string; measure: string; sensorId: number; measureId: number };
  /** Prints one figure line. */
  report: (label: string, value: string) => void;
  /** Largest VmRSS of the server seen so far, in MB. */
  peakRssMb: () => number;
}

export type BenchStep = (ctx: BenchContext) => Promise<void>;

/**
 * Hook points for the read figures (the query half adds its steps here): 50,000 raw points
 * back as JSON on both routes beside the same queries through the driver; 10 million stored
 * points downsampled to 1,000; a million raw points once and eight at a time, with the
 * server's memory.
 */
const READ_STEPS: BenchStep[] = readBenchSteps();

const withDatabase = (url: string, name: string) => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function rssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples a process's RSS every 50 ms and keeps the peak. */
function rssSampler(pid: number) {
  let peak = rssMb(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMb(pid));
  }, 50);
  return { peak: () => Math.max(peak, rssMb(pid)), stop: () => clearInterval(timer) };
}

async function startServer(databaseUrl: string, port: number, mqttUrl: string | undefined): Promise<ChildProcess> {
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, 'packages/server/bin/mirrorbase.js', 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      DT_DEFAULT_USER_PASS: PASSWORD,
      // The benchmark logs in as DTBase's default user, which production refuses unless meant.
      MIRRORBASE_ALLOW_DEFAULT_USER: '1',
      // Every load comes from this one address: the per-address request limit would measure itself.
      MIRRORBASE_RATE_LIMIT_PER_MINUTE: '0',
      // The scheduler figure's service listens on loopback, which services may call only when allowed.
      MIRRORBASE_SERVICE_ALLOWED_HOSTS: '127.0.0.1',
      DT_JWT_SECRET_KEY: 'bench-secret-bench-secret-bench-secret-0123456789',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      ...(mqttUrl ? { MQTT_URL: mqttUrl, MQTT_TOPIC_ROOT: MQTT_ROOT, MQTT_CLIENT_ID: MQTT_ROOT, MQTT_SESSION_EXPIRY_SECONDS: '60' } : {}),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('server did not start within 60 s');
}

async function login(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'default_user@localhost', password: PASSWORD }),
  });
  if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return (await res.json()).access_token;
}

/** A float sensor, made with SQL so the benchmark does not depend on the sensor endpoints. */
async function createFloatSensor(sql: postgres.Sql, uid: string) {
  const [type] = await sql`INSERT INTO sensor_type (name) VALUES (${`bench-type-${uid}`}) RETURNING id`;
  const [measure] = await sql`INSERT INTO sensor_measure (name, units, datatype) VALUES ('temperature', 'degC', 'float')
                              ON CONFLICT (name, units) DO UPDATE SET name = excluded.name RETURNING id`;
  await sql`INSERT INTO sensor_type_measure (type_id, measure_id, position) VALUES (${type.id}, ${measure.id}, 0)`;
  const [sensor] = await sql`INSERT INTO sensor (type_id, unique_identifier) VALUES (${type.id}, ${uid}) RETURNING id`;
  return { uid, measure: 'temperature', sensorId: sensor.id as number, measureId: measure.id as number };
}

const timestampAt = (i: number) => new Date(START_MS + i * 1000).toISOString();
const valueAt = (i: number) => Math.round(Math.sin(i / 500) * 1000) / 100 + 20;

/** Ingest through HTTP: batches of BATCH readings, CONCURRENCY requests in flight. */
async function benchHttpIngest(ctx: BenchContext): Promise<number> {
  const bodies: string[] = [];
  for (let start = 0; start < READINGS; start += BATCH) {
    const n = Math.min(BATCH, READINGS - start);
    const timestamps = Array.from({ length: n }, (_, k) => timestampAt(start + k));
    const values = Array.from({ length: n }, (_, k) => valueAt(start + k));
    bodies.push(JSON.stringify({ series: [{ sensor: ctx.sensor.uid, measure: ctx.sensor.measure, timestamps, values }] }));
  }
  let next = 0;
  let inserted = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const res = await fetch(`${ctx.baseUrl}/api/v1/readings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.token}` },
        body,
      });
      if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
      inserted += (await res.json()).inserted;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  if (inserted !== READINGS) throw new Error(`expected ${READINGS} readings inserted, got ${inserted}`);
  const rate = READINGS / seconds;
  ctx.report(
    `HTTP ingest, ${READINGS} readings in batches of ${BATCH}, ${CONCURRENCY} in flight`,
    `${fmt(rate)} readings/s (${seconds.toFixed(2)} s)`,
  );
  return rate;
}

/** The raw limit: postgres.js COPY of the same number of rows straight into reading_float. */
async function benchRawCopy(ctx: BenchContext): Promise<number> {
  const other = await createFloatSensor(ctx.sql, 'bench-raw-copy');
  await ctx.sql`SELECT mb_ensure_reading_partitions(${timestampAt(0)}::text::timestamptz, ${timestampAt(READINGS)}::text::timestamptz)`;
  const chunks: string[] = [];
  for (let start = 0; start < READINGS; start += BATCH) {
    let chunk = '';
    for (let i = start; i < Math.min(start + BATCH, READINGS); i++) {
      chunk += `${other.sensorId}\t${other.measureId}\t${timestampAt(i)}\t${valueAt(i)}\n`;
    }
    chunks.push(chunk);
  }
  const started = performance.now();
  const writable = await ctx.sql`COPY reading_float (sensor_id, measure_id, ts, value) FROM STDIN`.writable();
  await pipeline(Readable.from(chunks), writable);
  const seconds = (performance.now() - started) / 1000;
  const rate = READINGS / seconds;
  ctx.report(`raw COPY of the same ${READINGS} rows (postgres.js, one stream)`, `${fmt(rate)} rows/s (${seconds.toFixed(2)} s)`);
  return rate;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main() {
  const admin = postgres(SERVER_URL_BASE, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`);
  await admin.unsafe(`CREATE DATABASE ${BENCH_DB}`);
  const databaseUrl = withDatabase(SERVER_URL_BASE, BENCH_DB);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  let server: ChildProcess | undefined;
  let sql: postgres.Sql | undefined;
  let broker: PrivateBroker | undefined;
  try {
    let mqttUrl: string | undefined;
    let brokerNote = '';
    if (WITH_MQTT && process.env.BENCH_MQTT_URL) {
      mqttUrl = process.env.BENCH_MQTT_URL;
      brokerNote = `broker ${mqttUrl} (BENCH_MQTT_URL)`;
    } else if (WITH_MQTT) {
      broker = await startPrivateMosquitto(await freePort());
      mqttUrl = broker.url;
      brokerNote = `a private Mosquitto at ${mqttUrl}: ${broker.config
        .split('\n')
        .filter((l) => /^(persistence |max_queued)/.test(l))
        .join(', ')}`;
    }
    const mqttStep = mqttUrl ? mqttBenchStep(MQTT_ROOT, mqttUrl, brokerNote) : undefined;
    console.log(`mirrorbase bench: PostgreSQL ${(await admin`SHOW server_version`)[0].server_version}, database ${BENCH_DB}`);
    // The server reads the built app once at start: build it first.
    if (WEB_ONLY) buildWebApp();
    server = await startServer(databaseUrl, port, mqttUrl);
    const serverStarted = performance.now();
    const startRss = rssMb(server.pid!);
    // Four connections: the read figures time a read's page queries as the server runs them, two pages and a search at once.
    sql = postgres(databaseUrl, { max: 4, onnotice: () => {}, connection: { TimeZone: 'UTC' } });
    const sampler = rssSampler(server.pid!);
    const ctx: BenchContext = {
      baseUrl,
      token: await login(baseUrl),
      sql,
      serverPid: server.pid!,
      sensor: await createFloatSensor(sql, 'bench-sensor'),
      dtbaseSensor: await createFloatSensor(sql, 'bench-dtbase-sensor'),
      streamSensor: await createFloatSensor(sql, 'bench-stream-sensor'),
      report: (label, value) => console.log(`  ${label.padEnd(72)} ${value}`),
      peakRssMb: sampler.peak,
    };
    // Idle: up for IDLE_AFTER_START_MS, nothing asked since the login and the two sensors.
    if (SCHEDULES_ONLY) {
      await benchSchedules(ctx, { schedules: SCHEDULES });
      sampler.stop();
      return;
    }
    const sdkStep = () =>
      benchSdkIngest(ctx, {
        readings: READINGS,
        batch: BATCH,
        concurrency: CONCURRENCY,
        startMs: START_MS,
        email: 'default_user@localhost',
        password: PASSWORD,
        createSensor: (uid) => createFloatSensor(ctx.sql, uid),
      });
    if (WEB_ONLY) {
      try {
        await benchWebFigures(ctx, { password: PASSWORD });
      } finally {
        sampler.stop();
      }
      return;
    }
    if (SDK_ONLY) {
      try {
        await sdkStep();
      } finally {
        sampler.stop();
      }
      return;
    }
    if (!MQTT_ONLY && !LIVE_ONLY)
      await new Promise((r) => setTimeout(r, Math.max(0, IDLE_AFTER_START_MS - (performance.now() - serverStarted))));
    const idleRss = rssMb(server.pid!);
    if (MQTT_ONLY || LIVE_ONLY) {
      if (LIVE_ONLY) await benchStreamLatency(ctx, { subscribers: STREAM_SUBSCRIBERS, posts: 100, databaseUrl });
      if (mqttStep) await mqttStep(ctx);
      ctx.report('server RSS peak', `${sampler.peak().toFixed(0)} MB`);
      sampler.stop();
      return;
    }
    const http = await benchHttpIngest(ctx);
    const dtbase = await benchDtbaseSequentialIngest(ctx, { readings: READINGS, batch: BATCH, startMs: START_MS });
    const ingestPeak = sampler.peak();
    const raw = await benchRawCopy(ctx);
    ctx.report('HTTP ingest (/api/v1/readings) / raw COPY', `${((http / raw) * 100).toFixed(0)} %`);
    ctx.report('DTBase insert-sensor-readings (1 client) / raw COPY', `${((dtbase / raw) * 100).toFixed(0)} %`);
    ctx.report('server RSS right after start (V8 still holds start-up garbage)', `${startRss.toFixed(0)} MB`);
    ctx.report(
      `server RSS idle (${IDLE_AFTER_START_MS / 1000} s after start) / peak while ingesting`,
      `${idleRss.toFixed(0)} MB / ${ingestPeak.toFixed(0)} MB`,
    );
    await benchSmallReads(ctx, { connections: 50, seconds: Number(process.env.BENCH_SMALL_READ_SECONDS ?? 10) });
    await benchStreamLatency(ctx, { subscribers: STREAM_SUBSCRIBERS, posts: 100, databaseUrl });
    await benchSchedules(ctx, { schedules: SCHEDULES });
    if (mqttStep) await mqttStep(ctx);
    await sdkStep();
    if (!INGEST_ONLY) for (const step of READ_STEPS) await step(ctx);
    ctx.report('server RSS peak over the whole benchmark', `${sampler.peak().toFixed(0)} MB`);
    sampler.stop();
  } finally {
    await sql?.end();
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((resolve) => server!.once('exit', resolve));
    }
    await broker?.stop();
    await admin.unsafe(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`);
    await admin.end();
  }
}

// No top-level await: the repository root is not an ES module package, so tsx loads this as CommonJS.
main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
