import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/test-app.ts';

const ctx = useTestApp();

/**
 * Timestamps keep their microseconds on every path, on both engines: postgres.js would turn a
 * parameter typed timestamptz into a JavaScript Date (milliseconds, and naive times read in the
 * process's own zone), so the SQL receives them as text.
 */
describe('timestamps with microseconds', () => {
  it('round-trip through sensor installations, model runs and model outputs', async () => {
    await ctx.post('/location/insert-location-schema', {
      name: 'xy',
      description: null,
      identifiers: [{ name: 'x', units: null, datatype: 'float' }],
    });
    await ctx.post('/location/insert-location-for-schema', { schema_name: 'xy', coordinates: { x: 1.5 } });
    await ctx.post('/sensor/insert-sensor-type', { name: 't', measures: [{ name: 'm', units: null, datatype: 'float' }] });
    await ctx.post('/sensor/insert-sensor', { type_name: 't', unique_identifier: 's' });
    const installed = await ctx.post('/sensor/insert-sensor-location', {
      unique_identifier: 's',
      schema_name: 'xy',
      coordinates: { x: 1.5 },
      installation_datetime: '2023-03-01T00:00:00.360901',
    });
    expect(installed.statusCode).toBe(201);
    expect((await ctx.post('/sensor/list-sensor-locations', { unique_identifier: 's' })).json()).toEqual([
      { id: 1, x: 1.5, installation_datetime: '2023-03-01T00:00:00.360901Z' },
    ]);

    await ctx.post('/model/insert-model', { name: 'forecast' });
    await ctx.post('/model/insert-model-measure', { name: 'f', units: 'K', datatype: 'float' });
    const run = await ctx.post('/model/insert-model-run', {
      model_name: 'forecast',
      scenario_description: 'base',
      create_scenario: true,
      time_created: '2024-01-01T03:00:00.000123',
      measures_and_values: [
        { measure_name: 'f', values: [1.5, 2.5], timestamps: ['2024-01-01T03:00:00.000001', '2024-01-01T03:00:00.000002+00:00'] },
      ],
    });
    expect(run.statusCode).toBe(201);
    const runs = await ctx.post('/model/list-model-runs', {
      model_name: 'forecast',
      dt_from: '2024-01-01T03:00:00.000123',
      dt_to: '2024-01-01T03:00:00.000123',
    });
    expect(runs.json().map((r: { time_created: string }) => r.time_created)).toEqual(['2024-01-01T03:00:00.000123Z']);
    expect((await ctx.post('/model/get-model-run', { run_id: 1 })).json()).toEqual({
      f: [
        { value: 1.5, timestamp: '2024-01-01T03:00:00.000001Z' },
        { value: 2.5, timestamp: '2024-01-01T03:00:00.000002Z' },
      ],
    });
  });
});
