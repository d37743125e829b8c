import type { Queryable, Transaction } from '../../../db/database.ts';
import type { ValueDatatype } from '../../../db/schema/common.ts';
import type { RollupColumns, RollupLevel } from './rollups.ts';
import { READING_TABLE, VALUE_ARRAY_TYPE } from '../series.repository.ts';

/** What the set-based insert reports per series: rows really inserted, first and last. */
export interface InsertedSeriesRow {
  sensorId: number;
  measureId: number;
  count: number;
  first: string;
  last: string;
}

/**
 * Series write locks are striped: a series locks one of 64 advisory keys, so a transaction
 * touching thousands of series holds at most 64 locks (PostgreSQL's lock table is small, about
 * 64 per connection). Two series sharing a stripe only wait for each other, never conflict.
 * The two-int advisory key space is (SERIES_LOCK_SPACE, stripe).
 */
const SERIES_LOCK_SPACE = 0x4d42_0001;
const SERIES_LOCK_STRIPES = 64;
export const seriesLockStripe = (sensorId: number, measureId: number) => (sensorId * 31 + measureId) % SERIES_LOCK_STRIPES;

const ROLLUP_TABLE: Record<RollupLevel, string> = {
  minute: 'reading_rollup_minute',
  hour: 'reading_rollup_hour',
  day: 'reading_rollup_day',
};

// Merging a bucket: the ORDER BY makes concurrent writers lock rollup rows in the same order,
// so two ingests of the same series wait for each other instead of deadlocking.
const mergeRollupSql = (level: RollupLevel, source: string) => `
  INSERT INTO ${ROLLUP_TABLE[level]} AS r (sensor_id, measure_id, bucket, min, max, sum, count)
  ${source}
  ON CONFLICT (sensor_id, measure_id, bucket) DO UPDATE SET
    min = least(r.min, excluded.min), max = greatest(r.max, excluded.max),
    sum = r.sum + excluded.sum, count = r.count + excluded.count`;

const upsertLatestSql = (source: string) => `
  INSERT INTO reading_latest AS l (sensor_id, measure_id, ts, value)
  ${source}
  ON CONFLICT (sensor_id, measure_id) DO UPDATE SET ts = excluded.ts, value = excluded.value
  WHERE l.ts < excluded.ts`;

// Instants travel as text and are cast by PostgreSQL: postgres.js would pass a parameter typed
// timestamptz through a JavaScript Date, losing microseconds and reading naive times as local.
// postgres.js cannot send a JavaScript boolean array as bool[]; booleans travel as text.
const valuesParamType = (datatype: ValueDatatype) => (datatype === 'boolean' ? 'text[]::bool[]' : VALUE_ARRAY_TYPE[datatype]);
const valuesParam = (datatype: ValueDatatype, values: unknown[]) => (datatype === 'boolean' ? values.map((v) => (v ? 't' : 'f')) : values);

/**
 * The conflict-safe write of any number of series of one datatype, in one statement: insert
 * what is new (duplicates skipped), then fold exactly the inserted rows into the rollups and
 * the latest values, and report per series what went in.
 */
function insertSetSql(datatype: ValueDatatype): string {
  const numeric = datatype === 'float' || datatype === 'integer';
  const rollups = numeric
    ? (['minute', 'hour', 'day'] as const)
        .map(
          (level) => `,
  rollup_${level} AS (${mergeRollupSql(
    level,
    `
    SELECT sensor_id, measure_id, date_trunc('${level}', ts, 'UTC'), min(value), max(value), sum(value), count(*)
      FROM inserted GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
  )})`,
        )
        .join('')
    : '';
  return `
WITH inserted AS (
  INSERT INTO ${READING_TABLE[datatype]} (sensor_id, measure_id, ts, value)
  SELECT * FROM unnest($1::int4[], $2::int4[], $3::text[]::timestamptz[], $4::${valuesParamType(datatype)})
  ON CONFLICT DO NOTHING
  RETURNING sensor_id, measure_id, ts, value
)${rollups},
latest AS (${upsertLatestSql(`
  SELECT DISTINCT ON (sensor_id, measure_id) sensor_id, measure_id, ts, to_jsonb(value)
    FROM inserted ORDER BY sensor_id, measure_id, ts DESC`)})
SELECT sensor_id AS "sensorId", measure_id AS "measureId", count(*)::int AS count,
       mb_iso(min(ts)) AS first, mb_iso(max(ts)) AS last
  FROM inserted GROUP BY 1, 2`;
}

const INSERT_SET_SQL = Object.fromEntries((['float', 'integer', 'string', 'boolean'] as const).map((d) => [d, insertSetSql(d)])) as Record<
  ValueDatatype,
  string
>;

/** What the COPY watchdog needs: a connection other than the COPY's, and the COPY's backend. */
export interface CopyGuard {
  monitor: Queryable;
  pid: number;
}

const COPY_WATCH_INTERVAL_MS = 1000;
const PG_ABORTED_IN_TRANSACTION = 'idle in transaction (aborted)';

/**
 * The ingest core only starts a COPY that cannot fail; this is the second line of defence in
 * case one fails anyway. postgres.js (3.4.9) never settles a COPY whose server error arrives
 * after the data was sent (porsager/postgres#1173): the request would hang forever, holding its
 * locks. While the COPY is pending nothing else runs on its connection, so its backend seen
 * idle in an aborted transaction means the COPY failed. The watchdog then terminates that
 * backend (which rolls the transaction back and releases its locks; postgres.js then fails the
 * transaction with a connection error) and rejects. Checks start after a second, so a COPY
 * that succeeds in time costs nothing; a check needs a free pool connection, so with the pool
 * exhausted it waits for one.
 */
async function watchedCopy(copy: Promise<void>, guard: CopyGuard): Promise<void> {
  let settled = false;
  let timer: NodeJS.Timeout | undefined;
  const watch = new Promise<never>((_, reject) => {
    const check = async () => {
      try {
        const rows = await guard.monitor.query<{ state: string | null }>('SELECT state FROM pg_stat_activity WHERE pid = $1', [guard.pid]);
        if (!settled && rows[0]?.state === PG_ABORTED_IN_TRANSACTION) {
          await guard.monitor.query('SELECT pg_terminate_backend($1)', [guard.pid]);
          reject(new Error('COPY into the readings failed on the server; its connection was terminated so the request cannot hang'));
          return;
        }
      } catch {
        // Only a watchdog: a failed check is tried again.
      }
      if (!settled) timer = setTimeout(check, COPY_WATCH_INTERVAL_MS);
    };
    timer = setTimeout(check, COPY_WATCH_INTERVAL_MS);
  });
  try {
    // Promise.race also handles the late rejection of `copy` (the terminated connection).
    await Promise.race([copy, watch]);
  } finally {
    settled = true;
    clearTimeout(timer);
  }
}

export function readingsIngestRepository(q: Queryable) {
  return {
    /**
     * Tries the exclusive write lock of a stripe for a COPY, never waiting: a writer waits only
     * for shared locks, so no writer ever waits while another waits for it (see the ingest core).
     */
    async tryLockStripeExclusive(stripe: number): Promise<boolean> {
      const rows = await q.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1::int4, $2::int4) AS locked', [
        SERIES_LOCK_SPACE,
        stripe,
      ]);
      return rows[0].locked;
    },

    /** The exclusive write lock of a stripe, waiting for it (only in ascending stripe order). */
    async lockStripeExclusive(stripe: number): Promise<void> {
      await q.query('SELECT pg_advisory_xact_lock($1::int4, $2::int4)', [SERIES_LOCK_SPACE, stripe]);
    },

    /** Shared write locks of stripes, waiting, taken in the order given (callers sort them). */
    async lockStripesShared(stripes: number[]): Promise<void> {
      if (stripes.length === 0) return;
      await q.query('SELECT pg_advisory_xact_lock_shared($1::int4, k) FROM unnest($2::int4[]) WITH ORDINALITY AS u(k, i) ORDER BY i', [
        SERIES_LOCK_SPACE,
        stripes,
      ]);
    },

    /**
     * Whether a COPY of the series over [fromIso, toIso) is safe: no stored reading in that range
     * (one probe of the primary key) and every partition it needs present (`partitions` names).
     */
    async copyIsSafe(datatype: ValueDatatype, sensorId: number, measureId: number, fromIso: string, toIso: string, partitions: string[]) {
      // The backend's pid comes along for free: the COPY watchdog needs it.
      const rows = await q.query<{ safe: boolean; pid: number }>(
        `SELECT NOT EXISTS (SELECT 1 FROM ${READING_TABLE[datatype]}
                             WHERE sensor_id = $1 AND measure_id = $2 AND ts >= $3::text::timestamptz AND ts < $4::text::timestamptz)
                AND (SELECT bool_and(to_regclass(p) IS NOT NULL) FROM unnest($5::text[]) AS p) AS safe,
                pg_backend_pid() AS pid`,
        [sensorId, measureId, fromIso, toIso, partitions],
      );
      return rows[0];
    },

    /**
     * COPY of ready-made text-format lines (sensor_id, measure_id, ts, value) into a readings
     * table. With `guard`, a watchdog on another connection ends the COPY's backend if the COPY
     * fails after all (see watchedCopy).
     */
    async copyReadings(tx: Transaction, datatype: ValueDatatype, chunks: Iterable<string>, guard?: CopyGuard): Promise<void> {
      if (!tx.copyIn) throw new Error('COPY is not available on this database engine');
      const copy = tx.copyIn(`COPY ${READING_TABLE[datatype]} (sensor_id, measure_id, ts, value) FROM STDIN`, chunks);
      await (guard ? watchedCopy(copy, guard) : copy);
    },

    insertSet(datatype: ValueDatatype, sensorIds: number[], measureIds: number[], timestamps: string[], values: unknown[]) {
      return q.query<InsertedSeriesRow>(INSERT_SET_SQL[datatype], [sensorIds, measureIds, timestamps, valuesParam(datatype, values)]);
    },

    async mergeRollups(level: RollupLevel, c: RollupColumns): Promise<void> {
      if (c.buckets.length === 0) return;
      await q.query(
        mergeRollupSql(
          level,
          `
  SELECT s, m, to_timestamp(b), mn, mx, sm, n
    FROM unnest($1::int4[], $2::int4[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::int8[]) AS u(s, m, b, mn, mx, sm, n)
   ORDER BY 1, 2, 3`,
        ),
        [c.sensorIds, c.measureIds, c.buckets, c.mins, c.maxs, c.sums, c.counts],
      );
    },

    /**
     * Latest values, one per series; `valuesJson` are JSON texts, passed as text[] and cast in SQL
     * (postgres.js would encode them again as JSON strings for a jsonb[] parameter). Only ever
     * moves forward in time.
     */
    async upsertLatest(sensorIds: number[], measureIds: number[], timestamps: string[], valuesJson: string[]): Promise<void> {
      if (sensorIds.length === 0) return;
      await q.query(
        upsertLatestSql(`
  SELECT s, m, t, v FROM unnest($1::int4[], $2::int4[], $3::text[]::timestamptz[], $4::text[]::jsonb[]) AS u(s, m, t, v)
   ORDER BY 1, 2`),
        [sensorIds, measureIds, timestamps, valuesJson],
      );
    },
  };
}

export type ReadingsIngestRepository = ReturnType<typeof readingsIngestRepository>;
