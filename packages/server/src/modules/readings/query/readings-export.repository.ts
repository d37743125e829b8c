import type { Queryable } from '../../../db/database.ts';
import { READING_TABLE, type SeriesRef } from '../series.repository.ts';

/** One page of a series as CSV text, written by PostgreSQL. */
export interface CsvPage {
  rows: number;
  /** The page's lines joined by "\n", without a trailing newline; null when the page is empty. */
  csv: string | null;
  /** The last timestamp of the page, exact, to continue after it. */
  last: string | null;
}

/**
 * A value as a CSV field: strings are quoted when they hold a comma, a quote or a line break
 * (RFC 4180); numbers and booleans print as PostgreSQL prints them (shortest exact floats,
 * true/false).
 */
function csvField(series: SeriesRef): string {
  return series.datatype === 'string'
    ? `CASE WHEN value ~ '[",\\r\\n]' THEN '"' || replace(value, '"', '""') || '"' ELSE value END`
    : 'value::text';
}

export function readingsExportRepository(q: Queryable) {
  return {
    /**
     * Up to `limit` readings with ts after `after` (or from `from` on the first page) and up
     * to `to`, as "<prefix>timestamp,value" lines. Paging by ts (keyset) keeps every page an
     * index range scan, however deep into the series it is.
     * Timestamps: UTC, ISO-8601 with "T" and "Z", fraction only when there is one; formatted
     * as a plain timestamp in UTC, which does not depend on the session's time zone.
     */
    async page(series: SeriesRef, range: { from: string; to: string; after: string | null }, limit: number, prefix = ''): Promise<CsvPage> {
      const lower = range.after === null ? 'ts >= $3::text::timestamptz' : 'ts > $3::text::timestamptz';
      const rows = await q.query<CsvPage>(
        `SELECT count(*)::int AS rows,
                string_agg($6 || replace((ts AT TIME ZONE 'UTC')::text, ' ', 'T') || 'Z,' || ${csvField(series)}, E'\\n') AS csv,
                mb_iso(max(ts)) AS last
           FROM (SELECT ts, value FROM ${READING_TABLE[series.datatype]}
                  WHERE sensor_id = $1 AND measure_id = $2 AND ${lower} AND ts <= $4::text::timestamptz
                  ORDER BY ts LIMIT $5) r`,
        [series.sensorId, series.measureId, range.after ?? range.from, range.to, limit, prefix],
      );
      return rows[0];
    },
  };
}

export type ReadingsExportRepository = ReturnType<typeof readingsExportRepository>;
