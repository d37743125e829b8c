import { pgErrorCode, type Database, type Transaction } from '../../../db/database.ts';
import type { Events, ReadingsAccepted } from '../../../events/events.ts';
import type { ValueDatatype } from '../../../db/schema/common.ts';
import { createPartitionsService, type PartitionsService } from '../partitions/partitions.service.ts';
import { PartitionCache } from './partition-cache.ts';
import type { SeriesReadings } from './readings-input.ts';
import { readingsIngestRepository, seriesLockStripe, type ReadingsIngestRepository } from './readings-ingest.repository.ts';
import { appendRollups, emptyRollupColumns, ROLLUP_LEVELS } from './rollups.ts';
import { displayTimestamp, monthIndex, partitionName, pgIsoFromMs } from '../timestamps.ts';

/** What one accepted series contributed: the readings event without its type (events.ts). */
export type AcceptedSeries = Omit<ReadingsAccepted, 'type'>;

export interface IngestResult {
  inserted: number;
  duplicates: number;
  accepted: AcceptedSeries[];
}

/** Below this many rows a COPY's extra round trips (probe, savepoint) cost more than they save. */
const COPY_MIN_ROWS = 256;
const COPY_CHUNK_ROWS = 4096;
const PG_NO_PARTITION_FOR_ROW = '23514';

/** Shared by every ingest of this process: which months exist is a fact about the database. */
const processPartitions = new PartitionCache();

const DATATYPE_ORDER: readonly ValueDatatype[] = ['float', 'integer', 'string', 'boolean'];

const seriesKey = (s: SeriesReadings) => `${s.series.sensorId}:${s.series.measureId}`;

function strictlyIncreasing(times: readonly number[]): boolean {
  for (let i = 1; i < times.length; i++) if (!(times[i] > times[i - 1])) return false;
  return true;
}

function copyText(value: unknown, datatype: ValueDatatype): string {
  if (datatype === 'boolean') return value ? 't' : 'f';
  if (datatype !== 'string') return String(value);
  const text = value as string;
  return /[\\\n\r\t]/.test(text)
    ? text.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'))
    : text;
}

/** COPY text-format lines of one series, a few thousand rows per chunk. */
function* copyChunks(s: SeriesReadings): Generator<string> {
  const prefix = `${s.series.sensorId}\t${s.series.measureId}\t`;
  const { datatype } = s.series;
  for (let start = 0; start < s.times.length; start += COPY_CHUNK_ROWS) {
    const end = Math.min(start + COPY_CHUNK_ROWS, s.times.length);
    let chunk = '';
    for (let i = start; i < end; i++) chunk += `${prefix}${s.timestamps[i]}\t${copyText(s.values[i], datatype)}\n`;
    yield chunk;
  }
}

/** Merges batches of the same series (a request may name one series twice). */
function mergeSameSeries(batches: readonly SeriesReadings[]): SeriesReadings[] {
  const bySeries = new Map<string, SeriesReadings>();
  for (const b of batches) {
    if (b.times.length === 0) continue;
    const existing = bySeries.get(seriesKey(b));
    if (!existing) {
      bySeries.set(seriesKey(b), b);
    } else {
      bySeries.set(seriesKey(b), {
        series: b.series,
        timestamps: existing.timestamps.concat(b.timestamps),
        times: existing.times.concat(b.times),
        values: existing.values.concat(b.values),
      });
    }
  }
  return [...bySeries.values()];
}

/**
 * The ingest core: the one place every accepted reading passes, whatever brought it (DTBase
 * endpoint, resource API in any format, CLI import, later MQTT).
 *
 * Write strategy, measured (see ARCHITECTURE.md): COPY straight into the table is about twice
 * as fast as INSERT ... ON CONFLICT, but cannot skip duplicates. So a series goes through COPY
 * when it cannot conflict (strictly increasing timestamps, and one primary-key probe finds no
 * stored reading in its time range), with rollups computed here from the batch; everything
 * else, and everything on PGlite, goes through one set-based INSERT ... ON CONFLICT DO NOTHING
 * per datatype that computes rollups in SQL from the rows really inserted.
 */
export function createReadingsIngest(deps: {
  db: Database;
  events: Events;
  partitions?: PartitionCache;
  /** Creates missing partitions out of the request's transaction (see partitions.service.ts). */
  monthlyPartitions?: PartitionsService;
}) {
  const partitions = deps.partitions ?? processPartitions;
  const monthlyPartitions = deps.monthlyPartitions ?? createPartitionsService({ db: deps.db });
  // Transactions that have taken series locks already (see writeOnce).
  const lockingTransactions = new WeakSet<Transaction>();

  /**
   * Before a write: the months it needs that this process has not seen yet are checked (and,
   * when missing, created without blocking anyone: see partitions.service.ts). Usually none:
   * the partition upkeep job prepares the current and next months ahead of time.
   */
  async function ensurePartitions(tx: Transaction, batches: SeriesReadings[], force: boolean) {
    if (force) partitions.forget();
    const months = new Set<number>();
    const datatypes = new Set<ValueDatatype>();
    for (const b of batches) {
      datatypes.add(b.series.datatype);
      let min = Infinity;
      let max = -Infinity;
      for (const t of b.times) {
        if (t < min) min = t;
        if (t > max) max = t;
      }
      for (const m of partitions.missingMonths(b.times, min, max)) months.add(m);
    }
    if (months.size === 0) return;
    await monthlyPartitions.ensureForWrite(tx, [...months], [...datatypes]);
    partitions.remember([...months]);
  }

  /**
   * COPY of one series when it provably cannot fail; false when it must take the safe path.
   * The caller holds the series' exclusive stripe lock (the conflict-safe path takes it shared),
   * which keeps concurrent writers of the series out.
   *
   * A failing COPY must be avoided, not caught: postgres.js (3.4.9) never settles a COPY whose
   * server error arrives after the data was sent (porsager/postgres#1173), which would hang the
   * request. So one statement checks that no stored reading lies in the batch's range and that
   * its partitions exist (a partition cannot be dropped after that: the check holds a lock on it
   * until commit), and the rows sent are canonical timestamps that were checked strictly
   * increasing in JS (see timestamps.ts), so they cannot collide with each other either.
   */
  async function tryCopy(tx: Transaction, s: SeriesReadings): Promise<boolean> {
    const { datatype, sensorId, measureId } = s.series;
    const repo = readingsIngestRepository(tx);
    const first = s.times[0];
    const last = s.times[s.times.length - 1];
    const from = pgIsoFromMs(Math.floor(first));
    const to = pgIsoFromMs(Math.floor(last) + 1);
    const partitionNames: string[] = [];
    for (let m = monthIndex(first); m <= monthIndex(last); m++) partitionNames.push(partitionName(datatype, m));
    const check = await repo.copyIsSafe(datatype, sensorId, measureId, from, to, partitionNames);
    if (!check.safe) return false;
    // Watched from the pool all the same: should a COPY fail for a reason not foreseen here, the
    // request ends with an error instead of hanging with its locks.
    await repo.copyReadings(tx, datatype, copyChunks(s), { monitor: deps.db, pid: check.pid });
    return true;
  }

  async function writeCopied(repo: ReadingsIngestRepository, copied: SeriesReadings[]): Promise<AcceptedSeries[]> {
    const last = (s: SeriesReadings) => s.times.length - 1;
    await repo.upsertLatest(
      copied.map((s) => s.series.sensorId),
      copied.map((s) => s.series.measureId),
      copied.map((s) => s.timestamps[last(s)]),
      copied.map((s) => JSON.stringify(s.values[last(s)])),
    );
    const numeric = copied.filter((s) => s.series.datatype === 'float' || s.series.datatype === 'integer');
    for (const level of ROLLUP_LEVELS) {
      const columns = emptyRollupColumns();
      for (const s of numeric) appendRollups(columns, level, s.series.sensorId, s.series.measureId, s.times, s.values as number[]);
      await repo.mergeRollups(level, columns);
    }
    return copied.map((s) => ({
      sensor: s.series.sensorUid,
      measure: s.series.measureName,
      sensorId: s.series.sensorId,
      measureId: s.series.measureId,
      count: s.times.length,
      first: displayTimestamp(s.timestamps[0]),
      last: displayTimestamp(s.timestamps[last(s)]),
    }));
  }

  async function writeConflictSafe(repo: ReadingsIngestRepository, batches: SeriesReadings[]): Promise<AcceptedSeries[]> {
    const accepted: AcceptedSeries[] = [];
    // The caller holds the series locks. Datatypes and series go in one fixed order, so two
    // writers of the same series lock rows (readings, rollups, latest values) in the same order.
    const byDatatype = new Map<ValueDatatype, SeriesReadings[]>(DATATYPE_ORDER.map((d) => [d, []]));
    const sorted = [...batches].sort((a, b) => a.series.sensorId - b.series.sensorId || a.series.measureId - b.series.measureId);
    for (const b of sorted) {
      byDatatype.get(b.series.datatype)!.push(b);
    }
    for (const [datatype, list] of byDatatype) {
      if (list.length === 0) continue;
      const sensorIds: number[] = [];
      const measureIds: number[] = [];
      const timestamps: string[] = [];
      const values: unknown[] = [];
      const refs = new Map<string, SeriesReadings['series']>();
      for (const s of list) {
        refs.set(`${s.series.sensorId}:${s.series.measureId}`, s.series);
        for (let i = 0; i < s.times.length; i++) {
          sensorIds.push(s.series.sensorId);
          measureIds.push(s.series.measureId);
          timestamps.push(s.timestamps[i]);
          values.push(s.values[i]);
        }
      }
      for (const row of await repo.insertSet(datatype, sensorIds, measureIds, timestamps, values)) {
        const ref = refs.get(`${row.sensorId}:${row.measureId}`)!;
        accepted.push({ sensor: ref.sensorUid, measure: ref.measureName, ...row });
      }
    }
    return accepted;
  }

  /**
   * Takes every series lock the write needs, then writes: COPY where it is safe, the
   * conflict-safe INSERT for the rest.
   *
   * Deadlock freedom: a transaction's first write takes all its stripe locks before writing, in
   * ascending stripe order, waiting for each (exclusive for the series it will COPY, shared for
   * the rest). Ordered acquisition cannot form a cycle: whoever we wait for already holds a
   * stripe at least as high as ours and only ever waits for higher ones. Waiting for the
   * exclusive lock (rather than falling back to INSERT) lets concurrent writers of one series
   * queue and each COPY, which is what keeps ingest near the COPY rate.
   * A later write of the same transaction (NDJSON/CSV flushes, or the retry after a dropped
   * partition) already holds locks in no particular order, so it only *tries* exclusive locks
   * (a failed try takes the stripe shared, its series go through INSERT); PostgreSQL's deadlock
   * detector guards the shared waits that remain, answering a retryable 503.
   */
  async function writeOnce(tx: Transaction, batches: SeriesReadings[], holdsNoLocks: boolean): Promise<AcceptedSeries[]> {
    const repo = readingsIngestRepository(tx);
    const copyable = (s: SeriesReadings) => tx.copyIn !== undefined && s.times.length >= COPY_MIN_ROWS && strictlyIncreasing(s.times);
    const byStripe = new Map<number, SeriesReadings[]>();
    for (const s of batches) {
      const stripe = seriesLockStripe(s.series.sensorId, s.series.measureId);
      const list = byStripe.get(stripe);
      if (list) list.push(s);
      else byStripe.set(stripe, [s]);
    }
    const toCopy: SeriesReadings[] = [];
    const rest: SeriesReadings[] = [];
    // Consecutive shared stripes go in one statement; an exclusive try flushes them first, so
    // the order of acquisition stays ascending.
    let shared: number[] = [];
    for (const stripe of [...byStripe.keys()].sort((a, b) => a - b)) {
      const list = byStripe.get(stripe)!;
      let exclusive = false;
      if (list.some(copyable)) {
        await repo.lockStripesShared(shared);
        shared = [];
        if (holdsNoLocks) {
          await repo.lockStripeExclusive(stripe);
          exclusive = true;
        } else {
          exclusive = await repo.tryLockStripeExclusive(stripe);
        }
      }
      if (!exclusive) shared.push(stripe);
      for (const s of list) (exclusive && copyable(s) ? toCopy : rest).push(s);
    }
    await repo.lockStripesShared(shared);
    const copied: SeriesReadings[] = [];
    for (const s of toCopy) ((await tryCopy(tx, s)) ? copied : rest).push(s);
    return [...(await writeCopied(repo, copied)), ...(await writeConflictSafe(repo, rest))];
  }

  /**
   * Writes validated batches inside the caller's transaction and returns what went in.
   * Throws only for database failures; input is validated before it gets here.
   */
  async function write(tx: Transaction, input: readonly SeriesReadings[]): Promise<IngestResult> {
    const batches = mergeSameSeries(input);
    const submitted = batches.reduce((n, b) => n + b.times.length, 0);
    if (submitted === 0) return { inserted: 0, duplicates: 0, accepted: [] };
    await ensurePartitions(tx, batches, false);
    const holdsNoLocks = !lockingTransactions.has(tx);
    lockingTransactions.add(tx);
    let accepted: AcceptedSeries[];
    try {
      accepted = await tx.savepoint((sp) => writeOnce(sp, batches, holdsNoLocks));
    } catch (error) {
      // The cache said a partition existed, but retention dropped it; or another connection
      // attached it after this transaction had first written to the table, which then does not
      // see it until ensurePartitions locks it.
      if (pgErrorCode(error) !== PG_NO_PARTITION_FOR_ROW) throw error;
      await ensurePartitions(tx, batches, true);
      accepted = await tx.savepoint((sp) => writeOnce(sp, batches, false));
    }
    // Delivered at commit, merged per series over the whole transaction (see events.ts).
    await deps.events.publish(
      tx,
      accepted.map((a) => ({ type: 'readings.accepted' as const, ...a })),
    );
    const inserted = accepted.reduce((n, a) => n + a.count, 0);
    return { inserted, duplicates: submitted - inserted, accepted };
  }

  return {
    write,
    /** `write` in a transaction of its own. */
    ingest: (batches: readonly SeriesReadings[]) => deps.db.transaction((tx) => write(tx, batches)),
    /** Forget which partitions exist (after this process dropped some). */
    forgetPartitions: () => partitions.forget(),
  };
}

export type ReadingsIngest = ReturnType<typeof createReadingsIngest>;
