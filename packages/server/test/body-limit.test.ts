import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/test-app.ts';

const ctx = useTestApp({ MIRRORBASE_BODY_LIMIT_MB: '1' });

describe('the body limit (MIRRORBASE_BODY_LIMIT_MB)', () => {
  it('answers 413 with a clear detail for a JSON body over the limit, and stores nothing', async () => {
    const readings = Array.from({ length: 80_000 }, (_, i) => i + 0.5);
    const res = await ctx.post('/sensor/insert-sensor-type', {
      name: 'too big',
      description: 'x'.repeat(1_100_000),
      measures: [],
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ detail: 'Request body is larger than the limit of 1048576 bytes' });
    expect((await ctx.get('/sensor/list-sensor-types')).json()).toEqual([]);
    const readingsRes = await ctx.post('/sensor/insert-sensor-readings', {
      measure_name: 'm',
      unique_identifier: 's',
      readings,
      timestamps: readings.map(() => '2024-01-01T00:00:00Z'),
    });
    expect(readingsRes.statusCode).toBe(413);
  });

  it('still takes a body under the limit', async () => {
    const res = await ctx.post('/sensor/insert-sensor-type', { name: 'fits', description: 'x'.repeat(500_000), measures: [] });
    expect(res.statusCode).toBe(201);
  });
});
