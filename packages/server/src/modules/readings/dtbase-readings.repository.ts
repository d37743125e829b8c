import type { Queryable } from '../../db/database.ts';
import type { ValueDatatype } from '../../db/schema/common.ts';
import { READING_TABLE, type SeriesRef } from './series.repository.ts';

/** A page of DTBase's list of readings. */
export interface DtbaseReadingsPage {
  /**
   * The page's objects as JSON text without the opening `{"value" : ` of the first (the
   * caller writes it, which spares PostgreSQL a copy of the page):
   * `20, "timestamp" : "2024-01-01T00:00:00Z"}, {"value" : 21, "timestamp" : …}`; null when empty.
   */
  objectsAfterFirstKey: Buffer | null;
}

/** What starts every object, and so every page. */
export const FIRST_KEY = '{"value" : ';

/** A page's share of [from, to] (both inclusive): after `after` (from `from` when null), up to `upTo` (`to` when null). */
export interface PageRange {
  from: string;
  to: string;
  after: string | null;
  upTo: string | null;
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
     * The readings of a page of a range as DTBase's list of {value, timestamp}, ordered by
     * time, as JSON text PostgreSQL wrote: the exact bytes that
     * json_agg(json_build_object('value', value, 'timestamp', mb_iso(ts))) wrote, in a third
     * of the database time (mb_iso is a SQL function PostgreSQL cannot inline: STRICT over a
     * CASE, IMMUTABLE over the STABLE to_char). string_agg puts `, {"value" : ` between rows,
     * so each row costs one concatenation; the ordered subquery feeds it in index order.
     */
    async page(series: SeriesRef, range: PageRange): Promise<DtbaseReadingsPage> {
      const lower = range.after === null ? 'ts >= $3::text::timestamptz' : 'ts > $3::text::timestamptz';
      const [[json]] = await q.queryRaw(
        `SELECT string_agg(${VALUE_JSON[series.datatype]} || ${REST}, ', {"value" : ')
           FROM (SELECT ts, value FROM ${READING_TABLE[series.datatype]}
                  WHERE sensor_id = $1 AND measure_id = $2 AND ${lower} AND ts <= $4::text::timestamptz
                  ORDER BY ts) r`,
        [series.sensorId, series.measureId, range.after ?? range.from, range.upTo ?? range.to],
      );
      return { objectsAfterFirstKey: json };
    },
  };
}

export type DtbaseReadingsRepository = ReturnType<typeof dtbaseReadingsRepository>;
