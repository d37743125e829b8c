import type { JobDefinition, RecurringJob } from '../../jobs/job-runner.ts';
import type { SessionsService } from './sessions.service.ts';

export const SESSIONS_PRUNE_JOB = 'sessions.prune';
const HOUR_MS = 3_600_000;

/**
 * Expired refresh tokens are deleted hourly, on one replica. A used token is kept until it
 * expires, so that presenting it again is still recognised as reuse; after that its own
 * expiry refuses it.
 */
export function sessionsJobs(deps: { sessions: SessionsService; clock: () => Date }): {
  definitions: JobDefinition[];
  recurring: RecurringJob[];
} {
  return {
    definitions: [
      {
        name: SESSIONS_PRUNE_JOB,
        timeoutMs: 10 * 60_000,
        run: async () => ({ deleted: await deps.sessions.deleteExpired(deps.clock()) }),
      },
    ],
    recurring: [{ name: SESSIONS_PRUNE_JOB, job: SESSIONS_PRUNE_JOB, everyMs: HOUR_MS }],
  };
}
