import type { Queryable } from '../../../db/database.ts';
import type { PageRange } from '../dtbase-readings.repository.ts';
import { READING_TABLE, seriesRepository, type SeriesRef } from '../series.repository.ts';
import { timestampsJson, valuesJson, type TimeFormat } from './readings-query.sql.ts';

/** A page of a series column-wise: two JSON arrays as PostgreSQL wrote them, UTF-8. */
export interface ColumnsPage {
  rows: number;
  /** `["2024-01-01T00:00:00Z", …]` (or epoch milliseconds); `[]` when the page is empty. */
  timestamps: Buffer;
  values: Buffer;
}

export interface LatestRow {
  sensorUid: string;
  measure: string;
  units: string | null;
  datatype: string;
  /** JSON text of the timestamp, or null when the series has no reading yet. */
  timestamp: string | null;
  value: unknown;
}

/** Instants as microseconds since the epoch, exact (text, so no precision is lost on the way). */
interface MicrosRow {
  from_us: string;
  to_us: string;
}

export function readingsQueryRepository(q: Queryable) {
  return {
    /**
     * The readings of a page of a range, column-wise. The ordered subquery feeds json_agg in
     * index order (no sort: the primary key already orders by ts).
     */
    async columnsPage(series: SeriesRef, range: PageRange, format: TimeFormat): Promise<ColumnsPage> {
      const lower = range.after === null ? 'ts >= $3::text::timestamptz' : 'ts > $3::text::timestamptz';
      const [[rows, timestamps, values]] = await q.queryRaw(
        `SELECT count(*)::text, ${timestampsJson('ts', format)}, ${valuesJson('value')}
           FROM (SELECT ts, value FROM ${READING_TABLE[series.datatype]}
                  WHERE sensor_id = $1 AND measure_id = $2 AND ${lower} AND ts <= $4::text::timestamptz
                  ORDER BY ts) r`,
        [series.sensorId, series.measureId, range.after ?? range.from, range.upTo ?? range.to],
      );
      return { rows: Number(rows), timestamps: timestamps!, values: values! };
    },

    /** Where pages of n readings end: see SeriesRepository.everyNthReadingAfter. */
    everyNthReadingAfter: seriesRepository(q).everyNthReadingAfter,

    /** How many readings [from, to] holds, counting no further than `limit` (an index-only scan). */
    async countUpTo(series: SeriesRef, from: string, to: string, limit: number): Promise<number> {
      const rows = await q.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (
           SELECT 1 FROM ${READING_TABLE[series.datatype]}
            WHERE sensor_id = $1 AND measure_id = $2 AND ts >= $3::text::timestamptz AND ts <= $4::text::timestamptz LIMIT $5) r`,
        [series.sensorId, series.measureId, from, to, limit],
      );
      return rows[0].n;
    },

    /** The two instants as exact microseconds since the epoch, parsed by PostgreSQL itself. */
    async micros(from: string, to: string): Promise<{ fromUs: bigint; toUs: bigint }> {
      const rows = await q.query<MicrosRow>(
        `SELECT (extract(epoch FROM $1::text::timestamptz) * 1000000)::int8::text AS from_us,
                (extract(epoch FROM $2::text::timestamptz) * 1000000)::int8::text AS to_us`,
        [from, to],
      );
      return { fromUs: BigInt(rows[0].from_us), toUs: BigInt(rows[0].to_us) };
    },

    /** The latest reading of every measure of a sensor's type (null when none), by primary key. */
    async latestOfSensor(sensorUid: string): Promise<LatestRow[]> {
      return q.query<LatestRow>(`${LATEST_SELECT} WHERE s.unique_identifier = $1 ORDER BY tm.position`, [sensorUid]);
    },

    /** The same for every sensor of a type, sensor by sensor. */
    async latestOfType(typeName: string): Promise<LatestRow[]> {
      return q.query<LatestRow>(
        `${LATEST_SELECT} JOIN sensor_type t ON t.id = s.type_id
          WHERE t.name = $1 ORDER BY s.unique_identifier, tm.position`,
        [typeName],
      );
    },

    async sensorExists(sensorUid: string): Promise<boolean> {
      return (await q.query('SELECT 1 FROM sensor WHERE unique_identifier = $1', [sensorUid])).length > 0;
    },

    async sensorTypeExists(typeName: string): Promise<boolean> {
      return (await q.query('SELECT 1 FROM sensor_type WHERE name = $1', [typeName])).length > 0;
    },
  };
}

// reading_latest is keyed (sensor_id, measure_id): one index probe per measure.
const LATEST_SELECT = `
  SELECT s.unique_identifier AS "sensorUid", m.name AS measure, m.units, m.datatype::text AS datatype,
         CASE WHEN l.ts IS NULL THEN NULL ELSE mb_iso(l.ts) END AS "timestamp", l.value
    FROM sensor s
    JOIN sensor_type_measure tm ON tm.type_id = s.type_id
    JOIN sensor_measure m ON m.id = tm.measure_id
    LEFT JOIN reading_latest l ON l.sensor_id = s.id AND l.measure_id = m.id`;

export type ReadingsQueryRepository = ReturnType<typeof readingsQueryRepository>;
