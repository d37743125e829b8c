import type { JobDefinition, RecurringJob } from '../../jobs/job-runner.ts';
import type { AuditService } from './audit.service.ts';

export const AUDIT_RETENTION_JOB = 'audit.retention';

/**
 * The audit log's retention: entries older than MIRRORBASE_AUDIT_RETENTION_DAYS are pruned on
 * the beat of the readings' retention (MIRRORBASE_RETENTION_INTERVAL_MINUTES; 0 = only from
 * `mirrorbase retention apply`), by the job runner on one replica at a time. A job of its own,
 * so a failure of either retention does not hold up the other.
 */
export function auditJobs(deps: { audit: AuditService; clock: () => Date; retentionEveryMs: number }): {
  definitions: JobDefinition[];
  recurring: RecurringJob[];
} {
  const definitions: JobDefinition[] = [
    {
      name: AUDIT_RETENTION_JOB,
      timeoutMs: 60 * 60_000,
      backoffMs: 60_000,
      run: (_payload, ctx) => deps.audit.prune(deps.clock(), ctx.signal),
    },
  ];
  const keepsForever = deps.audit.retentionDays === 0;
  const recurring: RecurringJob[] =
    deps.retentionEveryMs > 0 && !keepsForever
      ? [{ name: AUDIT_RETENTION_JOB, job: AUDIT_RETENTION_JOB, everyMs: deps.retentionEveryMs }]
      : [];
  return { definitions, recurring };
}
