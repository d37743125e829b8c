import { pgErrorCode, type Database, type Transaction } from '../../../db/database.ts';
import { AppError } from '../../../errors.ts';
import { monthIndex, monthStartIso, partitionName } from '../timestamps.ts';
import { partitionsRepository } from './partitions.repository.ts';

const DATATYPES = ['float', 'integer', 'string', 'boolean'] as const;
const PG_LOCK_NOT_AVAILABLE = '55P03';

export interface PartitionsOptions {
  /** How long creating partitions waits for a lock before it gives up and tries again. */
  lockTimeoutMs?: number;
  /** How many times it tries. */
  attempts?: number;
}

/** Runs of consecutive months, as [first, last] pairs. */
function monthRuns(months: readonly number[]): Array<[number, number]> {
  const sorted = [...new Set(months)].sort((a, b) => a - b);
  const runs: Array<[number, number]> = [];
  for (const m of sorted) {
    const last = runs[runs.length - 1];
    if (last && last[1] === m - 1) last[1] = m;
    else runs.push([m, m]);
  }
  return runs;
}

const namesOf = (months: readonly number[], datatypes: readonly string[]) =>
  months.flatMap((m) => datatypes.map((d) => partitionName(d, m)));
const monthOf = (name: string) => {
  const match = /_p(\d{4})_(\d{2})$/.exec(name)!;
  return Number(match[1]) * 12 + Number(match[2]) - 1;
};

/**
 * The monthly partitions of the readings tables, created without blocking anyone.
 *
 * Creating a partition is DDL: it locks the parent table (SHARE UPDATE EXCLUSIVE since
 * migration 0005, which no read or write conflicts with) until its transaction ends, and a
 * lock it waits for makes later DDL queue behind it. So partitions are created in short
 * transactions of their own, each with a lock_timeout and a few tries:
 * - ahead of time, by the partition upkeep job (`prepareAhead`): the current month and the
 *   next ones, for every datatype;
 * - when a write needs a month nobody prepared (back-filled history, `ensureForWrite`): on the
 *   PostgreSQL server, on a connection of its own before the write, never inside the request's
 *   transaction, whose locks last as long as the request. On PGlite, inside the request's
 *   transaction: PGlite has one connection, which cannot open a second transaction while the
 *   request's is open, and every other query waits for that transaction anyway, so the lock
 *   stops no one who was not stopped already.
 */
export function createPartitionsService(deps: { db: Database; options?: PartitionsOptions }) {
  const { db } = deps;
  const lockTimeoutMs = deps.options?.lockTimeoutMs ?? 2000;
  const attempts = deps.options?.attempts ?? 3;

  /** Creates the months' partitions in short transactions of `run`, trying again on a lock timeout. */
  async function createShort(run: <T>(fn: (tx: Transaction) => Promise<T>) => Promise<T>, months: readonly number[]): Promise<number> {
    let created = 0;
    for (const [first, last] of monthRuns(months)) {
      for (let attempt = 1; ; attempt++) {
        try {
          created += await run(async (tx) => {
            const repo = partitionsRepository(tx);
            await repo.setLockTimeout(lockTimeoutMs);
            return repo.create(monthStartIso(first), monthStartIso(last));
          });
          break;
        } catch (error) {
          if (pgErrorCode(error) !== PG_LOCK_NOT_AVAILABLE) throw error;
          if (attempt >= attempts) {
            throw new AppError('UNAVAILABLE', 'Storage for the readings of a new month could not be prepared in time; retry the request');
          }
          await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
        }
      }
    }
    return created;
  }

  return {
    /**
     * Keeps the partitions of the month of `now` and of the `aheadMonths` after it ready for
     * every datatype; returns how many it created. Run by the partition upkeep job.
     */
    async prepareAhead(now: Date, aheadMonths: number): Promise<{ created: number; readyUntil: string }> {
      const first = monthIndex(now.getTime());
      const months = Array.from({ length: aheadMonths + 1 }, (_, i) => first + i);
      const created = await createShort((fn) => db.transaction(fn), months);
      return { created, readyUntil: monthStartIso(first + aheadMonths + 1) };
    },

    /**
     * Makes sure the partitions of `months` (month indexes, see timestamps.ts) exist before a
     * write of `datatypes` inside `tx`, and that `tx` sees them: it locks those it will write
     * to, which makes a transaction that has written to a readings table before see partitions
     * attached since. A month's partitions are made (and dropped) for all datatypes together.
     */
    async ensureForWrite(tx: Transaction, months: readonly number[], datatypes: readonly string[] = DATATYPES): Promise<void> {
      if (months.length === 0 || datatypes.length === 0) return;
      const repo = partitionsRepository(tx);
      let missing = await repo.lockExisting(namesOf(months, datatypes));
      if (missing.length === 0) return;
      const missingMonths = missing.map(monthOf);
      if (db.sideTransaction) {
        await createShort((fn) => db.sideTransaction!(fn), missingMonths);
      } else {
        for (const [first, last] of monthRuns(missingMonths)) await repo.create(monthStartIso(first), monthStartIso(last));
      }
      missing = await repo.lockExisting(missing);
      if (missing.length > 0) {
        // Retention dropped them again in the meantime: only for months older than its cutoff.
        throw new AppError('UNAVAILABLE', 'Storage for the readings of a month was being removed meanwhile; retry the request');
      }
    },
  };
}

export type PartitionsService = ReturnType<typeof createPartitionsService>;
