/**
 * Read figures of the benchmark: how fast series come back through the running server.
 * Called by bench/run.ts with the server's address, a token and the database it serves; seeds
 * its own series directly by SQL (generate_series, rollups by GROUP BY), so it measures reads
 * only. Prints figures beside their targets and never fails on time.
 */
import type { Queryable } from '../packages/server/src/db/database.ts';

export interface ReadBenchTarget {
  /** e.g. http://127.0.0.1:8000 */
  baseUrl: string;
  /** An access token of a user of that server. */
  token: string;
  /** The database the server uses. */
  db: Queryable;
  log?: (line: string) => void;
}

export interface ReadFigure {
  name: string;
  medianMs: number;
  targetMs: number;
  points: number;
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
      WHERE t.name = 'bench-read' AND m.name = 'bench-value' AND m.units = 'u' ON CONFLICT DO NOTHING`);
  await db.query(
    `INSERT INTO sensor (type_id, unique_identifier) SELECT id, $1 FROM sensor_type WHERE name = 'bench-read'
     ON CONFLICT (unique_identifier) DO NOTHING`, [sensorUid]);
  const [ids] = await db.query<{ sensorId: number; measureId: number }>(
    `SELECT s.id AS "sensorId", m.id AS "measureId" FROM sensor s, sensor_measure m
      WHERE s.unique_identifier = $1 AND m.name = 'bench-value' AND m.units = 'u'`, [sensorUid]);
  return ids;
}

/**
 * `points` readings one second apart from START, with minute/hour/day rollups, by SQL alone.
 * Skipped when the series already holds them (a rerun on the same database).
 */
export async function seedSeries(db: Queryable, sensorUid: string, points: number, log = console.log) {
  const { sensorId, measureId } = await benchSeries(db, sensorUid);
  const [{ n }] = await db.query<{ n: number }>(
    'SELECT coalesce(sum(count), 0)::int8 AS n FROM reading_rollup_day WHERE sensor_id = $1 AND measure_id = $2', [sensorId, measureId]);
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
    [sensorId, measureId, START, points]);
  await db.query(
    `INSERT INTO reading_rollup_minute (sensor_id, measure_id, bucket, min, max, sum, count)
     SELECT sensor_id, measure_id, date_bin('1 minute', ts, timestamptz 'epoch'), min(value), max(value), sum(value), count(*)
       FROM reading_float WHERE sensor_id = $1 AND measure_id = $2 GROUP BY 1, 2, 3`, [sensorId, measureId]);
  for (const [level, from, width] of [['hour', 'minute', '1 hour'], ['day', 'hour', '1 day']]) {
    await db.query(
      `INSERT INTO reading_rollup_${level} (sensor_id, measure_id, bucket, min, max, sum, count)
       SELECT sensor_id, measure_id, date_bin('${width}', bucket, timestamptz 'epoch'), min(min), max(max), sum(sum), sum(count)
         FROM reading_rollup_${from} WHERE sensor_id = $1 AND measure_id = $2 GROUP BY 1, 2, 3`, [sensorId, measureId]);
  }
  await db.query('ANALYZE reading_float');
  log(`  seeded ${points.toLocaleString('en')} points of ${sensorUid} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { from: START, to };
}

/** Median wall time of GET `path` (whole body read), after warm-up runs. */
async function timeGet(target: ReadBenchTarget, path: string, runs: number): Promise<{ medianMs: number; points: number }> {
  const headers = { authorization: `Bearer ${target.token}` };
  let points = 0;
  const once = async () => {
    const started = performance.now();
    const res = await fetch(`${target.baseUrl}${path}`, { headers });
    const text = await res.text();
    const elapsed = performance.now() - started;
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${text.slice(0, 200)}`);
    points = (JSON.parse(text) as { values: unknown[] }).values.length;
    return elapsed;
  };
  for (let i = 0; i < 3; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await once());
  return { medianMs: median(times), points };
}

const query = (params: Record<string, string | number>) =>
  `/api/v1/readings?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]))}`;

/** (a) 50,000 raw points of one series as JSON through HTTP. */
export async function rawReadFigure(target: ReadBenchTarget, runs = 15): Promise<ReadFigure> {
  const { from, to } = await seedSeries(target.db, 'bench-read-50k', 50_000, target.log);
  const iso = await timeGet(target, query({ sensor: 'bench-read-50k', measure: 'bench-value', from, to }), runs);
  return { name: '50k raw points as JSON (iso timestamps)', medianMs: iso.medianMs, targetMs: 60, points: iso.points };
}

/** (a') the same with time_format=epoch_ms, what a chart asks for. */
export async function rawEpochReadFigure(target: ReadBenchTarget, runs = 15): Promise<ReadFigure> {
  const { from, to } = await seedSeries(target.db, 'bench-read-50k', 50_000, target.log);
  const ms = await timeGet(target, query({ sensor: 'bench-read-50k', measure: 'bench-value', from, to, time_format: 'epoch_ms' }), runs);
  return { name: '50k raw points as JSON (epoch_ms)', medianMs: ms.medianMs, targetMs: 60, points: ms.points };
}

/** (b) 10 million stored points of one series downsampled to 1,000 through HTTP. */
export async function downsampledReadFigure(target: ReadBenchTarget, points = 10_000_000, runs = 15): Promise<ReadFigure> {
  const { from, to } = await seedSeries(target.db, 'bench-read-10m', points, target.log);
  const res = await timeGet(target, query({ sensor: 'bench-read-10m', measure: 'bench-value', from, to, max_points: 1000 }), runs);
  return { name: `${(points / 1e6).toLocaleString('en')}M points downsampled to 1,000 (max_points)`, medianMs: res.medianMs, targetMs: 50, points: res.points };
}

export function formatReadFigure(f: ReadFigure): string {
  return `${f.name}: median ${f.medianMs.toFixed(1)} ms for ${f.points.toLocaleString('en')} points (target < ${f.targetMs} ms)`;
}

/** Every read figure, printed as it comes. */
export async function runReadFigures(target: ReadBenchTarget, options: { largePoints?: number } = {}): Promise<ReadFigure[]> {
  const log = target.log ?? console.log;
  log('Reads');
  const figures: ReadFigure[] = [];
  for (const measure of [rawReadFigure, rawEpochReadFigure, (t: ReadBenchTarget) => downsampledReadFigure(t, options.largePoints)]) {
    const figure = await measure({ ...target, log });
    log(`  ${formatReadFigure(figure)}`);
    figures.push(figure);
  }
  return figures;
}

/** What bench/run.ts hands each step (structurally; importing run.ts would run the benchmark). */
export interface BenchStepContext {
  baseUrl: string;
  token: string;
  sql: { unsafe: (text: string, params?: never[]) => Promise<unknown> & { raw: () => Promise<unknown> } };
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
    db: {
      query: async <T>(text: string, params: readonly unknown[] = []) => (await ctx.sql.unsafe(text, params as never[])) as T[],
      queryRaw: async (text: string, params: readonly unknown[] = []) => (await ctx.sql.unsafe(text, params as never[]).raw()) as (Buffer | null)[][],
      exec: async (script: string) => {
        await ctx.sql.unsafe(script);
      },
    },
    log: (line) => console.log(line),
  });
  const show = (ctx: BenchStepContext, f: ReadFigure) =>
    ctx.report(f.name, `${f.medianMs.toFixed(1)} ms median, ${f.points.toLocaleString('en')} points (target < ${f.targetMs} ms)`);
  return [
    async (ctx) => show(ctx, await rawReadFigure(target(ctx))),
    async (ctx) => show(ctx, await rawEpochReadFigure(target(ctx))),
    async (ctx) => show(ctx, await downsampledReadFigure(target(ctx), largePoints)),
  ];
}
