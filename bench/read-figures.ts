/**
 * Read figures of the benchmark: how fast series come back through the running server.
 * Called by bench/run.ts with the server's address, a token and the database it serves; seeds
 * its own series directly by SQL (generate_series, rollups by GROUP BY), so it measures reads
 * only. Prints figures beside their targets, and the raw reads beside the same page queries
 * timed through the driver (the database's limit for that read); never fails on time.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { Queryable } from '../packages/server/src/db/database.ts';
import { dtbaseReadingsRepository } from '../packages/server/src/modules/readings/dtbase-readings.repository.ts';
import { BOUNDARIES_PER_SEARCH, READ_PAGE_ROWS, rangePages } from '../packages/server/src/modules/readings/range-pages.ts';
import { readingsQueryRepository } from '../packages/server/src/modules/readings/query/readings-query.repository.ts';
import { RAW_POINTS_CAP } from '../packages/server/src/modules/readings/query/readings-query.schemas.ts';
import { seriesRepository, type SeriesRef } from '../packages/server/src/modules/readings/series.repository.ts';

export interface ReadBenchTarget {
  /** e.g. http://127.0.0.1:8000 */
  baseUrl: string;
  /** An access token of a user of that server. */
  token: string;
  /** The database the server uses. */
  db: Queryable;
  /** The server's process, whose memory the large reads watch (Linux /proc). */
  serverPid?: number;
  log?: (line: string) => void;
}

export interface ReadFigure {
  name: string;
  medianMs: number;
  targetMs: number;
  points: number;
  /** The same page queries through the driver, without HTTP: the database's limit for this read. */
  driverMs?: number;
}

const START = '2023-01-01T00:00:00Z';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Creates (once) a sensor with one float measure for the benchmark and returns its ids. */
async function benchSeries(db: Queryable, sensorUid: string) {
  await db.query(`INSERT INTO sensor_type (name) VALUES ('bench-read') ON CONFLICT (name) DO NOTHING`);
  await db.query(`INSERT INTO sensor_measure (name, units, datatype) VALUES ('bench-value', 'u', 'float') ON CONFLICT DO NOTHING`);
  await db.query(
    `INSERT INTO sensor_type_measure (type_id, measure_id, position)
     SELECT t.id, m.id, 0 FROM sensor_type t, sensor_measure m
      WHERE t.name = 'bench-read' AND m.name = 'bench-value' AND m.units = 'u' ON CONFLICT DO NOTHING`,
  );
  await db.query(
    `INSERT INTO sensor (type_id, unique_identifier) SELECT id, $1 FROM sensor_type WHERE name = 'bench-read'
     ON CONFLICT (unique_identifier) DO NOTHING`,
    [sensorUid],
  );
  const [ids] = await db.query<{ sensorId: number; measureId: number }>(
    `SELECT s.id AS "sensorId", m.id AS "measureId" FROM sensor s, sensor_measure m
      WHERE s.unique_identifier = $1 AND m.name = 'bench-value' AND m.units = 'u'`,
    [sensorUid],
  );
  return ids;
}

/**
 * `points` readings one second apart from START, with minute/hour/day rollups, by SQL alone.
 * Skipped when the series already holds them (a rerun on the same database).
 */
export async function seedSeries(db: Queryable, sensorUid: string, points: number, log = console.log) {
  const { sensorId, measureId } = await benchSeries(db, sensorUid);
  const [{ n }] = await db.query<{ n: number }>(
    'SELECT coalesce(sum(count), 0)::int8 AS n FROM reading_rollup_day WHERE sensor_id = $1 AND measure_id = $2',
    [sensorId, measureId],
  );
  const to = new Date(Date.parse(START) + (points - 1) * 1000).toISOString();
  if (Number(n) === points) return { from: START, to };
  const started = Date.now();
  await db.query('DELETE FROM reading_float WHERE sensor_id = $1 AND measure_id = $2', [sensorId, measureId]);
  for (const level of ['minute', 'hour', 'day']) {
    await db.query(`DELETE FROM reading_rollup_${level} WHERE sensor_id = $1 AND measure_id = $2`, [sensorId, measureId]);
  }
  await db.query('SELECT mb_ensure_reading_partitions($1::text::timestamptz, $2::text::timestamptz)', [START, to]);
  // A daily wave plus a fast ripple, to two decimals as a sensor reports it.
  await db.query(
    `INSERT INTO reading_float (sensor_id, measure_id, ts, value)
     SELECT $1, $2, $3::text::timestamptz + i * interval '1 second',
            round((20 + 5 * sin(i / 13751.0) + sin(i / 60.0))::numeric, 2)::float8
       FROM generate_series(0, $4::int8 - 1) i`,
    [sensorId, measureId, START, points],
  );
  await db.query(
    `INSERT INTO reading_rollup_minute (sensor_id, measure_id, bucket, min, max, sum, count)
     SELECT sensor_id, measure_id, date_bin('1 minute', ts, timestamptz 'epoch'), min(value), max(value), sum(value), count(*)
       FROM reading_float WHERE sensor_id = $1 AND measure_id = $2 GROUP BY 1, 2, 3`,
    [sensorId, measureId],
  );
  for (const [level, from, width] of [
    ['hour', 'minute', '1 hour'],
    ['day', 'hour', '1 day'],
  ]) {
    await db.query(
      `INSERT INTO reading_rollup_${level} (sensor_id, measure_id, bucket, min, max, sum, count)
       SELECT sensor_id, measure_id, date_bin('${width}', bucket, timestamptz 'epoch'), min(min), max(max), sum(sum), sum(count)
         FROM reading_rollup_${from} WHERE sensor_id = $1 AND measure_id = $2 GROUP BY 1, 2, 3`,
      [sensorId, measureId],
    );
  }
  // As autovacuum would have left a table a while after its rows came: statistics, and a
  // visibility map for the index-only scans of counts and page boundaries.
  await db.exec('VACUUM (ANALYZE) reading_float');
  log(`  seeded ${points.toLocaleString('en')} points of ${sensorUid} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { from: START, to };
}

/** The series of a seeded sensor, as the readings repositories take it. */
async function seriesRef(db: Queryable, sensorUid: string): Promise<SeriesRef> {
  const { sensorId, measureId } = await benchSeries(db, sensorUid);
  return { sensorId, sensorUid, measureId, measureName: 'bench-value', units: 'u', datatype: 'float' };
}

/** Median wall time of `run` after warm-up runs. */
async function medianOf(run: () => Promise<number>, runs: number): Promise<number> {
  for (let i = 0; i < 3; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await run());
  return median(times);
}

/** A request that answers a JSON list or a column-wise series, by GET (a path) or POST (a path and a body). */
interface ReadRequest {
  path: string;
  body?: unknown;
}

/**
 * Sends a read and hands its body over as it streams in, through node:http: a client that does
 * little more than take the bytes, so a figure shows the server (fetch took three to four
 * times as long as node:http to take in the same 3 MB from a plain server here). `onData`
 * sees every chunk.
 */
function send(target: ReadBenchTarget, request: ReadRequest, onData: (chunk: Buffer) => void): Promise<number> {
  const url = new URL(`${target.baseUrl}${request.path}`);
  const headers: Record<string, string> = { authorization: `Bearer ${target.token}` };
  const body = request.body === undefined ? undefined : JSON.stringify(request.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: body === undefined ? 'GET' : 'POST', headers },
      (res) => {
        res.on('data', onData);
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Median wall time of a read (whole body read), and how many points it answered. */
async function timeRead(target: ReadBenchTarget, request: ReadRequest, runs: number): Promise<{ medianMs: number; points: number }> {
  let points = 0;
  const medianMs = await medianOf(async () => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    const status = await send(target, request, (chunk) => chunks.push(chunk));
    const elapsed = performance.now() - started;
    const text = Buffer.concat(chunks).toString();
    if (status !== 200) throw new Error(`${request.path}: ${status} ${text.slice(0, 200)}`);
    const answer = JSON.parse(text) as unknown[] | { values: unknown[] };
    points = Array.isArray(answer) ? answer.length : answer.values.length;
    return elapsed;
  }, runs);
  return { medianMs, points };
}

/** Median wall time of the raw read's page queries straight through the driver, as the server runs them. */
async function timeDriver(read: () => Promise<void>, runs: number): Promise<number> {
  return medianOf(async () => {
    const started = performance.now();
    await read();
    return performance.now() - started;
  }, runs);
}

/** The DTBase read's pages of [from, to], as readings.service.ts reads them. */
async function dtbasePages(db: Queryable, series: SeriesRef, from: string, to: string): Promise<void> {
  const repo = dtbaseReadingsRepository(db);
  const reader = {
    boundaries: (after: string | null, n: number, count: number) =>
      seriesRepository(db).everyNthReadingAfter(series, { from, to, after }, n, count),
    page: (after: string | null, upTo: string | null) => repo.page(series, { from, to, after, upTo }),
  };
  const first = await reader.boundaries(null, READ_PAGE_ROWS, BOUNDARIES_PER_SEARCH);
  for await (const page of rangePages(reader, { pageRows: READ_PAGE_ROWS, first })) void page;
}

/** The column-wise read's pages (and its cap count when the range may be over the cap), as readings-query.service.ts reads them. */
async function columnPages(db: Queryable, series: SeriesRef, from: string, to: string): Promise<void> {
  const repo = readingsQueryRepository(db);
  const reader = {
    boundaries: (after: string | null, n: number, count: number) => repo.everyNthReadingAfter(series, { from, to, after }, n, count),
    page: (after: string | null, upTo: string | null) => repo.columnsPage(series, { from, to, after, upTo }, 'iso'),
  };
  const first = await reader.boundaries(null, READ_PAGE_ROWS, BOUNDARIES_PER_SEARCH);
  if (first.length === BOUNDARIES_PER_SEARCH) await repo.countUpTo(series, from, to, RAW_POINTS_CAP + 1);
  for await (const page of rangePages(reader, { pageRows: READ_PAGE_ROWS, first })) void page;
}

const query = (params: Record<string, string | number>) =>
  `/api/v1/readings?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]))}`;

/** (a) 50,000 raw points of one series as column-wise JSON through HTTP (GET /api/v1/readings). */
export async function rawReadFigure(target: ReadBenchTarget, runs = 15): Promise<ReadFigure> {
  const { from, to } = await seedSeries(target.db, 'bench-read-50k', 50_000, target.log);
  const iso = await timeRead(target, { path: query({ sensor: 'bench-read-50k', measure: 'bench-value', from, to }) }, runs);
  const series = await seriesRef(target.db, 'bench-read-50k');
  const driverMs = await timeDriver(() => columnPages(target.db, series, from, to), runs);
  return {
    name: 'GET /api/v1/readings, 50k raw points as JSON (iso timestamps)',
    medianMs: iso.medianMs,
    targetMs: 60,
    points: iso.points,
    driverMs,
  };
}

/** (a') the same with time_format=epoch_ms, what a chart asks for. */
export async function rawEpochReadFigure(target: ReadBenchTarget, runs = 15): Promise<ReadFigure> {
  const { from, to } = await seedSeries(target.db, 'bench-read-50k', 50_000, target.log);
  const ms = await timeRead(
    target,
    { path: query({ sensor: 'bench-read-50k', measure: 'bench-value', from, to, time_format: 'epoch_ms' }) },
    runs,
  );
  return { name: 'GET /api/v1/readings, 50k raw points as JSON (epoch_ms)', medianMs: ms.medianMs, targetMs: 60, points: ms.points };
}

/** (c) the same 50,000 points through DTBase's read, the one every DTBase client and plot uses. */
export async function dtbaseReadFigure(target: ReadBenchTarget, runs = 15): Promise<ReadFigure> {
  const { from, to } = await seedSeries(target.db, 'bench-read-50k', 50_000, target.log);
  const body = { unique_identifier: 'bench-read-50k', measure_name: 'bench-value', dt_from: from, dt_to: to };
  const res = await timeRead(target, { path: '/sensor/sensor-readings', body }, runs);
  const series = await seriesRef(target.db, 'bench-read-50k');
  const driverMs = await timeDriver(() => dtbasePages(target.db, series, from, to), runs);
  return {
    name: 'POST /sensor/sensor-readings, 50k raw points as JSON',
    medianMs: res.medianMs,
    targetMs: 60,
    points: res.points,
    driverMs,
  };
}

/** (b) 10 million stored points of one series downsampled to 1,000 through HTTP. */
export async function downsampledReadFigure(target: ReadBenchTarget, points = 10_000_000, runs = 15): Promise<ReadFigure> {
  const { from, to } = await seedSeries(target.db, 'bench-read-10m', points, target.log);
  const res = await timeRead(
    target,
    { path: query({ sensor: 'bench-read-10m', measure: 'bench-value', from, to, max_points: 1000 }) },
    runs,
  );
  return {
    name: `${(points / 1e6).toLocaleString('en')}M points downsampled to 1,000 (max_points)`,
    medianMs: res.medianMs,
    targetMs: 50,
    points: res.points,
  };
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

/** Runs `fn` while sampling a process's RSS every 20 ms: its RSS before, and the peak meanwhile. */
async function watchingRss<T>(pid: number | undefined, fn: () => Promise<T>): Promise<{ result: T; beforeMb: number; peakMb: number }> {
  if (pid === undefined) return { result: await fn(), beforeMb: 0, peakMb: 0 };
  const beforeMb = rssMb(pid);
  let peakMb = beforeMb;
  const timer = setInterval(() => {
    peakMb = Math.max(peakMb, rssMb(pid));
  }, 20);
  try {
    const result = await fn();
    return { result, beforeMb, peakMb: Math.max(peakMb, rssMb(pid)) };
  } finally {
    clearInterval(timer);
  }
}

/** Reads a whole answer as it streams in, keeping none of it: its size in bytes. */
async function drain(target: ReadBenchTarget, request: ReadRequest): Promise<number> {
  let bytes = 0;
  const status = await send(target, request, (chunk) => {
    bytes += chunk.length;
  });
  if (status !== 200) throw new Error(`${request.path}: ${status}`);
  return bytes;
}

export interface LargeReadFigure {
  name: string;
  ms: number;
  mb: number;
  rssBeforeMb: number;
  rssPeakMb: number;
}

/**
 * (d) A million raw points (the first million of the large series) on each route, once and
 * eight at a time: wall time, bytes, and the server's RSS before and at its peak.
 */
export async function largeReadFigures(target: ReadBenchTarget, largePoints = 10_000_000): Promise<LargeReadFigure[]> {
  const { from } = await seedSeries(target.db, 'bench-read-10m', largePoints, target.log);
  const points = Math.min(1_000_000, largePoints);
  const to = new Date(Date.parse(from) + (points - 1) * 1000).toISOString();
  const label = `${(points / 1e6).toLocaleString('en')}M raw points`;
  const requests: [string, ReadRequest][] = [
    [
      'POST /sensor/sensor-readings',
      {
        path: '/sensor/sensor-readings',
        body: { unique_identifier: 'bench-read-10m', measure_name: 'bench-value', dt_from: from, dt_to: to },
      },
    ],
    ['GET /api/v1/readings', { path: query({ sensor: 'bench-read-10m', measure: 'bench-value', from, to }) }],
  ];
  const figures: LargeReadFigure[] = [];
  for (const [route, request] of requests) {
    await drain(target, request); // warm-up
    for (const clients of [1, 8]) {
      const started = performance.now();
      const watched = await watchingRss(target.serverPid, () => Promise.all(Array.from({ length: clients }, () => drain(target, request))));
      figures.push({
        name: `${route}, ${label}${clients > 1 ? `, ${clients} at once` : ''}`,
        ms: performance.now() - started,
        mb: watched.result.reduce((a, b) => a + b, 0) / clients / 1e6,
        rssBeforeMb: watched.beforeMb,
        rssPeakMb: watched.peakMb,
      });
    }
  }
  return figures;
}

const formatLarge = (f: LargeReadFigure) =>
  `${(f.ms / 1000).toFixed(2)} s, ${f.mb.toFixed(1)} MB each; server RSS ${f.rssBeforeMb.toFixed(0)} MB before, peak ${f.rssPeakMb.toFixed(0)} MB`;

export function formatReadFigure(f: ReadFigure): string {
  const driver = f.driverMs === undefined ? '' : `; the same page queries through the driver ${f.driverMs.toFixed(1)} ms`;
  return `${f.medianMs.toFixed(1)} ms median, ${f.points.toLocaleString('en')} points (target < ${f.targetMs} ms)${driver}`;
}

/** What bench/run.ts hands each step (structurally; importing run.ts would run the benchmark). */
export interface BenchStepContext {
  baseUrl: string;
  token: string;
  serverPid: number;
  sql: { unsafe: (text: string, params?: never[], options?: { prepare?: boolean }) => Promise<unknown> & { raw: () => Promise<unknown> } };
  report: (label: string, value: string) => void;
}

/**
 * The read figures as steps of bench/run.ts. BENCH_READ_POINTS sets the size of the large
 * series (default 10 million; seeding it by SQL takes about a minute).
 */
export function readBenchSteps(): ((ctx: BenchStepContext) => Promise<void>)[] {
  const largePoints = Number(process.env.BENCH_READ_POINTS ?? 10_000_000);
  const target = (ctx: BenchStepContext): ReadBenchTarget => ({
    baseUrl: ctx.baseUrl,
    token: ctx.token,
    serverPid: ctx.serverPid,
    db: {
      // Prepared, as the server's driver runs them.
      query: async <T>(text: string, params: readonly unknown[] = []) =>
        (await ctx.sql.unsafe(text, params as never[], { prepare: true })) as T[],
      queryRaw: async (text: string, params: readonly unknown[] = []) =>
        (await ctx.sql.unsafe(text, params as never[], { prepare: true }).raw()) as (Buffer | null)[][],
      exec: async (script: string) => {
        await ctx.sql.unsafe(script);
      },
    },
    log: (line) => console.log(line),
  });
  const show = (ctx: BenchStepContext, f: ReadFigure) => ctx.report(f.name, formatReadFigure(f));
  return [
    async (ctx) => show(ctx, await dtbaseReadFigure(target(ctx))),
    async (ctx) => show(ctx, await rawReadFigure(target(ctx))),
    async (ctx) => show(ctx, await rawEpochReadFigure(target(ctx))),
    async (ctx) => show(ctx, await downsampledReadFigure(target(ctx), largePoints)),
    async (ctx) => {
      for (const f of await largeReadFigures(target(ctx), largePoints)) ctx.report(f.name, formatLarge(f));
    },
  ];
}
