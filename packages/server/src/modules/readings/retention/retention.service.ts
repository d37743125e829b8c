import type { Database } from '../../../db/database.ts';
import { missingRecord, unprocessable } from '../../../errors.ts';
import { retentionRepository, type RetentionRow } from './retention.repository.ts';

const DAY_MS = 86_400_000;
const DELETE_BATCH_ROWS = 50_000;
const DROP_LOCK_TIMEOUT_MS = 5000;

export interface RetentionReport {
  /** False when another process held the retention lock, so this run did nothing (or stopped early). */
  ran: boolean;
  droppedPartitions: string[];
  deletedReadings: number;
}

/** The start of the UTC day `keepDays` before `now`: readings before it are removed. */
export const retentionCutoff = (now: Date, keepDays: number) => new Date(Math.floor((now.getTime() - keepDays * DAY_MS) / DAY_MS) * DAY_MS);

const monthStart = (date: Date) => new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1));

/**
 * Retention of readings.
 *
 * Global (one period for everything): readings are partitioned by month of their timestamp
 * only, so it drops whole monthly partitions that lie entirely before the cutoff — cheap at
 * any size, but readings of the cutoff's own month stay until that month has passed. Rollups
 * and latest values older than the start of the cutoff's month go right after them (a run
 * stopped in between removes them the next time), so rollups do not describe readings that
 * are gone. Each partition is dropped in a short transaction of its own with a lock timeout.
 *
 * Per measure: partitions hold every measure, so a measure's older readings are deleted row by
 * row, series by series, in batches of DELETE_BATCH_ROWS through the primary key, each batch a
 * transaction of its own (so a long run never holds one huge transaction); its rollups and
 * latest value older than the cutoff (a UTC day boundary, so no bucket is cut in half) too.
 * A per-measure period can only shorten the global one: a partition dropped is gone for all.
 *
 * Replicas: every transaction of a run first takes an advisory lock without waiting; a replica
 * that does not get it stops, so only one replica works at a time. The retention job
 * (readings.jobs.ts) runs it on one replica anyway; the lock keeps `mirrorbase retention`
 * from the command line out of its way.
 */
export function createRetentionService(deps: { db: Database; forgetPartitions?: () => void; dropLockTimeoutMs?: number }) {
  const { db } = deps;
  const dropLockTimeoutMs = deps.dropLockTimeoutMs ?? DROP_LOCK_TIMEOUT_MS;
  // This process's ingest would otherwise still believe the dropped partitions exist (it would
  // recover, but need not).
  const forgetKnownPartitions = deps.forgetPartitions ?? (() => {});

  async function measureIdFor(measure: { name: string; units?: string | null }): Promise<number> {
    const matches = await retentionRepository(db).findMeasures(measure.name, measure.units);
    if (matches.length === 0) throw missingRecord(`Measure "${measure.name}" does not exist`);
    if (matches.length > 1) throw unprocessable(`Several measures are named "${measure.name}"; give their units too`);
    return matches[0].id;
  }

  return {
    list: (): Promise<RetentionRow[]> => retentionRepository(db).list(),

    /** Sets (or with `keepDays` null removes) the global period, or a measure's. */
    async set(keepDays: number | null, measure?: { name: string; units?: string | null }): Promise<void> {
      if (keepDays !== null && (!Number.isInteger(keepDays) || keepDays < 1)) {
        throw unprocessable('The retention period must be a whole number of days, at least 1');
      }
      const measureId = measure ? await measureIdFor(measure) : null;
      const repo = retentionRepository(db);
      if (keepDays === null) await repo.clear(measureId);
      else await repo.set(measureId, keepDays);
    },

    /**
     * Applies every retention setting once. Safe to call from every replica at any time; the
     * retention job runs it on one. An aborted `signal` stops it between two transactions.
     */
    async apply(now: Date = new Date(), signal?: AbortSignal): Promise<RetentionReport> {
      const report: RetentionReport = { ran: false, droppedPartitions: [], deletedReadings: 0 };
      const settings = await retentionRepository(db).list();
      const global = settings.find((s) => s.measureId === null);

      if (global) {
        const boundary = monthStart(retentionCutoff(now, global.keepDays)).toISOString();
        const oldPartitions = await retentionRepository(db).partitionsEndingBy(boundary);
        // Dropping a partition locks its parent table (ACCESS EXCLUSIVE) until commit, and a
        // DROP waiting for that lock queues every later reader of the table behind it: so each
        // drop is a transaction of its own that waits for the lock only briefly (a timeout fails
        // the run, and the job tries again later).
        for (const name of oldPartitions) {
          const dropped = await db.transaction(async (tx) => {
            const repo = retentionRepository(tx);
            if (!(await repo.tryLock())) return false;
            await repo.setLockTimeout(dropLockTimeoutMs);
            await repo.dropPartition(name);
            return true;
          });
          if (!dropped) return report;
          report.ran = true;
          report.droppedPartitions.push(name);
          forgetKnownPartitions();
        }
        // Rollups and latest values of the dropped months: row deletes, no DDL; their own transaction.
        const locked = await db.transaction(async (tx) => {
          const repo = retentionRepository(tx);
          if (!(await repo.tryLock())) return false;
          await repo.deleteDerivedBefore(boundary, null);
          return true;
        });
        if (!locked) return report;
      } else if (!(await db.transaction((tx) => retentionRepository(tx).tryLock()))) {
        return report;
      }
      report.ran = true;

      for (const setting of settings) {
        if (setting.measureId === null || setting.datatype === null) continue;
        const { measureId, datatype } = setting;
        const cutoff = retentionCutoff(now, setting.keepDays).toISOString();
        const sensors = await retentionRepository(db).sensorsWithMeasure(measureId);
        for (const sensorId of sensors) {
          for (;;) {
            signal?.throwIfAborted();
            const deleted = await db.transaction(async (tx) => {
              const repo = retentionRepository(tx);
              if (!(await repo.tryLock())) return -1;
              return repo.deleteReadingsBefore(datatype, sensorId, measureId, cutoff, DELETE_BATCH_ROWS);
            });
            if (deleted < 0) return report;
            report.deletedReadings += deleted;
            if (deleted < DELETE_BATCH_ROWS) break;
          }
        }
        await db.transaction(async (tx) => {
          const repo = retentionRepository(tx);
          if (await repo.tryLock()) await repo.deleteDerivedBefore(cutoff, measureId);
        });
      }
      return report;
    },
  };
}

export type RetentionService = ReturnType<typeof createRetentionService>;
