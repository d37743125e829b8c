import type { Queryable } from '../../db/database.ts';
import { READING_TABLE, type SeriesRef } from './series.repository.ts';

export function dtbaseReadingsRepository(q: Queryable) {
  return {
    /**
     * DTBase's list of {value, timestamp} over [from, to] (both inclusive), ordered by time, as
     * JSON text built by PostgreSQL: the server passes it on without parsing a single row.
     */
    async rangeAsJson(series: SeriesRef, from: string, to: string): Promise<string> {
      const rows = await q.query<{ json: string }>(
        `SELECT coalesce(json_agg(json_build_object('value', value, 'timestamp', mb_iso(ts)) ORDER BY ts), '[]')::text AS json
           FROM ${READING_TABLE[series.datatype]}
          WHERE sensor_id = $1 AND measure_id = $2 AND ts >= $3::text::timestamptz AND ts <= $4::text::timestamptz`,
        [series.sensorId, series.measureId, from, to],
      );
      return rows[0].json;
    },
  };
}
