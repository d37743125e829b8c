import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/test-app.ts';
import { createSensorWithMeasures, insertReadings, rebuildRollups, readingsUrl } from './helpers/reading-fixtures.ts';
import { resolveSeries } from '../src/modules/readings/series.ts';
import { lttbIndices } from '../src/modules/readings/query/downsample-lttb.ts';
import { downsampleRepository } from '../src/modules/readings/query/downsample.repository.ts';
import { readingsExportRepository } from '../src/modules/readings/query/readings-export.repository.ts';
import { readingsQueryRepository } from '../src/modules/readings/query/readings-query.repository.ts';
import { createReadingsQueryService } from '../src/modules/readings/query/readings-query.service.ts';

const ctx = useTestApp();

const url = readingsUrl;

// Every 20 s for 12 days; the range below starts and ends off every rollup boundary.
const FROM = '2024-01-01T00:00:30Z';
const TO = '2024-01-12T13:47:10Z';
const SERIES = { sensor: 'dn-1', measure: 'level' };

interface Point {
  t: number;
  v: number;
}
let raw: Point[] = [];

/** The test's own computation: equal buckets of `widthMs` from `originMs`, over the raw points. */
function expectedBuckets(points: Point[], originMs: number, widthMs: number) {
  const buckets = new Map<number, number[]>();
  for (const p of points) {
    const start = originMs + Math.floor((p.t - originMs) / widthMs) * widthMs;
    const values = buckets.get(start) ?? [];
    values.push(p.v);
    buckets.set(start, values);
  }
  const starts = [...buckets.keys()].sort((a, b) => a - b);
  return {
    timestamps: starts,
    min: starts.map((s) => buckets.get(s)!.reduce((a, b) => Math.min(a, b))),
    max: starts.map((s) => buckets.get(s)!.reduce((a, b) => Math.max(a, b))),
    avg: starts.map((s) => buckets.get(s)!.reduce((a, b) => a + b, 0) / buckets.get(s)!.length),
  };
}

const LEVEL_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as Record<string, number>;

async function downsampled(maxPoints: number, agg = 'minmax') {
  const res = await ctx.get(url({ ...SERIES, from: FROM, to: TO, max_points: maxPoints, agg, time_format: 'epoch_ms' }));
  expect(res.statusCode).toBe(200);
  return res.json();
}

function checkAgainstRaw(
  body: { resolution: string; bucket_seconds: number; timestamps: number[]; values: number[]; min: number[]; max: number[] },
  maxPoints: number,
) {
  const origin = Math.floor(Date.parse(FROM) / LEVEL_MS[body.resolution]) * LEVEL_MS[body.resolution];
  const widthMs = body.bucket_seconds * 1000;
  expect(widthMs % LEVEL_MS[body.resolution]).toBe(0);
  const expected = expectedBuckets(raw, origin, widthMs);
  expect(body.timestamps.length).toBeLessThanOrEqual(maxPoints);
  expect(body.timestamps).toEqual(expected.timestamps);
  expect(body.min).toEqual(expected.min);
  expect(body.max).toEqual(expected.max);
  body.values.forEach((v, i) => expect(v).toBeCloseTo(expected.avg[i], 9));
}

beforeAll(async () => {
  const ids = await createSensorWithMeasures(ctx.db, 'dn-1', [
    { name: 'level', datatype: 'float' },
    { name: 'steps', datatype: 'integer' },
    { name: 'mode', datatype: 'string' },
  ]);
  const range = { from: '2024-01-01T00:00:00Z', to: '2024-01-13T00:00:00Z', step: '20 seconds' };
  const phase = `extract(epoch from t - timestamptz '2024-01-01Z')`;
  await insertReadings(
    ctx.db,
    { sensorId: ids.sensorId, measureId: ids.measureIds.level, datatype: 'float' },
    range,
    `round((sin(${phase} / 7000) * 100 + (${phase}::int8 % 97))::numeric, 3)::float8`,
  );
  await insertReadings(
    ctx.db,
    { sensorId: ids.sensorId, measureId: ids.measureIds.steps, datatype: 'integer' },
    range,
    `(${phase} / 20)::int8 % 1000`,
  );
  await insertReadings(
    ctx.db,
    { sensorId: ids.sensorId, measureId: ids.measureIds.mode, datatype: 'string' },
    range,
    `CASE WHEN (${phase} / 3600)::int % 2 = 0 THEN 'day' ELSE 'night' END`,
  );
  await rebuildRollups(ctx.db);
  const all = (await ctx.get(url({ ...SERIES, from: FROM, to: TO, time_format: 'epoch_ms' }))).json();
  raw = all.timestamps.map((t: number, i: number) => ({ t, v: all.values[i] }));
  expect(raw.length).toBeGreaterThan(49_000);
});

describe('GET /api/v1/readings?max_points', () => {
  it('returns the raw points when the range holds no more than max_points', async () => {
    const body = (await ctx.get(url({ ...SERIES, from: FROM, to: '2024-01-01T00:10:00Z', max_points: 100 }))).json();
    expect(body.resolution).toBe('raw');
    expect(body.values).toHaveLength(29);
  });

  it('aggregates minute rollups (and raw readings at the edges) exactly', async () => {
    const body = await downsampled(1000);
    expect(body.resolution).toBe('minute');
    checkAgainstRaw(body, 1000);
  });

  it('aggregates hour rollups with minute and raw edges exactly', async () => {
    const body = await downsampled(100);
    expect(body.resolution).toBe('hour');
    checkAgainstRaw(body, 100);
  });

  it('aggregates day rollups with hour, minute and raw edges exactly', async () => {
    const body = await downsampled(5);
    expect(body.resolution).toBe('day');
    expect(body.bucket_seconds).toBe(3 * 86_400);
    checkAgainstRaw(body, 5);
  });

  it('answers min, max or avg alone in values', async () => {
    const both = await downsampled(100);
    expect((await downsampled(100, 'min')).values).toEqual(both.min);
    expect((await downsampled(100, 'max')).values).toEqual(both.max);
    const avg = await downsampled(100, 'avg');
    expect(avg.values).toEqual(both.values);
    expect(avg).not.toHaveProperty('min');
  });

  it('averages integer series from their rollups', async () => {
    const body = (await ctx.get(url({ sensor: 'dn-1', measure: 'steps', from: FROM, to: TO, max_points: 10 }))).json();
    expect(body.resolution).toBe('day');
    expect(body.timestamps[0]).toBe('2024-01-01T00:00:00Z');
    for (const v of body.values) expect(v).toBeGreaterThan(400);
  });

  it('uses LTTB over raw points on request, keeping the ends', async () => {
    const body = await downsampled(500, 'lttb');
    expect(body.resolution).toBe('lttb');
    expect(body.timestamps).toHaveLength(500);
    expect(body.timestamps[0]).toBe(raw[0].t);
    expect(body.timestamps.at(-1)).toBe(raw.at(-1)!.t);
    const byTime = new Map(raw.map((p) => [p.t, p.v]));
    body.timestamps.forEach((t: number, i: number) => expect(body.values[i]).toBe(byTime.get(t)));
    const iso = (await ctx.get(url({ ...SERIES, from: FROM, to: TO, max_points: 3, agg: 'lttb' }))).json();
    expect(iso.timestamps[0]).toBe('2024-01-01T00:00:40Z');
  });

  it('runs LTTB page by page, never holding the range, and keeps the points of the whole-range LTTB', async () => {
    const downsample = downsampleRepository(ctx.db);
    const pageSizes: number[] = [];
    const service = createReadingsQueryService({
      resolveSeries: (lookup) => resolveSeries(ctx.db, lookup),
      reads: readingsQueryRepository(ctx.db),
      exports: readingsExportRepository(ctx.db),
      downsample: {
        ...downsample,
        rawPointsPage: async (...args) => {
          const page = await downsample.rawPointsPage(...args);
          pageSizes.push(page.micros.length);
          return page;
        },
      },
      pageRows: 1_000,
    });
    const body = JSON.parse(await service.read({ ...SERIES, from: FROM, to: TO, max_points: 500, agg: 'lttb', time_format: 'epoch_ms' }));
    expect(Math.max(...pageSizes)).toBe(1_000);
    expect(pageSizes.reduce((a, b) => a + b, 0)).toBe(raw.length);
    const kept = lttbIndices(
      raw.map((p) => p.t * 1000),
      raw.map((p) => p.v),
      500,
    );
    expect(body.timestamps).toEqual(kept.map((i) => raw[i].t));
    expect(body.values).toEqual(kept.map((i) => raw[i].v));
  });

  it('samples non-numeric series: the first reading of each bucket', async () => {
    const body = (await ctx.get(url({ sensor: 'dn-1', measure: 'mode', from: FROM, to: TO, max_points: 200 }))).json();
    expect(body.resolution).toBe('sample');
    expect(body.values.length).toBeLessThanOrEqual(200);
    expect(body.values.length).toBeGreaterThan(150);
    expect(new Set(body.values)).toEqual(new Set(['day', 'night']));
    expect(body.timestamps[0]).toBe('2024-01-01T00:00:40Z');
  });
});
