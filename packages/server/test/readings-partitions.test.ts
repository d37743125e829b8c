import { beforeAll, describe, expect, it } from 'vitest';
import type { Transaction } from '../src/db/database.ts';
import { prepareSeriesReadings } from '../src/modules/readings/ingest/readings-input.ts';
import { createPartitionsService } from '../src/modules/readings/partitions/partitions.service.ts';
import { resolveSeries } from '../src/modules/readings/series.ts';
import { createSensor } from './helpers/sensor-fixtures.ts';
import { useTestApp } from './helpers/test-app.ts';
import { testEngine } from './helpers/test-database.ts';

const ctx = useTestApp();

/**
 * How long a read may take while another request's transaction is open (it takes ~10 ms). On
 * PGlite every query waits for an open transaction, so a short wait shows that.
 */
const PROMPT_MS = testEngine() === 'postgres' ? 3000 : 300;

const partitionExists = async (name: string) =>
  (await ctx.db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [name]))[0].ok;

/** Writes readings of a series inside `tx`, as a request does. */
async function write(tx: Transaction, sensor: string, timestamps: string[]) {
  const series = await resolveSeries(tx, { sensorUid: sensor, measureName: 'temperature' });
  const readings = prepareSeriesReadings(
    series,
    timestamps,
    timestamps.map((_, i) => i),
    { requireOffset: true },
  );
  return ctx.services.readings.ingest.write(tx, [readings]);
}

/**
 * Runs `work` inside a request-like transaction that stays open until `probe` (run from
 * outside, meanwhile) has settled or given up after PROMPT_MS. Returns what the probe saw.
 */
async function whileTransactionOpen(work: (tx: Transaction) => Promise<void>, probe: () => Promise<unknown>) {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let ready!: () => void;
  const written = new Promise<void>((resolve) => (ready = resolve));
  const request = ctx.db.transaction(async (tx) => {
    await work(tx);
    ready();
    await held;
  });
  // A failing write would leave `written` pending: settle on whichever comes first.
  await Promise.race([written, request]);
  const started = Date.now();
  const outcome = await Promise.race([
    probe().then(() => 'answered' as const),
    new Promise<'blocked'>((resolve) => setTimeout(() => resolve('blocked'), PROMPT_MS)),
  ]);
  const ms = Date.now() - started;
  release();
  await request;
  return { outcome, ms };
}

/** A read of another series, in a month that exists, through the API. */
async function readOtherSeries() {
  const res = await ctx.get('/api/v1/readings?sensor=part-reader&measure=temperature&from=2024-03-01T00:00:00Z&to=2024-04-01T00:00:00Z');
  expect(res.statusCode).toBe(200);
  expect(res.json().values).toEqual([0, 1]);
}

describe('monthly partitions of the readings', () => {
  beforeAll(async () => {
    await createSensor(ctx.db, 'part-writer', [{ name: 'temperature', units: 'degC', datatype: 'float' }]);
    await createSensor(ctx.db, 'part-reader', [{ name: 'temperature', units: 'degC', datatype: 'float' }]);
    await ctx.db.transaction((tx) => write(tx, 'part-reader', ['2024-03-10T00:00:00Z', '2024-03-11T00:00:00Z']));
  });

  it('a request writing into a month with no partition yet does not block reads of other series', async () => {
    expect(await partitionExists('reading_float_p2031_07')).toBe(false);
    const { outcome, ms } = await whileTransactionOpen(
      async (tx) => void (await write(tx, 'part-writer', ['2031-07-01T00:00:00Z'])),
      readOtherSeries,
    );
    if (testEngine() === 'postgres') {
      // Before the fix the partition was created inside the request's transaction, whose
      // ACCESS EXCLUSIVE lock on reading_float held every read until the request ended.
      expect(outcome).toBe('answered');
      expect(ms).toBeLessThan(PROMPT_MS);
    } else {
      // PGlite has one connection: any query waits for an open transaction whatever it locks.
      expect(outcome).toBe('blocked');
    }
    expect(await partitionExists('reading_float_p2031_07')).toBe(true);
    expect((await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM reading_float WHERE ts = '2031-07-01T00:00:00Z'`))[0].n).toBe(
      1,
    );
  });

  it('a transaction that wrote before sees a partition created meanwhile on another connection', async () => {
    // A streamed request: its first batch goes into an existing month, a later one into a new
    // month. Its prepared INSERT must route into the partition attached after it began.
    const { outcome } = await whileTransactionOpen(async (tx) => {
      expect((await write(tx, 'part-writer', ['2024-03-20T00:00:00Z'])).inserted).toBe(1);
      expect((await write(tx, 'part-writer', ['2024-03-21T00:00:00Z'])).inserted).toBe(1);
      expect((await write(tx, 'part-writer', ['2032-02-01T00:00:00Z', '2032-03-01T00:00:00Z'])).inserted).toBe(2);
    }, readOtherSeries);
    expect(outcome).toBe(testEngine() === 'postgres' ? 'answered' : 'blocked');
    expect(await partitionExists('reading_float_p2032_03')).toBe(true);
    expect((await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM reading_float WHERE ts >= '2032-01-01'`))[0].n).toBe(2);
  });

  it('a COPY into a new month finds its partition ready', async () => {
    const timestamps = Array.from({ length: 600 }, (_, i) => new Date(Date.UTC(2033, 4, 1) + i * 1000).toISOString());
    const result = await ctx.db.transaction((tx) => write(tx, 'part-writer', timestamps));
    expect(result.inserted).toBe(600);
    expect((await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM reading_float_p2033_05`))[0].n).toBe(600);
  });

  it('the upkeep keeps the current and the next months ready for every datatype', async () => {
    const now = new Date('2040-11-15T12:00:00Z');
    expect(await ctx.services.readings.partitions.prepareAhead(now, 2)).toEqual({ created: 12, readyUntil: '2041-02-01T00:00:00.000Z' });
    for (const kind of ['float', 'integer', 'string', 'boolean']) {
      for (const month of ['2040_11', '2040_12', '2041_01']) expect(await partitionExists(`reading_${kind}_p${month}`)).toBe(true);
    }
    expect(await partitionExists('reading_float_p2041_02')).toBe(false);
    expect(await ctx.services.readings.partitions.prepareAhead(now, 2)).toEqual({ created: 0, readyUntil: '2041-02-01T00:00:00.000Z' });
    // Attached like the others: a reading lands in it through the parent.
    await ctx.db.transaction((tx) => write(tx, 'part-writer', ['2040-12-24T18:00:00Z']));
    expect((await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM reading_float_p2040_12`))[0].n).toBe(1);
  });

  it('creating a partition gives up after its lock timeout instead of queueing, and the write answers 503', async () => {
    if (testEngine() !== 'postgres') {
      // One connection: nothing else can hold a lock while a write runs, and nothing runs beside it.
      expect(ctx.db.sideTransaction).toBeUndefined();
      return;
    }
    const partitions = createPartitionsService({ db: ctx.db, options: { lockTimeoutMs: 100, attempts: 2 } });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const hasLock = new Promise<void>((resolve) => (locked = resolve));
    // DDL elsewhere (a SHARE lock conflicts with attaching a partition) holds reading_float.
    const blocker = ctx.db.transaction(async (tx) => {
      await tx.exec('LOCK TABLE reading_float IN SHARE MODE');
      locked();
      await held;
    });
    await hasLock;
    try {
      const started = Date.now();
      await expect(ctx.db.transaction((tx) => partitions.ensureForWrite(tx, [2045 * 12]))).rejects.toMatchObject({ statusCode: 503 });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      release();
      await blocker;
    }
    expect(await partitionExists('reading_float_p2045_01')).toBe(false);
    await ctx.db.transaction((tx) => partitions.ensureForWrite(tx, [2045 * 12]));
    expect(await partitionExists('reading_float_p2045_01')).toBe(true);
  });

  it('the upkeep is a recurring job of the job runner, with its result in the run history', async () => {
    const { jobs } = ctx.services;
    await jobs.registerSchedules();
    expect((await jobs.schedules()).map((s) => [s.name, s.everyMs])).toEqual(
      expect.arrayContaining([
        ['readings.partitions', 3_600_000],
        ['readings.retention', 60 * 60_000],
      ]),
    );
    await jobs.runDue();
    const [run] = await jobs.history({ name: 'readings.partitions' });
    expect(run).toMatchObject({ status: 'succeeded', schedule: 'readings.partitions', attempts: 1 });
    const now = new Date();
    const month = (offset: number) => {
      const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
      return `${d.getUTCFullYear()}_${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
    };
    expect((run.result as { readyUntil: string }).readyUntil).toBe(
      new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 3, 1)).toISOString(),
    );
    for (const offset of [0, 1, 2]) expect(await partitionExists(`reading_boolean_p${month(offset)}`)).toBe(true);
    // Retention ran in the same pass (its schedule fell due too), with nothing to do.
    expect((await jobs.history({ name: 'readings.retention' }))[0]).toMatchObject({
      status: 'succeeded',
      result: { ran: true, droppedPartitions: [], deletedReadings: 0 },
    });
  });
});
