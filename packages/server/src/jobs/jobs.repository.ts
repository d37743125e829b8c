import type { Queryable } from '../db/database.ts';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

/** One job: a queued or running one, or a finished run of the history. Instants are ISO-8601 UTC. */
export interface JobRun {
  id: number;
  name: string;
  payload: unknown;
  status: JobStatus;
  /** The schedule that enqueued it, if any. */
  schedule: string | null;
  attempts: number;
  maxAttempts: number;
  runAt: string;
  lockedBy: string | null;
  lockedUntil: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  lastError: string | null;
  result: unknown;
  createdAt: string;
}

export interface ScheduleRow {
  name: string;
  job: string;
  payload: unknown;
  everyMs: number | null;
  source: 'code' | 'database';
  nextRunAt: string;
  lastEnqueuedAt: string | null;
}

/** A due schedule, locked by the transaction that enqueues its run. */
export interface DueSchedule {
  name: string;
  job: string;
  payloadJson: string;
  everyMs: number | null;
  /** When the run was due and the database's now, in milliseconds since the epoch. */
  dueMs: number;
  nowMs: number;
}

// `job.id`: the claim's UPDATE ... FROM has an `id` of its own.
const JOB_COLUMNS = `job.id, name, payload, status, schedule, attempts, max_attempts AS "maxAttempts",
  mb_iso(run_at) AS "runAt", locked_by AS "lockedBy", mb_iso(locked_until) AS "lockedUntil",
  mb_iso(started_at) AS "startedAt", mb_iso(finished_at) AS "finishedAt", last_error AS "lastError",
  result, mb_iso(created_at) AS "createdAt"`;

const SCHEDULE_COLUMNS = `name, job, payload, every_ms AS "everyMs", source, mb_iso(next_run_at) AS "nextRunAt",
  mb_iso(last_enqueued_at) AS "lastEnqueuedAt"`;

const ms = (param: string) => `(${param}::float8 * interval '1 millisecond')`;

/** Every statement of the job runner. Times are the database's (now()), the same for every replica. */
export function jobsRepository(q: Queryable) {
  return {
    async enqueue(job: { name: string; payloadJson: string; delayMs: number; maxAttempts: number }): Promise<number> {
      const rows = await q.query<{ id: number }>(
        `INSERT INTO job (name, payload, max_attempts, run_at) VALUES ($1, $2::text::jsonb, $3, now() + ${ms('$4')}) RETURNING id`,
        [job.name, job.payloadJson, job.maxAttempts, job.delayMs],
      );
      return rows[0].id;
    },

    /**
     * Claims up to `limit` due jobs among `names`, oldest first: queued ones whose time has come,
     * or running ones whose lease expired (their runner died) with attempts left. FOR UPDATE SKIP
     * LOCKED makes concurrent claims take different rows; a row claimed meanwhile is re-checked
     * against the condition on its new version and left out, so one job is claimed by one
     * runner. Each gets a token of its own: `lockedBy` then the job's id.
     */
    claimMany(names: readonly string[], lockedBy: string, leaseMs: number, limit: number): Promise<JobRun[]> {
      return q.query<JobRun>(
        `WITH next AS (
           SELECT id FROM job
            WHERE name = ANY($1::text[])
              AND ((status = 'queued' AND run_at <= now())
                OR (status = 'running' AND locked_until < now() AND attempts < max_attempts))
            ORDER BY run_at, id
            LIMIT $4
            FOR UPDATE SKIP LOCKED
         )
         UPDATE job SET
           status = 'running', attempts = job.attempts + 1, locked_by = $2 || '/' || job.id,
           locked_until = now() + ${ms('$3')}, heartbeat_at = now(), started_at = now(), updated_at = now(),
           last_error = CASE WHEN job.status = 'running'
             THEN 'taken over: the runner of attempt ' || job.attempts || ' stopped renewing its lease'
             ELSE job.last_error END
         FROM next WHERE job.id = next.id
         RETURNING ${JOB_COLUMNS}`,
        [names, lockedBy, leaseMs, limit],
      );
    },

    /**
     * Runs of schedules kept outside this module (a JobSource), in one statement; a schedule
     * whose previous run is still queued or running gets none. Returns the schedules enqueued.
     */
    async enqueueForSchedules(
      name: string,
      runs: readonly { schedule: string; payloadJson: string; runAtMs: number; maxAttempts: number }[],
    ): Promise<Set<string>> {
      if (runs.length === 0) return new Set();
      const rows = await q.query<{ schedule: string }>(
        `INSERT INTO job (name, payload, schedule, max_attempts, run_at)
         SELECT $1, p::jsonb, s, m, to_timestamp(t / 1000)
           FROM unnest($2::text[], $3::text[], $4::int[], $5::float8[]) AS r(s, p, m, t)
         ON CONFLICT (schedule) WHERE status IN ('queued', 'running') DO NOTHING
         RETURNING schedule`,
        [name, runs.map((r) => r.schedule), runs.map((r) => r.payloadJson), runs.map((r) => r.maxAttempts), runs.map((r) => r.runAtMs)],
      );
      return new Set(rows.map((r) => r.schedule));
    },

    /** Running jobs whose lease expired with no attempt left fail for good; returns how many. */
    async failAbandoned(names: readonly string[]): Promise<number> {
      const rows = await q.query<{ id: number }>(
        `UPDATE job SET status = 'failed', finished_at = now(), updated_at = now(), locked_by = NULL, locked_until = NULL,
                last_error = 'the runner of attempt ' || attempts || ' stopped renewing its lease, and no attempts are left'
          WHERE name = ANY($1::text[]) AND status = 'running' AND locked_until < now() AND attempts >= max_attempts
          RETURNING id`,
        [names],
      );
      return rows.length;
    },

    /** Renews the lease of a job this claim still holds; false when it does not any more. */
    async heartbeat(id: number, lockedBy: string, leaseMs: number): Promise<boolean> {
      const rows = await q.query(
        `UPDATE job SET locked_until = now() + ${ms('$3')}, heartbeat_at = now()
          WHERE id = $1 AND locked_by = $2 AND status = 'running' RETURNING id`,
        [id, lockedBy, leaseMs],
      );
      return rows.length === 1;
    },

    async succeed(id: number, lockedBy: string, resultJson: string): Promise<boolean> {
      const rows = await q.query(
        `UPDATE job SET status = 'succeeded', result = $3::text::jsonb, finished_at = now(), updated_at = now(),
                locked_by = NULL, locked_until = NULL
          WHERE id = $1 AND locked_by = $2 AND status = 'running' RETURNING id`,
        [id, lockedBy, resultJson],
      );
      return rows.length === 1;
    },

    /**
     * Records a failed attempt: queued again after `retryDelayMs` when attempts are left,
     * failed for good otherwise. Undefined when this claim does not hold the job any more.
     */
    async fail(id: number, lockedBy: string, error: string, retryDelayMs: number): Promise<JobStatus | undefined> {
      const rows = await q.query<{ status: JobStatus }>(
        `UPDATE job SET
           status = CASE WHEN attempts < max_attempts THEN 'queued' ELSE 'failed' END,
           run_at = CASE WHEN attempts < max_attempts THEN now() + ${ms('$4')} ELSE run_at END,
           finished_at = CASE WHEN attempts < max_attempts THEN NULL ELSE now() END,
           last_error = $3, updated_at = now(), locked_by = NULL, locked_until = NULL
          WHERE id = $1 AND locked_by = $2 AND status = 'running' RETURNING status`,
        [id, lockedBy, error, retryDelayMs],
      );
      return rows[0]?.status;
    },

    /** Deletes finished runs older than `days`; returns how many. */
    async prune(days: number): Promise<number> {
      const rows = await q.query<{ n: number }>(
        `WITH gone AS (
           DELETE FROM job WHERE status IN ('succeeded', 'failed') AND finished_at < now() - make_interval(days => $1)
           RETURNING 1)
         SELECT count(*)::int AS n FROM gone`,
        [days],
      );
      return rows[0].n;
    },

    /** Newest first; `beforeId` pages on. */
    list(filter: { name?: string; status?: JobStatus; limit: number; beforeId?: number }): Promise<JobRun[]> {
      return q.query<JobRun>(
        `SELECT ${JOB_COLUMNS} FROM job
          WHERE ($1::text IS NULL OR name = $1) AND ($2::text IS NULL OR status = $2) AND ($3::int8 IS NULL OR id < $3)
          ORDER BY id DESC LIMIT $4`,
        [filter.name ?? null, filter.status ?? null, filter.beforeId ?? null, filter.limit],
      );
    },

    async get(id: number): Promise<JobRun | undefined> {
      return (await q.query<JobRun>(`SELECT ${JOB_COLUMNS} FROM job WHERE id = $1`, [id]))[0];
    },

    /**
     * A schedule defined in code: created due now, or updated to what the code says (a changed
     * interval takes effect at once if that makes the next run sooner).
     */
    async upsertSchedule(s: { name: string; job: string; payloadJson: string; everyMs: number }): Promise<void> {
      await q.query(
        `INSERT INTO job_schedule (name, job, payload, every_ms, source, next_run_at)
         VALUES ($1, $2, $3::text::jsonb, $4, 'code', now())
         ON CONFLICT (name) DO UPDATE SET
           job = excluded.job, payload = excluded.payload, every_ms = excluded.every_ms, updated_at = now(),
           next_run_at = least(job_schedule.next_run_at, now() + ${ms('excluded.every_ms')})`,
        [s.name, s.job, s.payloadJson, s.everyMs],
      );
    },

    /**
     * Due schedules of known jobs, locked until the transaction ends; those another runner is
     * enqueuing right now are skipped (it moves them on), and a row moved on meanwhile is
     * re-checked and left out.
     */
    dueSchedules(jobs: readonly string[], limit: number): Promise<DueSchedule[]> {
      return q.query<DueSchedule>(
        `SELECT name, job, payload::text AS "payloadJson", every_ms AS "everyMs",
                extract(epoch FROM next_run_at)::float8 * 1000 AS "dueMs", extract(epoch FROM now())::float8 * 1000 AS "nowMs"
           FROM job_schedule
          WHERE next_run_at <= now() AND job = ANY($1::text[])
          ORDER BY next_run_at
          LIMIT $2
          FOR UPDATE SKIP LOCKED`,
        [jobs, limit],
      );
    },

    /** The run of a schedule, unless one is still queued or running; returns its id. */
    async enqueueScheduled(s: DueSchedule, maxAttempts: number): Promise<number | undefined> {
      const rows = await q.query<{ id: number }>(
        `INSERT INTO job (name, payload, schedule, max_attempts, run_at)
         VALUES ($1, $2::text::jsonb, $3, $4, to_timestamp($5::float8 / 1000))
         ON CONFLICT (schedule) WHERE status IN ('queued', 'running') DO NOTHING
         RETURNING id`,
        [s.job, s.payloadJson, s.name, maxAttempts, s.dueMs],
      );
      return rows[0]?.id;
    },

    async advanceSchedule(name: string, nextMs: number, enqueued: boolean): Promise<void> {
      await q.query(
        `UPDATE job_schedule SET next_run_at = to_timestamp($2::float8 / 1000), updated_at = now(),
                last_enqueued_at = CASE WHEN $3 THEN now() ELSE last_enqueued_at END
          WHERE name = $1`,
        [name, nextMs, enqueued],
      );
    },

    listSchedules(): Promise<ScheduleRow[]> {
      return q.query<ScheduleRow>(`SELECT ${SCHEDULE_COLUMNS} FROM job_schedule ORDER BY name`);
    },
  };
}

export type JobsRepository = ReturnType<typeof jobsRepository>;
