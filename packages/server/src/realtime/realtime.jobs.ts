import type { Database } from '../db/database.ts';
import type { JobDefinition, RecurringJob } from '../jobs/job-runner.ts';
import { streamLogRepository } from './stream-log.repository.ts';

export const STREAM_PRUNE_JOB = 'realtime.prune';
const PRUNE_BATCH = 50_000;

/**
 * The stream log keeps MIRRORBASE_STREAM_HISTORY_MINUTES of events (how far back a client can
 * resume); this job, on one replica, drops older ones every few minutes, in batches so no
 * delete holds its locks for long.
 */
export function realtimeJobs(deps: { db: Database; clock: () => Date; historyMinutes: number }): {
  definitions: JobDefinition[];
  recurring: RecurringJob[];
} {
  const repo = streamLogRepository(deps.db);
  const definitions: JobDefinition[] = [
    {
      name: STREAM_PRUNE_JOB,
      timeoutMs: 30 * 60_000,
      backoffMs: 30_000,
      run: async (_payload, ctx) => {
        const before = new Date(deps.clock().getTime() - deps.historyMinutes * 60_000).toISOString();
        while (!ctx.signal.aborted && (await repo.prune(before, PRUNE_BATCH)) === PRUNE_BATCH) {
          // Another batch: the log was longer than one.
        }
      },
    },
  ];
  const everyMs = Math.min(5, deps.historyMinutes) * 60_000;
  return { definitions, recurring: [{ name: STREAM_PRUNE_JOB, job: STREAM_PRUNE_JOB, everyMs }] };
}
