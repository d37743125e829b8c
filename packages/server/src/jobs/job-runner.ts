import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Database, Queryable, Transaction } from '../db/database.ts';
import type { Events } from '../events/events.ts';
import type { MetricsRecorder } from '../observability/metrics-recorder.ts';
import { jobsRepository, type JobRun, type JobStatus, type ScheduleRow } from './jobs.repository.ts';
import { nextRunMs } from './schedules.ts';

export type { JobRun, JobStatus, ScheduleRow };

/** What a job's handler is given besides its payload. */
export interface JobContext {
  id: number;
  /** 1 for the first attempt. */
  attempt: number;
  /** When the job was due (ISO-8601 UTC): for a recurring job, the beat it runs for. */
  runAt: string;
  /**
   * Aborted when the job times out, when its lease was lost, or when the process stops past
   * its deadline. Long handlers check it between steps; the runner records the attempt as
   * failed either way, but only a handler that stops really stops working.
   */
  signal: AbortSignal;
}

/** A kind of job, defined in code. Handlers must be idempotent: a job whose runner died is run again. */
export interface JobDefinition {
  name: string;
  /** Its result (JSON) is kept in the run history. */
  run: (payload: unknown, ctx: JobContext) => Promise<unknown>;
  /** Default 15 minutes; a function of the payload gives each job its own (a service schedule's timeout). */
  timeoutMs?: number | ((payload: unknown) => number);
  /** Default 3. */
  maxAttempts?: number;
  /** The wait before the second attempt, doubled for each further one (at most an hour). Default 30 s. */
  backoffMs?: number;
}

/** A job enqueued every `everyMs`, defined in code. */
export interface RecurringJob {
  /** The schedule's name (unique); usually the job's. */
  name: string;
  job: string;
  everyMs: number;
  payload?: unknown;
}

/** A run that a JobSource enqueues: `schedule` keeps one queued or running run per schedule. */
export interface SourcedRun {
  schedule: string;
  payload: unknown;
  /** When it is due (ms since the epoch): the beat it runs for. */
  runAtMs: number;
  maxAttempts: number;
}

/**
 * Recurring runs whose timing is kept outside the runner (the cron schedules of services).
 * Every pass, inside one transaction, the source locks its due rows (FOR UPDATE SKIP LOCKED),
 * enqueues their runs through `enqueue` and moves them on, so each beat is enqueued by one
 * replica. It says when its next beat falls due, so that the runner wakes for it.
 */
export interface JobSource {
  /** The job its runs are (defined among the runner's definitions). */
  job: string;
  enqueueDue(
    tx: Transaction,
    enqueue: (runs: readonly SourcedRun[]) => Promise<Set<string>>,
  ): Promise<{
    /** More are due than one call enqueues: the runner calls again. */
    more: boolean;
    /** The next beat (ms since the epoch, database time) and the database's now; null when none is planned. */
    nextDueMs: number | null;
    nowMs: number;
  }>;
}

export interface JobLog {
  info(data: object, message: string): void;
  warn(data: object, message: string): void;
  error(data: object, message: string): void;
}

export interface JobRunnerOptions {
  db: Database;
  events: Events;
  definitions: readonly JobDefinition[];
  recurring?: readonly RecurringJob[];
  sources?: readonly JobSource[];
  /** How many jobs this process runs at once (claimed in batches). Default 1. */
  concurrency?: number;
  /** How often this process looks for due jobs; 0: it runs none (it can still enqueue). */
  pollMs: number;
  /** How long a claim lasts without renewal: a dead runner's job is taken over after this. Default 60 s. */
  leaseMs?: number;
  /** Finished runs older than this are pruned (by a job, hourly). Default 30. */
  historyDays?: number;
  log?: JobLog;
  /** Where each handler run is counted (metrics), with its outcome and duration. */
  metrics?: Pick<MetricsRecorder, 'jobRun'>;
  /** Names this runner in `locked_by`; host and pid by default. */
  workerId?: string;
}

const DEFAULT_TIMEOUT_MS = 15 * 60_000;
const DEFAULT_MAX_ATTEMPTS = 3;
const DEFAULT_BACKOFF_MS = 30_000;
const MAX_BACKOFF_MS = 3_600_000;
const DEFAULT_LEASE_MS = 60_000;
const SCHEDULES_PER_PASS = 50;
const MAX_ERROR_LENGTH = 2000;
export const PRUNE_JOB = 'jobs.prune';

const silent: JobLog = { info: () => {}, warn: () => {}, error: () => {} };

class JobInterrupted extends Error {
  constructor(
    message: string,
    readonly retryDelayMs: number | undefined,
  ) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text;
}

function resultJson(result: unknown): string {
  try {
    return JSON.stringify(result ?? null) ?? 'null';
  } catch {
    return JSON.stringify({ unserialisable: String(result) });
  }
}

/** The wait before attempt `attempt + 1`. */
export const backoffDelay = (backoffMs: number, attempt: number) => Math.min(backoffMs * 2 ** (attempt - 1), MAX_BACKOFF_MS);

/**
 * The job runner: jobs in the `job` table, claimed with FOR UPDATE SKIP LOCKED, so every due
 * job runs on one replica however many poll (see migration 0004).
 *
 * Each process polls every `pollMs` (and at once when the events port says a job was
 * enqueued, or when a job source's next beat falls due): it enqueues the runs of due schedules
 * and sources, then claims due jobs in batches, up to `concurrency` running at once. A claim is a lease that the runner renews while the handler works;
 * a runner that dies stops renewing it, and another takes the job over once it has expired.
 * A failed attempt is retried after a doubling backoff until `maxAttempts`; a handler that
 * outlasts its timeout is aborted and counts as failed. Every claim carries a token of its own,
 * so a runner that lost its lease can no longer record anything for the job.
 */
export function createJobRunner(options: JobRunnerOptions) {
  const { db, events } = options;
  const log = options.log ?? silent;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const historyDays = options.historyDays ?? 30;
  const workerId = options.workerId ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  const definitions = new Map<string, JobDefinition>();
  const prune: JobDefinition = {
    name: PRUNE_JOB,
    run: async () => ({ deleted: await jobsRepository(db).prune(historyDays) }),
  };
  for (const definition of [...options.definitions, prune]) {
    if (definitions.has(definition.name)) throw new Error(`job ${definition.name} is defined twice`);
    definitions.set(definition.name, definition);
  }
  const recurring = [...(options.recurring ?? []), { name: PRUNE_JOB, job: PRUNE_JOB, everyMs: 3_600_000 }];
  for (const r of recurring) {
    if (!definitions.has(r.job)) throw new Error(`schedule ${r.name} names an undefined job ${r.job}`);
  }
  const sources = options.sources ?? [];
  for (const source of sources) {
    if (!definitions.has(source.job)) throw new Error(`a job source names an undefined job ${source.job}`);
  }
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const names = [...definitions.keys()];
  const maxAttemptsOf = (name: string) => definitions.get(name)?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;

  let started = false;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;
  let pass: Promise<number> | undefined;
  let again = false;
  const running = new Map<number, { controller: AbortController; done: Promise<void> }>();
  /** When the next beat of a source falls due, in this process's clock (ms). */
  let nextSourceDueAt: number | null = null;

  async function registerSchedules(): Promise<void> {
    const repo = jobsRepository(db);
    for (const r of recurring) {
      await repo.upsertSchedule({ name: r.name, job: r.job, payloadJson: resultJson(r.payload), everyMs: r.everyMs });
    }
  }

  /** Enqueues the runs of due schedules, each once across replicas; returns how many. */
  async function enqueueDueSchedules(): Promise<number> {
    return db.transaction(async (tx) => {
      const repo = jobsRepository(tx);
      let enqueued = 0;
      for (const due of await repo.dueSchedules(names, SCHEDULES_PER_PASS)) {
        const next = nextRunMs(due, due.dueMs, due.nowMs);
        if (next === undefined) {
          log.warn({ schedule: due.name }, 'schedule has no timing this version understands; skipped');
          continue;
        }
        const id = await repo.enqueueScheduled(due, maxAttemptsOf(due.job));
        await repo.advanceSchedule(due.name, next, id !== undefined);
        if (id !== undefined) enqueued++;
        else log.warn({ schedule: due.name }, 'the previous run of this schedule has not finished; a beat is skipped');
      }
      return enqueued;
    });
  }

  /** Enqueues the due runs of every source; remembers when the next falls due. */
  async function enqueueFromSources(): Promise<void> {
    let soonest: number | null = null;
    for (const source of sources) {
      for (;;) {
        const { more, nextDueMs, nowMs } = await db.transaction((tx) =>
          source.enqueueDue(tx, (runs) =>
            jobsRepository(tx).enqueueForSchedules(
              source.job,
              runs.map((r) => ({
                schedule: r.schedule,
                payloadJson: resultJson(r.payload),
                runAtMs: r.runAtMs,
                maxAttempts: r.maxAttempts,
              })),
            ),
          ),
        );
        if (more && !stopping) continue;
        // The database's clock decides what is due; this process only waits the difference.
        if (nextDueMs !== null) {
          const at = Date.now() + Math.max(0, nextDueMs - nowMs);
          soonest = soonest === null ? at : Math.min(soonest, at);
        }
        break;
      }
    }
    nextSourceDueAt = soonest;
  }

  async function execute(job: JobRun, controller: AbortController): Promise<void> {
    const definition = definitions.get(job.name)!;
    const repo = jobsRepository(db);
    const timeoutMs =
      typeof definition.timeoutMs === 'function' ? definition.timeoutMs(job.payload) : (definition.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    let leaseEnds = Date.now() + leaseMs;
    const timeout = setTimeout(() => controller.abort(new JobInterrupted(`timed out after ${timeoutMs} ms`, undefined)), timeoutMs);
    const renew = setInterval(
      () => {
        void (async () => {
          try {
            if (await repo.heartbeat(job.id, job.lockedBy!, leaseMs)) {
              leaseEnds = Date.now() + leaseMs;
              return;
            }
            controller.abort(new JobInterrupted('lost its lease to another runner', undefined));
          } catch (error) {
            // The database may be back before the lease ends; past it, another runner may have the job.
            if (Date.now() > leaseEnds) controller.abort(new JobInterrupted('could not renew its lease', undefined));
            else log.warn({ err: error, job: job.id }, 'job lease renewal failed');
          }
        })();
      },
      Math.max(50, Math.floor(leaseMs / 3)),
    );
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
    });
    const started = Date.now();
    let outcome: { ok: true; result: unknown } | { ok: false; error: unknown };
    try {
      const running = Promise.resolve().then(() =>
        definition.run(job.payload, { id: job.id, attempt: job.attempts, runAt: job.runAt, signal: controller.signal }),
      );
      running.catch(() => {}); // settles after an abort too; its outcome is no longer wanted
      outcome = { ok: true, result: await Promise.race([running, aborted]) };
    } catch (error) {
      outcome = { ok: false, error };
    } finally {
      clearTimeout(timeout);
      clearInterval(renew);
    }
    options.metrics?.jobRun(job.name, outcome.ok ? 'succeeded' : 'failed', (Date.now() - started) / 1000);
    const data = { job: job.id, name: job.name, attempt: job.attempts, ms: Date.now() - started };
    try {
      if (outcome.ok) {
        if (await repo.succeed(job.id, job.lockedBy!, resultJson(outcome.result))) log.info(data, 'job succeeded');
        else log.warn(data, 'job finished after another runner took it over; its result is dropped');
        return;
      }
      const { error } = outcome;
      const delay =
        error instanceof JobInterrupted && error.retryDelayMs !== undefined
          ? error.retryDelayMs
          : backoffDelay(definition.backoffMs ?? DEFAULT_BACKOFF_MS, job.attempts);
      const status = await repo.fail(job.id, job.lockedBy!, errorText(error), delay);
      if (status === undefined) log.warn(data, 'job failed after another runner took it over');
      else
        log[status === 'failed' ? 'error' : 'warn'](
          { ...data, err: error, retryInMs: status === 'queued' ? delay : undefined },
          status === 'failed' ? 'job failed' : 'job attempt failed',
        );
    } catch (error) {
      // Unrecorded, the job stays running until its lease expires; then it is taken over.
      log.error({ ...data, err: error }, 'could not record the outcome of a job');
    }
  }

  function start(job: JobRun) {
    const controller = new AbortController();
    const done = execute(job, controller).finally(() => {
      running.delete(job.id);
      // A free slot: claim more at once (schedules wait for the next tick; they have their own wake-up).
      if (started && !stopping) void fill(false).catch((error) => log.error({ err: error }, 'job runner pass failed'));
    });
    running.set(job.id, { controller, done });
  }

  /**
   * One pass: due schedules, abandoned jobs, then claims (in batches) as many due jobs as
   * there are free slots and starts them; it does not wait for them. A job that ends wakes
   * the runner for the next pass.
   */
  async function onePass(withSchedules: boolean): Promise<number> {
    let started = 0;
    do {
      again = false;
      if (withSchedules) {
        await enqueueDueSchedules();
        await enqueueFromSources();
      }
      const abandoned = await jobsRepository(db).failAbandoned(names);
      if (abandoned) log.error({ count: abandoned }, 'jobs failed: their runners stopped and no attempts were left');
      while (!stopping && running.size < concurrency) {
        const jobs = await jobsRepository(db).claimMany(names, `${workerId}/${randomUUID()}`, leaseMs, concurrency - running.size);
        for (const job of jobs) start(job);
        started += jobs.length;
        if (jobs.length === 0) break;
      }
    } while (again && !stopping);
    return started;
  }

  function fill(withSchedules = true): Promise<number> {
    if (pass) {
      again = true;
      return pass;
    }
    pass = onePass(withSchedules).finally(() => {
      pass = undefined;
    });
    return pass;
  }

  /**
   * Enqueues the due runs of schedules, then runs every due job and waits for them (and for
   * jobs due meanwhile, but not for later beats of schedules); returns how many ran.
   */
  async function runDue(): Promise<number> {
    let ran = 0;
    for (let first = true; ; first = false) {
      const started = await fill(first);
      await Promise.all([...running.values()].map((r) => r.done));
      ran += started;
      if (started === 0 || stopping) return ran;
    }
  }

  function scheduleTick(delayMs: number) {
    if (!started || stopping) return;
    clearTimeout(timer);
    timer = setTimeout(() => void tick(), delayMs);
    timer.unref();
  }

  async function tick() {
    timer = undefined;
    try {
      await fill();
    } catch (error) {
      log.error({ err: error }, 'job runner pass failed');
    }
    // Poll, or sooner when a source's next beat falls due before that.
    const untilDue = nextSourceDueAt === null ? Infinity : Math.max(0, nextSourceDueAt - Date.now());
    scheduleTick(Math.min(options.pollMs, untilDue));
  }

  function wake() {
    if (!started || stopping) return;
    if (pass) again = true;
    else scheduleTick(0);
  }

  return {
    workerId,
    /** Writes the schedules defined in code to the database (start does it). */
    registerSchedules,

    /** Registers the schedules defined in code and starts polling (unless pollMs is 0). */
    async start(): Promise<void> {
      if (started || options.pollMs <= 0) return;
      await registerSchedules();
      started = true;
      unsubscribe = events.subscribe((event) => {
        if (event.type === 'jobs.enqueued' || event.type === 'resync') wake();
      });
      scheduleTick(0);
    },

    /**
     * Stops polling and waits up to `deadlineMs` for the job that is running; past it, the job
     * is aborted and queued again at once (the attempt counts), so another replica can take it
     * without waiting for the lease to expire.
     */
    async stop(deadlineMs = 10_000): Promise<void> {
      stopping = true;
      clearTimeout(timer);
      unsubscribe?.();
      await pass?.catch(() => {});
      const jobs = [...running.values()];
      const finished = await Promise.race([Promise.all(jobs.map((j) => j.done)).then(() => true), sleep(deadlineMs).then(() => false)]);
      if (!finished) {
        for (const job of running.values()) job.controller.abort(new JobInterrupted('interrupted: its process stopped', 0));
        await Promise.all(jobs.map((j) => j.done));
      }
    },

    runDue,
    wake,

    /**
     * Enqueues a job, with `tx` as part of that transaction (it is then enqueued if and when
     * it commits); every runner is woken through the events port.
     */
    async enqueue(
      name: string,
      payload: unknown = null,
      opts: { delayMs?: number; maxAttempts?: number; tx?: Transaction | Queryable } = {},
    ): Promise<number> {
      if (!definitions.has(name)) throw new Error(`no job is defined as ${name}`);
      const q = opts.tx ?? db;
      const id = await jobsRepository(q).enqueue({
        name,
        payloadJson: resultJson(payload),
        delayMs: opts.delayMs ?? 0,
        maxAttempts: opts.maxAttempts ?? maxAttemptsOf(name),
      });
      await events.publish(q, [{ type: 'jobs.enqueued', name }]);
      return id;
    },

    /** The run history (and what is queued or running), newest first. */
    history: (filter: { name?: string; status?: JobStatus; limit?: number; beforeId?: number } = {}): Promise<JobRun[]> =>
      jobsRepository(db).list({ ...filter, limit: Math.min(Math.max(filter.limit ?? 50, 1), 1000) }),

    get: (id: number): Promise<JobRun | undefined> => jobsRepository(db).get(id),

    schedules: (): Promise<ScheduleRow[]> => jobsRepository(db).listSchedules(),
  };
}

export type JobRunner = ReturnType<typeof createJobRunner>;
