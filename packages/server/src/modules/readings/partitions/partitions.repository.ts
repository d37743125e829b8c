import type { Queryable } from '../../../db/database.ts';

/** The SQL of the readings' monthly partitions (functions of migrations 0002 and 0005). */
export function partitionsRepository(q: Queryable) {
  return {
    /**
     * Waits at most `ms` for any lock until the transaction ends, instead of queueing: a
     * waiting DDL statement would make every later reader of the table queue behind it.
     */
    async setLockTimeout(ms: number): Promise<void> {
      await q.exec(`SET LOCAL lock_timeout = '${Math.max(1, Math.floor(ms))}ms'`);
    },

    /** Creates the partitions of every datatype for the months covering [from, to] that are missing; returns how many. */
    async create(fromIso: string, toIso: string): Promise<number> {
      const rows = await q.query<{ created: number }>(
        'SELECT mb_ensure_reading_partitions($1::text::timestamptz, $2::text::timestamptz) AS created',
        [fromIso, toIso],
      );
      return rows[0].created;
    },

    /** Locks the named partitions that exist (for writing) and returns the names of those that do not. */
    async lockExisting(names: readonly string[]): Promise<string[]> {
      if (names.length === 0) return [];
      const rows = await q.query<{ missing: string[] }>('SELECT mb_lock_reading_partitions($1::text[]) AS missing', [names]);
      return rows[0].missing;
    },
  };
}
