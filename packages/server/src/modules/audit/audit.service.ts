import type { Database } from '../../db/database.ts';
import { unprocessable } from '../../errors.ts';
import { createAuditBuffer, type AuditBufferLog, type AuditBufferOptions } from './audit-buffer.ts';
import { auditRepository, type AuditEntry, type AuditFilter, type AuditRow } from './audit.repository.ts';

export type { AuditEntry, AuditFilter, AuditRow };

const DAY_MS = 86_400_000;
/** Rows per prune transaction: short transactions, and a run that stops midway keeps its progress. */
const PRUNE_BATCH_ROWS = 10_000;

const silent: AuditBufferLog = { warn: () => {}, error: () => {} };

/** The start of the UTC day `keepDays` before `now`: entries before it are pruned. */
export const auditCutoff = (now: Date, keepDays: number) => new Date(Math.floor((now.getTime() - keepDays * DAY_MS) / DAY_MS) * DAY_MS);

export interface AuditPruneReport {
  /** Null when the log is kept forever (MIRRORBASE_AUDIT_RETENTION_DAYS=0). */
  cutoff: string | null;
  deleted: number;
}

export interface AuditServiceDeps {
  db: Database;
  clock: () => Date;
  /** Days an entry is kept (0: forever). */
  retentionDays: number;
  log?: AuditBufferLog;
  /** Batching of the writes (tests shorten it). */
  buffer?: Omit<AuditBufferOptions<AuditEntry>, 'write' | 'log'>;
}

/**
 * The audit log: every write by a user or an API key, every login and refresh, allowed or
 * refused. Entries are recorded in memory and written in batches off the request's path
 * (audit-buffer.ts); the table is append-only (migration 0007_audit_log) and pruned by the
 * audit retention job (audit.jobs.ts).
 */
export function createAuditService(deps: AuditServiceDeps) {
  const { db, clock } = deps;
  const buffer = createAuditBuffer<AuditEntry>({
    write: (entries) => auditRepository(db).insertMany(entries),
    log: deps.log ?? silent,
    ...deps.buffer,
  });

  return {
    retentionDays: deps.retentionDays,

    /**
     * Queues an entry, stamped with the current time. Returns a promise only when the backlog
     * is too long (the database has been failing): the caller waits for it before answering.
     */
    record(entry: Omit<AuditEntry, 'at'>): Promise<void> | undefined {
      return buffer.record({ ...entry, at: clock() });
    },

    /** Writes what is queued now; never throws (a failure is logged and retried). */
    flush: (): Promise<void> => buffer.flush(),

    /** Writes everything queued, before the database closes (the app's onClose). */
    close: (): Promise<void> => buffer.close(),

    /** Entries not written yet. */
    pending: (): number => buffer.pending,

    /** Newest first; `beforeId` 0 starts at the newest entry. */
    list(filter: AuditFilter, page: { beforeId: number; limit: number }): Promise<AuditRow[]> {
      if (filter.from !== undefined && filter.to !== undefined && Date.parse(filter.from) > Date.parse(filter.to)) {
        throw unprocessable('from must not be later than to');
      }
      return auditRepository(db).list(filter, page);
    },

    /**
     * Removes the entries older than the retention period, oldest first, in batches that are
     * transactions of their own; an aborted `signal` stops it between two. Safe on every
     * replica at once: concurrent deletes of the same rows skip what the other removed.
     */
    async prune(now: Date = clock(), signal?: AbortSignal): Promise<AuditPruneReport> {
      if (deps.retentionDays === 0) return { cutoff: null, deleted: 0 };
      const cutoff = auditCutoff(now, deps.retentionDays).toISOString();
      let deleted = 0;
      for (;;) {
        signal?.throwIfAborted();
        const batch = await db.transaction((tx) => auditRepository(tx).pruneBefore(cutoff, PRUNE_BATCH_ROWS));
        deleted += batch;
        if (batch < PRUNE_BATCH_ROWS) return { cutoff, deleted };
      }
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
