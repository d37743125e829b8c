import type { Queryable } from '../../db/database.ts';

/** One entry of the audit log, as the service records it. */
export interface AuditEntry {
  at: Date;
  userId: number | null;
  userEmail: string | null;
  apiKeyId: number | null;
  apiKeyName: string | null;
  method: string;
  /** The route pattern, e.g. /api/v1/users/:email. */
  route: string;
  operationId: string | null;
  target: string | null;
  ip: string | null;
  status: number;
  requestId: string | null;
}

/** An entry as read back: its id, and its time as ISO-8601 UTC. */
export interface AuditRow extends Omit<AuditEntry, 'at'> {
  id: number;
  at: string;
}

export interface AuditFilter {
  userEmail?: string;
  apiKeyId?: number;
  /** ISO-8601; entries at or after it. */
  from?: string;
  /** ISO-8601; entries before it. */
  to?: string;
  route?: string;
  operationId?: string;
  /** Status codes from..to, inclusive (a class such as 4xx is 400..499). */
  status?: { from: number; to: number };
}

const COLUMNS = `id, mb_iso(at) AS at, user_id AS "userId", user_email AS "userEmail", api_key_id AS "apiKeyId",
  api_key_name AS "apiKeyName", method, route, operation_id AS "operationId", target, ip, status, request_id AS "requestId"`;

/** Every statement on the audit_log table (migration 0007_audit_log). */
export function auditRepository(q: Queryable) {
  return {
    /**
     * Appends entries in one statement: one array per column, unnested, so the statement (and
     * its prepared plan) is the same whatever the number of entries.
     */
    async insertMany(entries: readonly AuditEntry[]): Promise<void> {
      if (entries.length === 0) return;
      const column = <T>(pick: (entry: AuditEntry) => T) => entries.map(pick);
      await q.query(
        `INSERT INTO audit_log (at, user_id, user_email, api_key_id, api_key_name, method, route, operation_id, target, ip, status, request_id)
         SELECT * FROM unnest($1::text[]::timestamptz[], $2::int4[], $3::text[], $4::int4[], $5::text[], $6::text[], $7::text[],
                              $8::text[], $9::text[], $10::text[], $11::int2[], $12::text[])`,
        [
          column((e) => e.at.toISOString()),
          column((e) => e.userId),
          column((e) => e.userEmail),
          column((e) => e.apiKeyId),
          column((e) => e.apiKeyName),
          column((e) => e.method),
          column((e) => e.route),
          column((e) => e.operationId),
          column((e) => e.target),
          column((e) => e.ip),
          column((e) => e.status),
          column((e) => e.requestId),
        ],
      );
    },

    /**
     * Newest first, keyset-paged: entries with an id below `beforeId` (0: from the newest).
     * Only the filters given become conditions, so each combination gets a plan that can use
     * the indexes (a catch-all `$n IS NULL OR ...` would leave a generic plan that cannot).
     */
    list(filter: AuditFilter, page: { beforeId: number; limit: number }): Promise<AuditRow[]> {
      const conditions: string[] = [];
      const params: unknown[] = [];
      const where = (condition: (param: string) => string, value: unknown) => {
        params.push(value);
        conditions.push(condition(`$${params.length}`));
      };
      if (page.beforeId > 0) where((p) => `id < ${p}::int8`, page.beforeId);
      if (filter.userEmail !== undefined) where((p) => `user_email = ${p}`, filter.userEmail);
      if (filter.apiKeyId !== undefined) where((p) => `api_key_id = ${p}::int4`, filter.apiKeyId);
      if (filter.from !== undefined) where((p) => `at >= ${p}::text::timestamptz`, filter.from);
      if (filter.to !== undefined) where((p) => `at < ${p}::text::timestamptz`, filter.to);
      if (filter.route !== undefined) where((p) => `route = ${p}`, filter.route);
      if (filter.operationId !== undefined) where((p) => `operation_id = ${p}`, filter.operationId);
      if (filter.status !== undefined) {
        where((p) => `status >= ${p}::int2`, filter.status.from);
        where((p) => `status <= ${p}::int2`, filter.status.to);
      }
      params.push(page.limit);
      const whereClause = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
      return q.query<AuditRow>(`SELECT ${COLUMNS} FROM audit_log ${whereClause} ORDER BY id DESC LIMIT $${params.length}::int4`, params);
    },

    /**
     * Deletes up to `limit` entries older than `cutoff`, oldest first; returns how many. Run in
     * a transaction of its own: the setting that lets the append-only trigger allow the DELETE
     * ends with it.
     */
    async pruneBefore(cutoffIso: string, limit: number): Promise<number> {
      await q.query(`SELECT set_config('mirrorbase.audit_prune', 'on', true)`);
      const rows = await q.query<{ n: number }>(
        `WITH gone AS (
           DELETE FROM audit_log WHERE id IN (
             SELECT id FROM audit_log WHERE at < $1::text::timestamptz ORDER BY at LIMIT $2::int4)
           RETURNING 1)
         SELECT count(*)::int AS n FROM gone`,
        [cutoffIso, limit],
      );
      return rows[0].n;
    },
  };
}
