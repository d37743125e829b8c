-- The job runner (src/jobs/): a queue on PostgreSQL that is also the history of every run.
-- Hand-written, like 0002: these tables are the runner's alone and not in the Drizzle schema.
--
-- A job is claimed with FOR UPDATE SKIP LOCKED and marked running with a lease
-- (locked_until) that its runner renews while it works: a job whose runner died is claimed
-- again once the lease has expired. Finished jobs (succeeded, failed) stay as the run history
-- until the prune job removes them.
CREATE TABLE job (
  id bigserial PRIMARY KEY,
  -- The handler, defined in code (e.g. 'readings.retention').
  name text NOT NULL,
  payload jsonb NOT NULL DEFAULT 'null',
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  -- The job_schedule that enqueued it, if any.
  schedule text,
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL DEFAULT 3 CHECK (max_attempts > 0),
  -- When it is due (again, after a failed attempt: the backoff).
  run_at timestamptz NOT NULL DEFAULT now(),
  -- The claim: the runner's id and a token of this attempt, so that a runner whose lease was
  -- taken over can no longer change the row.
  locked_by text,
  locked_until timestamptz,
  heartbeat_at timestamptz,
  started_at timestamptz,
  finished_at timestamptz,
  last_error text,
  result jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
--> statement-breakpoint
CREATE INDEX job_due ON job (run_at, id) WHERE status = 'queued';
--> statement-breakpoint
CREATE INDEX job_lease ON job (locked_until) WHERE status = 'running';
--> statement-breakpoint
CREATE INDEX job_finished ON job (finished_at) WHERE status IN ('succeeded', 'failed');
--> statement-breakpoint
CREATE INDEX job_history ON job (name, id DESC);
--> statement-breakpoint
-- At most one run of a schedule waits or runs at a time: a run that outlasts its interval
-- makes the schedule skip a beat instead of piling up runs.
CREATE UNIQUE INDEX job_schedule_active ON job (schedule) WHERE status IN ('queued', 'running');
--> statement-breakpoint
-- Recurring jobs. Those defined in code (source 'code') are upserted by every runner at start;
-- a later kind (cron expressions stored by users, source 'database') enqueues onto the same
-- runner the same way. A runner enqueues a due schedule's run and moves next_run_at on in one
-- transaction, holding the schedule's row lock (FOR UPDATE SKIP LOCKED), so each run is
-- enqueued once however many replicas poll.
CREATE TABLE job_schedule (
  name text PRIMARY KEY,
  job text NOT NULL,
  payload jsonb NOT NULL DEFAULT 'null',
  every_ms bigint CHECK (every_ms > 0),
  source text NOT NULL DEFAULT 'code' CHECK (source IN ('code', 'database')),
  next_run_at timestamptz NOT NULL,
  last_enqueued_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
--> statement-breakpoint
CREATE INDEX job_schedule_due ON job_schedule (next_run_at);
