import type { Queryable } from '../../../db/database.ts';
import type { PageRange } from '../dtbase-readings.repository.ts';
import { READING_TABLE, type SeriesRef } from '../series.repository.ts';
import { isoFromMicros, type BucketGrid, type Piece } from './downsample.ts';
import { timestampsJson, valuesJson, zonedTimestampsJson, type TimeFormat } from './readings-query.sql.ts';

const ROLLUP_TABLE = {
  minute: 'reading_rollup_minute',
  hour: 'reading_rollup_hour',
  day: 'reading_rollup_day',
} as const;

/** Per-bucket aggregates as JSON array text, all in bucket order. */
export interface AggregateColumns {
  count: number;
  timestamps: string;
  avg: string;
  min: string;
  max: string;
  counts: string;
}

export type CalendarUnit = 'hour' | 'day' | 'week' | 'month';

export interface CalendarAlignment {
  buckets: number;
  hourAligned: boolean;
  dayAligned: boolean;
}

/**
 * One SELECT per piece, all shaped (t, lo, hi, total, n): a raw reading is a rollup row of
 * one point. $1 and $2 are the sensor and measure; each piece adds its two bounds.
 */
function piecesSql(series: SeriesRef, pieces: Piece[], params: unknown[]): string {
  const parts = pieces.map((piece) => {
    const lo = `$${params.push(isoFromMicros(piece.fromUs))}::text::timestamptz`;
    const hi = `$${params.push(isoFromMicros(piece.toUs))}::text::timestamptz`;
    if (piece.level === 'raw') {
      return `SELECT ts AS t, value::float8 AS lo, value::float8 AS hi, value::float8 AS total, 1::int8 AS n
                FROM ${READING_TABLE[series.datatype]}
               WHERE sensor_id = $1 AND measure_id = $2 AND ts >= ${lo} AND ts < ${hi}`;
    }
    return `SELECT bucket AS t, min AS lo, max AS hi, sum AS total, count AS n
              FROM ${ROLLUP_TABLE[piece.level]}
             WHERE sensor_id = $1 AND measure_id = $2 AND bucket >= ${lo} AND bucket < ${hi}`;
  });
  return parts.join('\n UNION ALL\n');
}

function aggregateSelect(bucketStarts: string): string {
  return `SELECT count(*)::int AS count, ${bucketStarts} AS timestamps,
                 ${valuesJson('total / n', 'b')} AS avg, ${valuesJson('lo', 'b')} AS min,
                 ${valuesJson('hi', 'b')} AS max, ${valuesJson('n', 'b')} AS counts
            FROM buckets`;
}

/** A stride for date_bin from microseconds, exactly (an int8 times an interval would go through float8). */
function strideParams(widthUs: bigint): [number, number] {
  const day = 86_400_000_000n;
  return [Number(widthUs / day), Number(widthUs % day) / 1_000_000];
}

export function downsampleRepository(q: Queryable) {
  return {
    /** Aggregates the pieces into the equal-width buckets of `grid`; empty buckets are left out. */
    async equalBuckets(series: SeriesRef, pieces: Piece[], grid: BucketGrid, format: TimeFormat): Promise<AggregateColumns> {
      const params: unknown[] = [series.sensorId, series.measureId];
      const union = piecesSql(series, pieces, params);
      const [days, secs] = strideParams(grid.widthUs);
      const stride = `make_interval(days => $${params.push(days)}::int, secs => $${params.push(secs)}::float8)`;
      const origin = `$${params.push(isoFromMicros(grid.originUs))}::text::timestamptz`;
      const rows = await q.query<AggregateColumns>(
        `WITH pieces AS (${union}),
         buckets AS (
           SELECT date_bin(${stride}, t, ${origin}) AS b, min(lo) AS lo, max(hi) AS hi, sum(total) AS total, sum(n)::int8 AS n
             FROM pieces GROUP BY 1)
         ${aggregateSelect(timestampsJson('b', format, 'b'))}`,
        params,
      );
      return rows[0];
    },

    /** Aggregates the pieces into calendar buckets of `unit` in the IANA zone `tz`. */
    async calendarBuckets(
      series: SeriesRef,
      pieces: Piece[],
      unit: CalendarUnit,
      tz: string,
      format: TimeFormat,
    ): Promise<AggregateColumns> {
      const params: unknown[] = [series.sensorId, series.measureId];
      const union = piecesSql(series, pieces, params);
      const unitParam = `$${params.push(unit)}::text`;
      const zoneParam = `$${params.push(tz)}::text`;
      const rows = await q.query<AggregateColumns>(
        `WITH pieces AS (${union}),
         buckets AS (
           SELECT date_trunc(${unitParam}, t, ${zoneParam}) AS b, min(lo) AS lo, max(hi) AS hi, sum(total) AS total, sum(n)::int8 AS n
             FROM pieces GROUP BY 1)
         ${aggregateSelect(zonedTimestampsJson('b', zoneParam, format, 'b'))}`,
        params,
      );
      return rows[0];
    },

    /**
     * How many calendar buckets [from, to] spans (counting no further than `limit`), and
     * whether every bucket boundary inside the range falls on a whole UTC hour or day: only
     * then can hour or day rollup rows be attributed to buckets without splitting any.
     */
    async calendarAlignment(unit: CalendarUnit, tz: string, from: string, to: string, limit: number): Promise<CalendarAlignment> {
      const rows = await q.query<CalendarAlignment>(
        `SELECT count(*)::int AS buckets,
                coalesce(bool_and(b <= $3::text::timestamptz OR date_bin('1 hour', b, timestamptz 'epoch') = b), true) AS "hourAligned",
                coalesce(bool_and(b <= $3::text::timestamptz OR date_bin('1 day', b, timestamptz 'epoch') = b), true) AS "dayAligned"
           FROM (SELECT local AT TIME ZONE $2 AS b
                   FROM generate_series(date_trunc($1, $3::text::timestamptz, $2) AT TIME ZONE $2,
                                        $4::text::timestamptz AT TIME ZONE $2, ('1 ' || $1)::interval) local
                  LIMIT $5) boundaries`,
        [unit, tz, from, to, limit],
      );
      return rows[0];
    },

    /**
     * Non-numeric series cannot be averaged: the first reading of each equal-width bucket
     * stands for it (a sample that keeps where the series has data and where it changes
     * little). Reads every raw row of the range.
     */
    async firstOfBuckets(series: SeriesRef, from: string, to: string, grid: BucketGrid, format: TimeFormat) {
      const [days, secs] = strideParams(grid.widthUs);
      const bin = `date_bin(make_interval(days => $5::int, secs => $6::float8), ts, $7::text::timestamptz)`;
      const rows = await q.query<{ count: number; timestamps: string; values: string }>(
        `SELECT count(*)::int AS count, ${timestampsJson('ts', format, 'ts')} AS timestamps, ${valuesJson('value', 'ts')} AS "values"
           FROM (SELECT DISTINCT ON (${bin}) ts, value FROM ${READING_TABLE[series.datatype]}
                  WHERE sensor_id = $1 AND measure_id = $2 AND ts >= $3::text::timestamptz AND ts <= $4::text::timestamptz
                  ORDER BY ${bin}, ts) r`,
        [series.sensorId, series.measureId, from, to, days, secs, isoFromMicros(grid.originUs)],
      );
      return rows[0];
    },

    /** The raw readings of a page of a numeric series' range as two arrays (for LTTB). */
    async rawPointsPage(series: SeriesRef, range: PageRange): Promise<{ micros: number[]; values: number[] }> {
      const lower = range.after === null ? 'ts >= $3::text::timestamptz' : 'ts > $3::text::timestamptz';
      const rows = await q.query<{ micros: number[] | null; values: number[] | null }>(
        `SELECT array_agg(round(date_part('epoch', ts) * 1000000)) AS micros, array_agg(value::float8) AS "values"
           FROM (SELECT ts, value FROM ${READING_TABLE[series.datatype]}
                  WHERE sensor_id = $1 AND measure_id = $2 AND ${lower} AND ts <= $4::text::timestamptz
                  ORDER BY ts) r`,
        [series.sensorId, series.measureId, range.after ?? range.from, range.upTo ?? range.to],
      );
      return { micros: rows[0].micros ?? [], values: rows[0].values ?? [] };
    },
  };
}

export type DownsampleRepository = ReturnType<typeof downsampleRepository>;
