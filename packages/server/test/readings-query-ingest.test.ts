import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/test-app.ts';
import { createSensorWithMeasures, readingsUrl } from './helpers/reading-fixtures.ts';

const ctx = useTestApp();

const url = readingsUrl;

// Readings that went in through the ingest path, which keeps rollups and latest values itself.
const START = Date.parse('2024-06-01T00:00:00Z');
const timestamps = Array.from({ length: 3 * 1440 }, (_, i) => new Date(START + i * 60_000).toISOString());
const values = timestamps.map((_, i) => Math.round(Math.sin(i / 100) * 1000) / 10);

beforeAll(async () => {
  await createSensorWithMeasures(ctx.db, 'rt-1', [{ name: 'flow', units: 'l/s', datatype: 'float' }]);
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/api/v1/readings',
    headers: { authorization: `Bearer ${ctx.token}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ series: [{ sensor: 'rt-1', measure: 'flow', timestamps, values }] }),
  });
  expect(res.statusCode).toBe(200);
});

describe('reading back what POST /api/v1/readings took in', () => {
  it('returns the raw points as sent', async () => {
    const body = (
      await ctx.get(url({ sensor: 'rt-1', measure: 'flow', from: timestamps[0], to: timestamps.at(-1)!, time_format: 'epoch_ms' }))
    ).json();
    expect(body.timestamps).toEqual(timestamps.map((t) => Date.parse(t)));
    expect(body.values).toEqual(values);
  });

  it('downsamples from the rollups ingest maintained, matching the raw points', async () => {
    const body = (
      await ctx.get(url({ sensor: 'rt-1', measure: 'flow', from: timestamps[0], to: timestamps.at(-1)!, max_points: 3, agg: 'minmax' }))
    ).json();
    // Day buckets: read from the day rollups (with hour and minute rows for the partial last day).
    expect(body).toMatchObject({
      resolution: 'day',
      bucket_seconds: 86_400,
      timestamps: ['2024-06-01T00:00:00Z', '2024-06-02T00:00:00Z', '2024-06-03T00:00:00Z'],
    });
    for (let d = 0; d < 3; d++) {
      const day = values.slice(d * 1440, (d + 1) * 1440);
      expect(body.min[d]).toBe(Math.min(...day));
      expect(body.max[d]).toBe(Math.max(...day));
      expect(body.values[d]).toBeCloseTo(day.reduce((a, b) => a + b, 0) / day.length, 9);
    }
  });

  it('answers the latest value ingest recorded', async () => {
    const body = (await ctx.get('/api/v1/readings/latest?sensor=rt-1')).json();
    expect(body.measures[0]).toMatchObject({ measure: 'flow', timestamp: '2024-06-03T23:59:00Z', value: values.at(-1) });
  });
});
