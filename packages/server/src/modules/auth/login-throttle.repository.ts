import type { Queryable } from '../../db/database.ts';

/** One counter: its key, the failed logins counted in its window, and when that window ends. */
export interface ThrottleCounter {
  key: string;
  failures: number;
  windowEndsAt: Date;
}

export interface CounterWindow {
  key: string;
  /** When a new window for this key would end (now + its length). */
  newWindowEndsAt: Date;
}

/** All SQL of the login_throttle table. */
export function loginThrottleRepository(db: Queryable) {
  return {
    /**
     * Counts one attempt on each key, atomically, and returns the counts: a window that has
     * ended starts again at 1. One statement, so concurrent attempts on any replica each see
     * their own count, and no check-then-write race lets a burst past the limit. Keys are
     * written in sorted order, so two statements on the same keys never deadlock.
     */
    async count(windows: CounterWindow[], now: Date): Promise<ThrottleCounter[]> {
      const sorted = [...windows].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      return db.query<ThrottleCounter>(
        `INSERT INTO login_throttle AS t (key, failures, window_ends_at)
         SELECT key, 1, ends_at FROM unnest($1::text[], $2::text[]::timestamptz[]) WITH ORDINALITY AS w(key, ends_at, n) ORDER BY n
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN t.window_ends_at <= $3::text::timestamptz THEN 1 ELSE t.failures + 1 END,
           window_ends_at = CASE WHEN t.window_ends_at <= $3::text::timestamptz THEN EXCLUDED.window_ends_at ELSE t.window_ends_at END
         RETURNING key, failures, window_ends_at AS "windowEndsAt"`,
        [sorted.map((w) => w.key), sorted.map((w) => w.newWindowEndsAt.toISOString()), now.toISOString()],
      );
    },

    /** Takes back one counted attempt (it was a success); a counter left at zero goes with its window. */
    async uncount(key: string): Promise<void> {
      await db.query(`UPDATE login_throttle SET failures = GREATEST(failures - 1, 0) WHERE key = $1`, [key]);
    },

    /** Forgets a key's counter: a successful login clears its account's failures. */
    async clear(key: string): Promise<boolean> {
      return (await db.query(`DELETE FROM login_throttle WHERE key = $1 RETURNING key`, [key])).length > 0;
    },

    /**
     * Deletes counters whose window ended. Rows a login is updating right now are skipped
     * (SKIP LOCKED) rather than waited for: the next prune takes them.
     */
    async pruneEnded(now: Date): Promise<number> {
      const rows = await db.query(
        `DELETE FROM login_throttle WHERE key IN (
           SELECT key FROM login_throttle WHERE window_ends_at <= $1::text::timestamptz FOR UPDATE SKIP LOCKED)
         RETURNING key`,
        [now.toISOString()],
      );
      return rows.length;
    },
  };
}
