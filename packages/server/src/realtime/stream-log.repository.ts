import type { Queryable } from '../db/database.ts';

/** One stream-log row with what a client sees of it (names, not ids). */
export interface StreamLogRow {
  id: number;
  /** Readings event: the series (null names once the sensor or measure is gone). */
  sensorId: number | null;
  sensor: string | null;
  sensorType: string | null;
  measure: string | null;
  units: string | null;
  datatype: string | null;
  first: string | null;
  last: string | null;
  count: number | null;
  /** Entity event. */
  entity: string | null;
  action: string | null;
  key: string | null;
}

/** What a stream wants: empty lists mean "any". */
export interface StreamLogFilter {
  sensors: readonly string[];
  measures: readonly string[];
  sensorTypes: readonly string[];
  readings: boolean;
  /** Entity kinds wanted (already narrowed to what the caller may see); empty: none. */
  entities: readonly string[];
}

export interface WindowReadings {
  count: number;
  /** JSON arrays as PostgreSQL wrote them. */
  timestamps: string;
  values: string;
}

export interface WindowRequest {
  id: number;
  sensorId: number;
  measureId: number;
  datatype: string;
  first: string;
  last: string;
}

const LOG_SELECT = `
  SELECT e.id, e.sensor_id AS "sensorId", s.unique_identifier AS sensor, st.name AS "sensorType",
         m.name AS measure, m.units, m.datatype::text AS datatype, e.measure_id AS "measureId",
         mb_iso(e.first_ts) AS first, mb_iso(e.last_ts) AS last, e.count, e.entity, e.action, e.key
    FROM stream_event e
    LEFT JOIN sensor s ON s.id = e.sensor_id
    LEFT JOIN sensor_type st ON st.id = s.type_id
    LEFT JOIN sensor_measure m ON m.id = e.measure_id`;

/**
 * One query for the readings of many events: each event's series between its first and last
 * timestamp, as JSON arrays PostgreSQL writes (the process splices the text, never parses it).
 * The datatype picks the table; the other three branches are skipped by their one-time filter.
 */
const WINDOW_READINGS = `
  SELECT u.id, count(r.ts)::int AS n,
         coalesce(json_agg(mb_iso(r.ts) ORDER BY r.ts), '[]')::text AS timestamps,
         coalesce(json_agg(r.v ORDER BY r.ts), '[]')::text AS "values"
    FROM unnest($1::bigint[], $2::int[], $3::int[], $4::text[], $5::text[], $6::text[]) AS u(id, s, m, dt, f, l)
    LEFT JOIN LATERAL (SELECT * FROM (
      SELECT ts, to_json(value) AS v FROM reading_float
       WHERE u.dt = 'float' AND sensor_id = u.s AND measure_id = u.m AND ts BETWEEN u.f::timestamptz AND u.l::timestamptz
      UNION ALL
      SELECT ts, to_json(value) FROM reading_integer
       WHERE u.dt = 'integer' AND sensor_id = u.s AND measure_id = u.m AND ts BETWEEN u.f::timestamptz AND u.l::timestamptz
      UNION ALL
      SELECT ts, to_json(value) FROM reading_string
       WHERE u.dt = 'string' AND sensor_id = u.s AND measure_id = u.m AND ts BETWEEN u.f::timestamptz AND u.l::timestamptz
      UNION ALL
      SELECT ts, to_json(value) FROM reading_boolean
       WHERE u.dt = 'boolean' AND sensor_id = u.s AND measure_id = u.m AND ts BETWEEN u.f::timestamptz AND u.l::timestamptz
    ) w ORDER BY ts LIMIT $7) r ON true
   GROUP BY u.id`;

export function streamLogRepository(q: Queryable) {
  return {
    /** The newest id in the log (0 when it is empty). */
    async lastId(): Promise<number> {
      const [row] = await q.query<{ id: number | null }>('SELECT max(id) AS id FROM stream_event');
      return Number(row?.id ?? 0);
    },

    /** The oldest id still kept (undefined when the log is empty). */
    async oldestId(): Promise<number | undefined> {
      const [row] = await q.query<{ id: number | null }>('SELECT min(id) AS id FROM stream_event');
      return row?.id == null ? undefined : Number(row.id);
    },

    /** The last id logged before `at` (ISO-8601): a stream resuming from a time starts after it. */
    async lastIdBefore(at: string): Promise<number | undefined> {
      const [row] = await q.query<{ id: number | null }>('SELECT max(id) AS id FROM stream_event WHERE at < $1::text::timestamptz', [at]);
      return row?.id == null ? undefined : Number(row.id);
    },

    /** Events after `afterId`, oldest first, at most `limit`. */
    async after(afterId: number, limit: number): Promise<(StreamLogRow & { measureId: number | null })[]> {
      return q.query(`${LOG_SELECT} WHERE e.id > $1 ORDER BY e.id LIMIT $2`, [afterId, limit]);
    },

    /** Events in (afterId, upTo] that a stream's filter keeps, oldest first, at most `limit`. */
    async filtered(
      afterId: number,
      upTo: number,
      filter: StreamLogFilter,
      limit: number,
    ): Promise<(StreamLogRow & { measureId: number | null })[]> {
      return q.query(
        `${LOG_SELECT}
          WHERE e.id > $1 AND e.id <= $2
            AND (
              ($3::boolean AND e.sensor_id IS NOT NULL
                AND (cardinality($4::text[]) = 0 OR s.unique_identifier = ANY($4::text[]))
                AND (cardinality($5::text[]) = 0 OR m.name = ANY($5::text[]))
                AND (cardinality($6::text[]) = 0 OR st.name = ANY($6::text[])))
              OR e.entity = ANY($7::text[]))
          ORDER BY e.id LIMIT $8`,
        [afterId, upTo, filter.readings, filter.sensors, filter.measures, filter.sensorTypes, filter.entities, limit],
      );
    },

    /**
     * The readings of each event's window, as JSON array texts keyed by event id, at most
     * `limit` per window (`n` says how many came: limit means "there may be more").
     */
    async windows(requests: readonly WindowRequest[], limit: number): Promise<Map<number, WindowReadings>> {
      const result = new Map<number, WindowReadings>();
      if (requests.length === 0) return result;
      const rows = await q.query<{ id: number; n: number; timestamps: string; values: string }>(WINDOW_READINGS, [
        requests.map((r) => r.id),
        requests.map((r) => r.sensorId),
        requests.map((r) => r.measureId),
        requests.map((r) => r.datatype),
        requests.map((r) => r.first),
        requests.map((r) => r.last),
        limit,
      ]);
      for (const row of rows) result.set(Number(row.id), { count: Number(row.n), timestamps: row.timestamps, values: row.values });
      return result;
    },

    /** Drops up to `limit` of the oldest events logged before `before` (ISO-8601); returns how many went. */
    async prune(before: string, limit: number): Promise<number> {
      const rows = await q.query<{ n: number }>(
        `WITH gone AS (
           DELETE FROM stream_event WHERE id IN (
             SELECT id FROM stream_event WHERE at < $1::text::timestamptz ORDER BY id LIMIT $2)
           RETURNING 1)
         SELECT count(*)::int AS n FROM gone`,
        [before, limit],
      );
      return Number(rows[0]?.n ?? 0);
    },
  };
}

export type StreamLogRepository = ReturnType<typeof streamLogRepository>;
