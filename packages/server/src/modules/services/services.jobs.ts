import type { JobDefinition } from '../../jobs/job-runner.ts';
import type { QueuedRunJob, ServicesService } from './services.service.ts';

export const SERVICE_RUN_JOB = 'services.run';
const MAX_ATTEMPTS = 3;

/**
 * Background runs (run-service with async: true): one job per run, carrying the run's id, so a
 * queued run survives a restart and is made by one replica. An attempt that throws (the
 * database went away, the process stopped) is tried again; when the last one fails the run is
 * recorded as failed rather than left running. A service's own failure is not a job failure:
 * it is recorded on the run and the job succeeds.
 */
export function servicesJobs(deps: { registry: () => ServicesService }): { definitions: JobDefinition[] } {
  return {
    definitions: [
      {
        name: SERVICE_RUN_JOB,
        maxAttempts: MAX_ATTEMPTS,
        backoffMs: 5_000,
        run: async (payload, ctx) => {
          const job = payload as QueuedRunJob;
          try {
            return await deps.registry().runQueued(job);
          } catch (error) {
            if (ctx.attempt >= MAX_ATTEMPTS) {
              const message = error instanceof Error ? error.message : String(error);
              await deps.registry().failRun(job.runId, `The background run failed: ${message}`.slice(0, 2000));
            }
            throw error;
          }
        },
      },
    ],
  };
}
