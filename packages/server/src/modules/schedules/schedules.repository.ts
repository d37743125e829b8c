import type { Queryable } from '../../db/database.ts';

/** A schedule as stored; instants are ISO-8601 UTC. */
export interface ScheduleRow {
  id: number;
  name: string;
  serviceId: number;
  serviceName: string;
  parameterSetId: number | null;
  parameterSetName: string | null;
  cron: string;
  timeZone: string;
  enabled: boolean;
  timeoutSeconds: number;
  maxAttempts: number;
  createdBy: number;
  apiKeyId: number | null;
  lastScheduledAt: string | null;
  nextRunAt: string;
  createdAt: string;
  updatedAt: string | null;
}

export interface NewSchedule {
  name: string;
  serviceId: number;
  parameterSetId: number | null;
  cron: string;
  timeZone: string;
  enabled: boolean;
  timeoutSeconds: number;
  maxAttempts: number;
  createdBy: number;
  apiKeyId: number | null;
  nextRunAt: Date;
}

export type ScheduleChanges = Partial<Omit<NewSchedule, 'name' | 'createdBy' | 'apiKeyId'>>;

/** A due schedule, locked by the transaction that enqueues its run. Times in ms since the epoch. */
export interface DueScheduleRow {
  id: number;
  cron: string;
  timeZone: string;
  timeoutSeconds: number;
  maxAttempts: number;
  dueMs: number;
  lastMs: number | null;
  nowMs: number;
}

export interface Advance {
  id: number;
  nextMs: number;
  /** The beat just enqueued (the next run's window starts there); null: the beat was skipped. */
  scheduledMs: number | null;
}

// The service and parameter set are named in every answer: a schedule is part of the registry,
// so these reads join its tables rather than asking name by name.
const COLUMNS = `sc.id, sc.name, sc.service_id AS "serviceId", s.name AS "serviceName", sc.parameter_set_id AS "parameterSetId",
  p.name AS "parameterSetName", sc.cron, sc.time_zone AS "timeZone", sc.enabled, sc.timeout_seconds AS "timeoutSeconds",
  sc.max_attempts AS "maxAttempts", sc.created_by AS "createdBy", sc.api_key_id AS "apiKeyId",
  mb_iso(sc.last_scheduled_at) AS "lastScheduledAt", mb_iso(sc.next_run_at) AS "nextRunAt",
  mb_iso(sc.created_at) AS "createdAt", mb_iso(sc.updated_at) AS "updatedAt"`;
const FROM = `service_schedule sc JOIN service s ON s.id = sc.service_id LEFT JOIN service_parameter_set p ON p.id = sc.parameter_set_id`;
const epochMs = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;

/** All SQL of the schedules (table service_schedule). */
export function schedulesRepository(q: Queryable) {
  return {
    async find(name: string): Promise<ScheduleRow | undefined> {
      return (await q.query<ScheduleRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE sc.name = $1`, [name]))[0];
    },

    async findById(id: number): Promise<ScheduleRow | undefined> {
      return (await q.query<ScheduleRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE sc.id = $1`, [id]))[0];
    },

    list(page: { afterId?: number; limit?: number; serviceName?: string | null }): Promise<ScheduleRow[]> {
      return q.query<ScheduleRow>(
        `SELECT ${COLUMNS} FROM ${FROM} WHERE sc.id > $1 AND ($3::text IS NULL OR s.name = $3) ORDER BY sc.id LIMIT $2`,
        [page.afterId ?? 0, page.limit ?? null, page.serviceName ?? null],
      );
    },

    /** Inserts unless the name is taken; returns the id or undefined. */
    async insert(s: NewSchedule): Promise<number | undefined> {
      const rows = await q.query<{ id: number }>(
        `INSERT INTO service_schedule (name, service_id, parameter_set_id, cron, time_zone, enabled, timeout_seconds,
           max_attempts, created_by, api_key_id, next_run_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::timestamptz)
         ON CONFLICT (name) DO NOTHING RETURNING id`,
        [
          s.name,
          s.serviceId,
          s.parameterSetId,
          s.cron,
          s.timeZone,
          s.enabled,
          s.timeoutSeconds,
          s.maxAttempts,
          s.createdBy,
          s.apiKeyId,
          s.nextRunAt.toISOString(),
        ],
      );
      return rows[0]?.id;
    },

    /** Applies the changes given (undefined: unchanged); returns the id, or undefined when there is no such schedule. */
    async update(name: string, c: ScheduleChanges): Promise<number | undefined> {
      const has = (v: unknown) => v !== undefined;
      const rows = await q.query<{ id: number }>(
        `UPDATE service_schedule SET
           service_id = CASE WHEN $2 THEN $3::integer ELSE service_id END,
           parameter_set_id = CASE WHEN $4 THEN $5::integer ELSE parameter_set_id END,
           cron = coalesce($6::text, cron), time_zone = coalesce($7::text, time_zone), enabled = coalesce($8::boolean, enabled),
           timeout_seconds = coalesce($9::integer, timeout_seconds), max_attempts = coalesce($10::integer, max_attempts),
           next_run_at = coalesce($11::timestamptz, next_run_at), updated_at = now()
         WHERE name = $1 RETURNING id`,
        [
          name,
          has(c.serviceId),
          c.serviceId ?? null,
          has(c.parameterSetId),
          c.parameterSetId ?? null,
          c.cron ?? null,
          c.timeZone ?? null,
          c.enabled ?? null,
          c.timeoutSeconds ?? null,
          c.maxAttempts ?? null,
          c.nextRunAt?.toISOString() ?? null,
        ],
      );
      return rows[0]?.id;
    },

    async remove(name: string): Promise<number | undefined> {
      return (await q.query<{ id: number }>(`DELETE FROM service_schedule WHERE name = $1 RETURNING id`, [name]))[0]?.id;
    },

    /**
     * Enabled schedules whose time has come, locked until the transaction ends; rows another
     * replica is enqueuing are skipped (it moves them on), and a row moved on meanwhile is
     * re-checked against the condition and left out.
     */
    lockDue(limit: number): Promise<DueScheduleRow[]> {
      return q.query<DueScheduleRow>(
        `SELECT id, cron, time_zone AS "timeZone", timeout_seconds AS "timeoutSeconds", max_attempts AS "maxAttempts",
                ${epochMs('next_run_at')} AS "dueMs", ${epochMs('last_scheduled_at')} AS "lastMs", ${epochMs('now()')} AS "nowMs"
           FROM service_schedule
          WHERE enabled AND next_run_at <= now()
          ORDER BY next_run_at
          LIMIT $1
          FOR UPDATE SKIP LOCKED`,
        [limit],
      );
    },

    /** Moves due schedules on to their next beat, all in one statement. */
    async advance(rows: readonly Advance[]): Promise<void> {
      if (rows.length === 0) return;
      await q.query(
        `UPDATE service_schedule sc SET next_run_at = to_timestamp(a.next / 1000),
                last_scheduled_at = CASE WHEN a.scheduled IS NULL THEN sc.last_scheduled_at ELSE to_timestamp(a.scheduled / 1000) END
           FROM unnest($1::int[], $2::float8[], $3::float8[]) AS a(id, next, scheduled)
          WHERE sc.id = a.id`,
        [rows.map((r) => r.id), rows.map((r) => r.nextMs), rows.map((r) => r.scheduledMs)],
      );
    },

    /** When the next enabled schedule falls due, and the database's now (ms since the epoch). */
    async nextDue(): Promise<{ nextMs: number | null; nowMs: number }> {
      const rows = await q.query<{ nextMs: number | null; nowMs: number }>(
        `SELECT ${epochMs('min(next_run_at)')} AS "nextMs", ${epochMs('now()')} AS "nowMs" FROM service_schedule WHERE enabled`,
      );
      return rows[0];
    },
  };
}

export type SchedulesRepository = ReturnType<typeof schedulesRepository>;
