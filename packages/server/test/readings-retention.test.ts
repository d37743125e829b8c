import { beforeAll, describe, expect, it } from 'vitest';
import { createRetentionService, retentionCutoff } from '../src/modules/readings/retention/retention.service.ts';
import { createSensor } from './helpers/sensor-fixtures.ts';
import { useTestApp } from './helpers/test-app.ts';
import { testEngine } from './helpers/test-database.ts';

const ctx = useTestApp();
const NOW = new Date('2024-06-15T12:00:00Z');

const partitions = async () =>
  (
    await ctx.db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname = 'reading_float' ORDER BY 1`,
    )
  ).map((r) => r.name);

async function insert(sensor: string, measure: string, timestamps: string[]) {
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/api/v1/readings',
    headers: { authorization: `Bearer ${ctx.token}` },
    payload: { series: [{ sensor, measure, timestamps, values: timestamps.map(() => 1) }] },
  });
  expect(res.statusCode).toBe(200);
}

describe('reading retention', () => {
  beforeAll(async () => {
    await createSensor(ctx.db, 'ret-1', [
      { name: 'temperature', units: 'degC', datatype: 'float' },
      { name: 'pressure', units: 'hPa', datatype: 'float' },
    ]);
    const months = ['2024-01-10', '2024-02-10', '2024-03-10', '2024-04-10', '2024-05-10', '2024-06-10'];
    await insert(
      'ret-1',
      'temperature',
      months.map((d) => `${d}T00:00:00Z`),
    );
    await insert('ret-1', 'pressure', ['2024-05-01T00:00:00Z', '2024-06-01T00:00:00Z', '2024-06-14T00:00:00Z']);
  });

  it('does nothing without a setting', async () => {
    const report = await ctx.services.readings.retention.apply(NOW);
    expect(report).toEqual({ ran: true, droppedPartitions: [], deletedReadings: 0 });
    expect(await ctx.count('reading_float')).toBe(9);
  });

  it("deletes a measure's readings, rollups and latest value older than its period, and no others", async () => {
    const retention = ctx.services.readings.retention;
    await retention.set(10, { name: 'pressure' });
    // 10 days before 2024-06-15T12:00 is the 5th, 12:00; the cutoff is the start of that day.
    expect(retentionCutoff(NOW, 10).toISOString()).toBe('2024-06-05T00:00:00.000Z');
    const report = await retention.apply(NOW);
    expect(report.deletedReadings).toBe(2);
    expect(await ctx.count(`reading_float r JOIN sensor_measure m ON m.id = r.measure_id WHERE m.name = 'pressure'`)).toBe(1);
    expect(await ctx.count(`reading_rollup_day r JOIN sensor_measure m ON m.id = r.measure_id WHERE m.name = 'pressure'`)).toBe(1);
    expect(await ctx.count(`reading_float r JOIN sensor_measure m ON m.id = r.measure_id WHERE m.name = 'temperature'`)).toBe(6);
  });

  it('drops whole monthly partitions entirely older than the global period', async () => {
    const retention = ctx.services.readings.retention;
    await retention.set(60);
    expect(await partitions()).toContain('reading_float_p2024_03');
    // Cutoff 2024-04-16: January to March go whole; April stays (it is only partly older).
    const report = await retention.apply(NOW);
    expect(report.droppedPartitions).toEqual(
      expect.arrayContaining(['reading_float_p2024_01', 'reading_float_p2024_02', 'reading_float_p2024_03', 'reading_string_p2024_03']),
    );
    expect(await partitions()).toEqual(['reading_float_p2024_04', 'reading_float_p2024_05', 'reading_float_p2024_06']);
    expect(await ctx.count(`reading_float`)).toBe(4);
    expect(await ctx.count(`reading_rollup_day WHERE bucket < '2024-04-01'`)).toBe(0);
    expect(await ctx.count(`reading_rollup_day WHERE bucket >= '2024-04-01'`)).toBe(4);
  });

  it('gives up dropping a partition while a long read holds its table, instead of queueing every reader behind it', async () => {
    await insert('ret-1', 'temperature', ['2023-11-10T00:00:00Z']);
    const retention = createRetentionService({ db: ctx.db, dropLockTimeoutMs: 200 });
    if (testEngine() !== 'postgres') {
      // One connection: no read can be open beside the drop. It simply drops.
      expect((await retention.apply(NOW)).droppedPartitions).toContain('reading_float_p2023_11');
      return;
    }
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let reading!: () => void;
    const readOpen = new Promise<void>((resolve) => (reading = resolve));
    const longRead = ctx.db.transaction(async (tx) => {
      await tx.query('SELECT count(*) FROM reading_float');
      reading();
      await held;
    });
    await readOpen;
    try {
      // Its failure is taken at once: on a slow machine it may come before the reads below end.
      const drop = retention.apply(NOW).then(
        () => undefined,
        (error: unknown) => error,
      );
      // Meanwhile other reads of the table are answered (the waiting DROP gives up in 200 ms).
      const started = Date.now();
      expect(await ctx.count('reading_float')).toBeGreaterThan(0);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await drop).toMatchObject({ code: '55P03' });
    } finally {
      release();
      await longRead;
    }
    expect(await partitions()).toContain('reading_float_p2023_11');
    expect((await retention.apply(NOW)).droppedPartitions).toContain('reading_float_p2023_11');
    expect(await partitions()).not.toContain('reading_float_p2023_11');
  });

  it('lets ingest write into a month whose partition was dropped', async () => {
    await insert('ret-1', 'temperature', ['2024-02-20T00:00:00Z']);
    expect(await ctx.count(`reading_float WHERE ts = '2024-02-20T00:00:00Z'`)).toBe(1);
  });

  it('runs on one replica at a time', async () => {
    const retention = ctx.services.readings.retention;
    const results = await Promise.all([retention.apply(NOW), retention.apply(NOW)]);
    // On PGlite the two runs queue on its one connection, so both may run; never at once.
    expect(results.some((r) => r.ran)).toBe(true);
    expect(await partitions()).not.toContain('reading_float_p2024_02');
  });

  it('refuses a bad period or an unknown measure, and can remove a setting', async () => {
    const retention = ctx.services.readings.retention;
    await expect(retention.set(0)).rejects.toMatchObject({ statusCode: 422 });
    await expect(retention.set(5, { name: 'nope' })).rejects.toMatchObject({ statusCode: 400 });
    await retention.set(null);
    expect((await retention.list()).map((r) => r.measureName)).toEqual(['pressure']);
  });
});
