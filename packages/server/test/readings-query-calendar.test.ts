import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/test-app.ts';
import { createSensorWithMeasures, insertReadings, rebuildRollups, readingsUrl } from './helpers/reading-fixtures.ts';
import { resolveSeries } from '../src/modules/readings/series.ts';
import { downsampleRepository } from '../src/modules/readings/query/downsample.repository.ts';
import { readingsExportRepository } from '../src/modules/readings/query/readings-export.repository.ts';
import { readingsQueryRepository } from '../src/modules/readings/query/readings-query.repository.ts';
import { createReadingsQueryService } from '../src/modules/readings/query/readings-query.service.ts';

const ctx = useTestApp();

const url = readingsUrl;

const SERIES = { sensor: 'cal-1', measure: 'energy' };

async function buckets(params: Record<string, string>) {
  const res = await ctx.get(url({ ...SERIES, ...params }));
  expect(res.statusCode).toBe(200);
  return res.json();
}

beforeAll(async () => {
  const ids = await createSensorWithMeasures(ctx.db, 'cal-1', [
    { name: 'energy', datatype: 'float' },
    { name: 'label', datatype: 'string' },
  ]);
  const energy = { sensorId: ids.sensorId, measureId: ids.measureIds.energy, datatype: 'float' as const };
  // One reading every 15 minutes, value = the UTC hour of day, around both London changes.
  const value = `extract(hour from t AT TIME ZONE 'UTC')`;
  await insertReadings(ctx.db, energy, { from: '2024-03-29T00:00:00Z', to: '2024-04-02T23:45:00Z', step: '15 minutes' }, value);
  await insertReadings(ctx.db, energy, { from: '2024-10-25T00:00:00Z', to: '2024-10-29T23:45:00Z', step: '15 minutes' }, value);
  await rebuildRollups(ctx.db);
});

describe('GET /api/v1/readings?bucket', () => {
  it('makes UTC days from day rollups', async () => {
    const body = await buckets({ from: '2024-03-29T00:00:00Z', to: '2024-03-31T23:59:59Z', bucket: '1d' });
    expect(body).toMatchObject({ resolution: 'day', bucket: '1d', tz: 'UTC' });
    expect(body.timestamps).toEqual(['2024-03-29T00:00:00+00:00', '2024-03-30T00:00:00+00:00', '2024-03-31T00:00:00+00:00']);
    expect(body.count).toEqual([96, 96, 96]);
    expect(body.min).toEqual([0, 0, 0]);
    expect(body.max).toEqual([23, 23, 23]);
    expect(body.values).toEqual([11.5, 11.5, 11.5]);
  });

  it('gives London a 23-hour day on 2024-03-31, from hour rollups', async () => {
    const body = await buckets({ from: '2024-03-30T00:00:00Z', to: '2024-04-01T22:59:59Z', bucket: '1d', tz: 'Europe/London' });
    expect(body.resolution).toBe('hour');
    expect(body.timestamps).toEqual(['2024-03-30T00:00:00+00:00', '2024-03-31T00:00:00+00:00', '2024-04-01T00:00:00+01:00']);
    expect(body.count).toEqual([96, 92, 96]);
    // 1 April in London is 31 March 23:00 to 1 April 23:00 UTC: UTC hours 23, 0..22.
    expect(body.min[2]).toBe(0);
    expect(body.max[2]).toBe(23);
    expect(body.values[2]).toBeCloseTo((23 + (22 * 23) / 2) / 24, 9);
  });

  it('gives London a 25-hour day on 2024-10-27', async () => {
    const body = await buckets({ from: '2024-10-25T23:00:00Z', to: '2024-10-28T23:59:59Z', bucket: '1d', tz: 'Europe/London' });
    expect(body.timestamps).toEqual(['2024-10-26T00:00:00+01:00', '2024-10-27T00:00:00+01:00', '2024-10-28T00:00:00+00:00']);
    expect(body.count).toEqual([96, 100, 96]);
  });

  it('falls back to minute rollups where days start on the half hour', async () => {
    const body = await buckets({ from: '2024-03-29T00:00:00Z', to: '2024-04-02T23:45:00Z', bucket: '1d', tz: 'Asia/Kolkata' });
    expect(body.resolution).toBe('minute');
    expect(body.timestamps[1]).toBe('2024-03-30T00:00:00+05:30');
    // A Kolkata day is 18:30 to 18:30 UTC: 96 readings; the partial first and last days fewer.
    expect(body.count).toEqual([74, 96, 96, 96, 96, 22]);
  });

  it('counts only readings inside the range in partial buckets', async () => {
    const body = await buckets({ from: '2024-03-29T10:07:00Z', to: '2024-03-29T12:00:00Z', bucket: '1h' });
    expect(body.timestamps).toEqual(['2024-03-29T10:00:00+00:00', '2024-03-29T11:00:00+00:00', '2024-03-29T12:00:00+00:00']);
    expect(body.count).toEqual([3, 4, 1]);
  });

  it('makes ISO weeks and months, in epoch milliseconds on request', async () => {
    const weeks = await buckets({ from: '2024-03-29T00:00:00Z', to: '2024-04-02T23:45:00Z', bucket: '1w', tz: 'Europe/London' });
    expect(weeks.timestamps).toEqual(['2024-03-25T00:00:00+00:00', '2024-04-01T00:00:00+01:00']);
    expect(weeks.count).toEqual([96 * 3 - 4, 96 * 2 + 4]);
    const months = await buckets({ from: '2024-03-01T00:00:00Z', to: '2024-11-01T00:00:00Z', bucket: '1mo', time_format: 'epoch_ms' });
    expect(months.timestamps).toEqual([Date.UTC(2024, 2, 1), Date.UTC(2024, 3, 1), Date.UTC(2024, 9, 1)]);
    expect(months.count).toEqual([96 * 3, 96 * 2, 96 * 5]);
  });

  it('answers 422 for an unknown zone, a non-numeric series, or too many buckets', async () => {
    const zone = await ctx.get(
      url({ ...SERIES, from: '2024-03-29T00:00:00Z', to: '2024-03-30T00:00:00Z', bucket: '1d', tz: 'Mars/Olympus' }),
    );
    expect(zone.statusCode).toBe(422);
    expect(zone.json().detail).toMatch(/Mars\/Olympus/);
    const label = await ctx.get(
      url({ sensor: 'cal-1', measure: 'label', from: '2024-03-29T00:00:00Z', to: '2024-03-30T00:00:00Z', bucket: '1d' }),
    );
    expect(label.statusCode).toBe(422);
    const many = await ctx.get(url({ ...SERIES, from: '2000-01-01T00:00:00Z', to: '2024-01-01T00:00:00Z', bucket: '1h' }));
    expect(many.statusCode).toBe(422);
    expect(many.json().detail).toMatch(/buckets/);
  });

  it('answers 422 for far too many buckets at once, before asking the database to count them', async () => {
    // The real repositories; only the count of buckets is watched.
    const counted: string[] = [];
    const downsample = downsampleRepository(ctx.db);
    const service = createReadingsQueryService({
      resolveSeries: (lookup) => resolveSeries(ctx.db, lookup),
      reads: readingsQueryRepository(ctx.db),
      exports: readingsExportRepository(ctx.db),
      downsample: {
        ...downsample,
        calendarAlignment: (...args) => {
          counted.push(`${args[0]} ${args[1]} ${args[2]}..${args[3]}`);
          return downsample.calendarAlignment(...args);
        },
      },
    });
    const read = (from: string, to: string, bucket: string, tz = 'UTC') =>
      service.open({ ...SERIES, from, to, bucket: bucket as '1h', tz });
    const tooMany = { statusCode: 422, detail: expect.stringMatching(/more than 100000 buckets/) };
    await expect(read('0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999999Z', '1h', 'Europe/London')).rejects.toMatchObject(tooMany);
    await expect(read('0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999999Z', '1d', 'Pacific/Apia')).rejects.toMatchObject(tooMany);
    await expect(read('2000-01-01T00:00:00Z', '2024-01-01T00:00:00Z', '1h', 'America/New_York')).rejects.toMatchObject(tooMany);
    expect(counted).toEqual([]);
    // Near the cap the database counts, in the zone, as before: 100,000 UTC hours fit, 100,001 do not.
    const start = Date.parse('2010-01-01T00:00:00Z');
    const hours = (n: number) => new Date(start + (n - 1) * 3_600_000).toISOString();
    await expect(read('2010-01-01T00:00:00Z', hours(100_001), '1h')).rejects.toMatchObject(tooMany);
    expect((await read('2010-01-01T00:00:00Z', hours(100_000), '1h')).whole).toBeDefined();
    expect(counted).toHaveLength(2);
  });
});
