import type { Queryable } from '../../db/database.ts';
import type { ValueDatatype } from '../../db/schema/common.ts';
import type { KeysetPage } from './keyset-pages.ts';
import { READING_TABLE, type SeriesRef } from './series.repository.ts';

/** A page of DTBase's list of readings. */
export interface DtbaseReadingsPage extends KeysetPage {
  /** The page's objects as JSON text, `{"value" : 20, "timestamp" : "2024-01-01T00:00:00Z"}, {…}`; null when empty. */
  json: Buffer | null;
}

/** A value as JSON, as json_build_object writes it (NaN and ±Infinity of a float as strings). */
const VALUE_JSON: Record<ValueDatatype, string> = {
  float: 'to_json(value)::text',
  integer: 'value::text',
  boolean: 'value::text',
  string: 'to_json(value)::text',
};

/*
 * The rest of an object after its value, written by one to_char: `, "timestamp" : "…Z"}`,
 * the instant as mb_iso() writes it (six fraction digits only when there is a fraction). In a
 * to_char pattern \" is a quote and "text" is literal text. ts::timestamptz(0) rounds to the
 * second: it equals ts exactly when ts has no fraction (integer arithmetic, unlike date_trunc).
 */
const REST_WHOLE_SECOND = `', \\""timestamp"\\" : \\"YYYY-MM-DD"T"HH24:MI:SS"Z"\\"}'`;
const REST_FRACTION = `', \\""timestamp"\\" : \\"YYYY-MM-DD"T"HH24:MI:SS.US"Z"\\"}'`;
const REST = `to_char(ts AT TIME ZONE 'UTC', CASE WHEN ts::timestamptz(0) = ts THEN ${REST_WHOLE_SECOND} ELSE ${REST_FRACTION} END)`;

export function dtbaseReadingsRepository(q: Queryable) {
  return {
    /**
     * Up to `limit` readings of DTBase's list of {value, timestamp} in [from, to] (both
     * inclusive; after `after` once set), ordered by time, as JSON text PostgreSQL wrote: the
     * exact bytes json_agg(json_build_object('value', value, 'timestamp', mb_iso(ts))) wrote,
     * but about twice as fast. string_agg puts `, {"value" : ` between rows, so each row costs
     * one concatenation; the ordered subquery feeds it in index order (no sort).
     */
    async page(series: SeriesRef, range: { from: string; to: string; after: string | null }, limit: number): Promise<DtbaseReadingsPage> {
      const lower = range.after === null ? 'ts >= $3::text::timestamptz' : 'ts > $3::text::timestamptz';
      const [[rows, last, json]] = await q.queryRaw(
        `SELECT count(*)::text, mb_iso(max(ts)),
                '{"value" : ' || string_agg(${VALUE_JSON[series.datatype]} || ${REST}, ', {"value" : ')
           FROM (SELECT ts, value FROM ${READING_TABLE[series.datatype]}
                  WHERE sensor_id = $1 AND measure_id = $2 AND ${lower} AND ts <= $4::text::timestamptz
                  ORDER BY ts LIMIT $5) r`,
        [series.sensorId, series.measureId, range.after ?? range.from, range.to, limit],
      );
      return { rows: Number(rows), last: last === null ? null : last.toString(), json };
    },
  };
}

export type DtbaseReadingsRepository = ReturnType<typeof dtbaseReadingsRepository>;
