import type { Queryable } from '../../../db/database.ts';
import type { ValueDatatype } from '../../../db/schema/common.ts';
import { READING_TABLE } from '../series.repository.ts';

export interface RetentionRow {
  measureId: number | null;
  measureName: string | null;
  units: string | null;
  datatype: ValueDatatype | null;
  keepDays: number;
}

const ROLLUP_TABLES = ['reading_rollup_minute', 'reading_rollup_hour', 'reading_rollup_day'];

export function retentionRepository(q: Queryable) {
  return {
    list(): Promise<RetentionRow[]> {
      return q.query<RetentionRow>(
        `SELECT r.measure_id AS "measureId", m.name AS "measureName", m.units, m.datatype::text AS datatype, r.keep_days AS "keepDays"
           FROM reading_retention r LEFT JOIN sensor_measure m ON m.id = r.measure_id
          ORDER BY r.measure_id NULLS FIRST`,
      );
    },

    async set(measureId: number | null, keepDays: number): Promise<void> {
      await q.query(
        `INSERT INTO reading_retention (measure_id, keep_days) VALUES ($1, $2)
         ON CONFLICT (measure_id) DO UPDATE SET keep_days = excluded.keep_days`,
        [measureId, keepDays],
      );
    },

    async clear(measureId: number | null): Promise<void> {
      await q.query('DELETE FROM reading_retention WHERE measure_id IS NOT DISTINCT FROM $1', [measureId]);
    },

    /** Measures named so (optionally with these units). */
    findMeasures(name: string, units: string | null | undefined) {
      return q.query<{ id: number }>(
        'SELECT id FROM sensor_measure WHERE name = $1 AND ($2::boolean IS FALSE OR units IS NOT DISTINCT FROM $3)',
        [name, units !== undefined, units ?? null],
      );
    },

    /** Only one replica applies retention at a time; the lock ends with the transaction. */
    async tryLock(): Promise<boolean> {
      const rows = await q.query<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock(hashtext('mirrorbase.retention')) AS locked`);
      return rows[0].locked;
    },

    /** Reading partitions whose whole month ends at or before `boundary`. */
    async partitionsEndingBy(boundaryIso: string): Promise<string[]> {
      const rows = await q.query<{ name: string }>(
        `SELECT c.relname AS name
           FROM pg_inherits i
           JOIN pg_class c ON c.oid = i.inhrelid
           JOIN pg_class p ON p.oid = i.inhparent
          WHERE p.relname IN ('reading_float', 'reading_integer', 'reading_string', 'reading_boolean')
            AND c.relname ~ '_p[0-9]{4}_[0-9]{2}$'
            AND (to_date(right(c.relname, 7), 'YYYY_MM')::timestamp AT TIME ZONE 'UTC') + interval '1 month' <= $1::text::timestamptz
          ORDER BY 1`,
        [boundaryIso],
      );
      return rows.map((r) => r.name);
    },

    /** Waits at most `ms` for any lock until the transaction ends. */
    async setLockTimeout(ms: number): Promise<void> {
      await q.exec(`SET LOCAL lock_timeout = '${Math.max(1, Math.floor(ms))}ms'`);
    },

    async dropPartition(name: string): Promise<void> {
      // The name comes from the catalog and matched the partition pattern above.
      await q.exec(`DROP TABLE IF EXISTS "${name.replace(/"/g, '""')}"`);
    },

    /** Rollup buckets and latest values older than `cutoff`, of one measure or of all. */
    async deleteDerivedBefore(cutoffIso: string, measureId: number | null): Promise<void> {
      for (const table of [...ROLLUP_TABLES, 'reading_latest']) {
        const column = table === 'reading_latest' ? 'ts' : 'bucket';
        await q.query(`DELETE FROM ${table} WHERE ${column} < $1::text::timestamptz AND ($2::int4 IS NULL OR measure_id = $2)`, [
          cutoffIso,
          measureId,
        ]);
      }
    },

    async sensorsWithMeasure(measureId: number): Promise<number[]> {
      const rows = await q.query<{ id: number }>(
        'SELECT s.id FROM sensor s JOIN sensor_type_measure tm ON tm.type_id = s.type_id WHERE tm.measure_id = $1 ORDER BY s.id',
        [measureId],
      );
      return rows.map((r) => r.id);
    },

    /** Deletes up to `limit` readings of one series older than `cutoff` (by the primary key); returns how many. */
    async deleteReadingsBefore(
      datatype: ValueDatatype,
      sensorId: number,
      measureId: number,
      cutoffIso: string,
      limit: number,
    ): Promise<number> {
      const table = READING_TABLE[datatype];
      const rows = await q.query<{ n: number }>(
        `WITH gone AS (
           DELETE FROM ${table} WHERE (sensor_id, measure_id, ts) IN (
             SELECT sensor_id, measure_id, ts FROM ${table}
              WHERE sensor_id = $1 AND measure_id = $2 AND ts < $3::text::timestamptz LIMIT $4)
           RETURNING 1)
         SELECT count(*)::int AS n FROM gone`,
        [sensorId, measureId, cutoffIso, limit],
      );
      return rows[0].n;
    },
  };
}
