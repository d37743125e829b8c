import type { JobDefinition, RecurringJob } from '../../jobs/job-runner.ts';
import type { PartitionsService } from './partitions/partitions.service.ts';
import type { RetentionService } from './retention/retention.service.ts';

export const RETENTION_JOB = 'readings.retention';
export const PARTITIONS_JOB = 'readings.partitions';
/** The partition upkeep keeps the current month and this many after it ready. */
export const PARTITIONS_AHEAD_MONTHS = 2;
const HOUR_MS = 3_600_000;

/**
 * The readings module's recurring jobs, run by the job runner on one replica at a time:
 * retention (every `retentionEveryMs`; 0 = only when enqueued or run from the CLI) and the
 * partition upkeep (hourly, so the months ahead are ready long before a reading needs them).
 */
export function readingsJobs(deps: {
  retention: RetentionService;
  partitions: PartitionsService;
  clock: () => Date;
  retentionEveryMs: number;
}): { definitions: JobDefinition[]; recurring: RecurringJob[] } {
  const definitions: JobDefinition[] = [
    {
      name: RETENTION_JOB,
      // Row deletes go in batches, each a transaction of its own; the handler checks the signal between them.
      timeoutMs: 6 * HOUR_MS,
      backoffMs: 60_000,
      run: (_payload, ctx) => deps.retention.apply(deps.clock(), ctx.signal),
    },
    {
      name: PARTITIONS_JOB,
      timeoutMs: 5 * 60_000,
      backoffMs: 10_000,
      maxAttempts: 5,
      run: () => deps.partitions.prepareAhead(deps.clock(), PARTITIONS_AHEAD_MONTHS),
    },
  ];
  const recurring: RecurringJob[] = [{ name: PARTITIONS_JOB, job: PARTITIONS_JOB, everyMs: HOUR_MS }];
  if (deps.retentionEveryMs > 0) recurring.push({ name: RETENTION_JOB, job: RETENTION_JOB, everyMs: deps.retentionEveryMs });
  return { definitions, recurring };
}
