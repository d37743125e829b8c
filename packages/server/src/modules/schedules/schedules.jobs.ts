import type { Database } from '../../db/database.ts';
import type { JobDefinition, JobSource, SourcedRun } from '../../jobs/job-runner.ts';
import type { ServicesService } from '../services/index.ts';
import { latestFireAtOrBefore, nextFireAfter, parseTiming } from './cron.ts';
import { schedulesRepository, type Advance } from './schedules.repository.ts';

/** The job each run of a service schedule is. */
export const SCHEDULE_RUN_JOB = 'schedules.run';

/** How many due schedules one transaction enqueues (the runner calls again while more are due). */
const DUE_PER_BATCH = 500;

/** A run of a schedule, as queued: the window is fixed when it is enqueued, so a retry sends the same. */
export interface ScheduleRunPayload {
  scheduleId: number;
  /** ISO-8601 UTC; null on a schedule's first run. */
  from: string | null;
  to: string;
  timeoutMs: number;
  /** Run now (API or CLI): it runs even if the schedule is disabled, and moves nothing. */
  manual?: boolean;
}

/** The key of a schedule's runs in `job.schedule` (one queued or running at a time). */
export const scheduleJobKey = (id: number) => `service_schedule:${id}`;

export interface SchedulesJobsDeps {
  db: Database;
  registry: Pick<ServicesService, 'runService'>;
  /** The wait before a failed run's second attempt, doubled for each further one. */
  backoffMs: number;
  log?: { warn(data: object, message: string): void };
}

/**
 * The schedules on the job runner: a source that enqueues each due beat once across replicas,
 * and the job that calls the service. A beat missed while no runner was up is run once, for the
 * latest missed beat, with a window from the last run's beat (nothing in between is lost).
 * While a run is queued or running (retrying, say), later beats are skipped, and the run after
 * them covers their window.
 */
export function schedulesJobs(deps: SchedulesJobsDeps): { definitions: JobDefinition[]; sources: JobSource[] } {
  const { db, registry } = deps;

  const source: JobSource = {
    job: SCHEDULE_RUN_JOB,
    async enqueueDue(tx, enqueue) {
      const repo = schedulesRepository(tx);
      const due = await repo.lockDue(DUE_PER_BATCH);
      const runs: SourcedRun[] = [];
      const planned: { id: number; toMs: number; nextMs: number }[] = [];
      const timings = new Map<string, ReturnType<typeof parseTiming>>();
      for (const row of due) {
        let toMs = row.dueMs;
        let nextMs: number;
        try {
          const key = `${row.timeZone} ${row.cron}`;
          const cron = timings.get(key) ?? parseTiming({ cron: row.cron, timeZone: row.timeZone });
          timings.set(key, cron);
          const now = new Date(row.nowMs);
          // Missed beats (downtime): one run, for the latest of them.
          toMs = Math.max(row.dueMs, latestFireAtOrBefore(cron, now)?.getTime() ?? row.dueMs);
          // A schedule that never fires again waits a year, enabled, rather than failing every pass.
          nextMs = nextFireAfter(cron, now)?.getTime() ?? row.nowMs + 365 * 86_400_000;
        } catch (error) {
          // Checked at creation; a time zone the runtime stopped knowing is tried again in an hour.
          deps.log?.warn({ err: error, schedule: row.id }, 'schedule timing could not be read; its run is skipped');
          await repo.advance([{ id: row.id, nextMs: row.nowMs + 3_600_000, scheduledMs: null }]);
          continue;
        }
        const payload: ScheduleRunPayload = {
          scheduleId: row.id,
          from: row.lastMs === null ? null : new Date(row.lastMs).toISOString(),
          to: new Date(toMs).toISOString(),
          timeoutMs: row.timeoutSeconds * 1000,
        };
        runs.push({ schedule: scheduleJobKey(row.id), payload, runAtMs: toMs, maxAttempts: row.maxAttempts });
        planned.push({ id: row.id, toMs, nextMs });
      }
      const enqueued = await enqueue(runs);
      const moves: Advance[] = planned.map((p) => ({
        id: p.id,
        nextMs: p.nextMs,
        scheduledMs: enqueued.has(scheduleJobKey(p.id)) ? p.toMs : null,
      }));
      await repo.advance(moves);
      const { nextMs, nowMs } = await repo.nextDue();
      return { more: due.length === DUE_PER_BATCH, nextDueMs: nextMs, nowMs };
    },
  };

  const run: JobDefinition = {
    name: SCHEDULE_RUN_JOB,
    timeoutMs: (payload) => (payload as ScheduleRunPayload).timeoutMs,
    backoffMs: deps.backoffMs,
    async run(payload, ctx) {
      const p = payload as ScheduleRunPayload;
      const schedule = await schedulesRepository(db).findById(p.scheduleId);
      if (!schedule) return { skipped: 'the schedule was deleted' };
      if (!schedule.enabled && !p.manual) return { skipped: 'the schedule is disabled' };
      // Thrown (unreachable, refused): the run is logged already; the attempt fails and is retried.
      const outcome = await registry.runService({
        serviceName: schedule.serviceName,
        parameterSetName: schedule.parameterSetName,
        actor: { userId: schedule.createdBy, apiKeyId: schedule.apiKeyId },
        window: { from: p.from === null ? null : new Date(p.from), to: new Date(p.to) },
        trigger: 'schedule',
        scheduleId: schedule.id,
        signal: ctx.signal,
      });
      if (!outcome.ok) throw new Error(`service run ${outcome.runId} failed: ${outcome.error ?? 'no reason given'}`);
      return { runId: outcome.runId };
    },
  };

  return { definitions: [run], sources: [source] };
}
