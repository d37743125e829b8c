import { beforeAll, describe, expect, it } from 'vitest';
import { expectAllNeedToken, readAllPages } from './helpers/api-paging.ts';
import { useTestApp } from './helpers/test-app.ts';

const ctx = useTestApp();

const run = (model: string, scenario: string, time: string, extra: Record<string, unknown> = {}) => ({
  model_name: model,
  scenario_description: scenario,
  time_created: time,
  measures_and_values: [
    { measure_name: 'temp-forecast', values: [10.5, 11.5], timestamps: ['2024-05-01T00:00:00Z', '2024-05-01T02:00:00Z'] },
  ],
  ...extra,
});

beforeAll(async () => {
  for (const name of ['forecast', 'nowcast', 'hindcast']) await ctx.postCreated('/model/insert-model', { name });
  await ctx.postCreated('/model/insert-model-scenario', { model_name: 'forecast', description: 'calm' });
  await ctx.postCreated('/model/insert-model-scenario', { model_name: 'forecast', description: 'windy' });
  await ctx.postCreated('/model/insert-model-scenario', { model_name: 'nowcast', description: null });
  await ctx.postCreated('/model/insert-model-measure', { name: 'temp-forecast', units: 'degC', datatype: 'float' });
  await ctx.postCreated('/model/insert-model-measure', { name: 'label', units: 'none', datatype: 'string' });
  for (let day = 1; day <= 5; day++) await ctx.postCreated('/model/insert-model-run', run('forecast', 'calm', `2024-03-0${day}T00:00:00Z`));
  await ctx.postCreated('/model/insert-model-run', run('forecast', 'windy', '2024-03-02T12:00:00Z'));
  await ctx.postCreated('/model/insert-model-run', run('nowcast', 'none yet', '2024-03-03T00:00:00Z', { create_scenario: true }));
});

describe('models, scenarios and model measures', () => {
  it('lists models with a Content-Range and no next page', async () => {
    const res = await ctx.get('/api/v1/models');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-range']).toBe('items 0-2/*');
    expect(res.json()).toEqual({
      items: [
        { id: 1, name: 'forecast' },
        { id: 2, name: 'nowcast' },
        { id: 3, name: 'hindcast' },
      ],
      next_cursor: null,
    });
  });

  it('pages through models one at a time', async () => {
    const { items, pages } = await readAllPages<{ name: string }>(ctx, '/api/v1/models', 1);
    expect(pages).toBe(3);
    expect(items.map((m) => m.name)).toEqual(['forecast', 'nowcast', 'hindcast']);
  });

  it('gets a model by name, 404 for an unknown one', async () => {
    expect((await ctx.get('/api/v1/models/nowcast')).json()).toEqual({ id: 2, name: 'nowcast' });
    const res = await ctx.get('/api/v1/models/unknown');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ detail: 'Model "unknown" does not exist', code: 'NOT_FOUND' });
  });

  it('lists scenarios, filtered by model and paged', async () => {
    const all = (await ctx.get('/api/v1/scenarios')).json();
    expect(all.items).toEqual([
      { id: 1, model: 'forecast', description: 'calm' },
      { id: 2, model: 'forecast', description: 'windy' },
      { id: 3, model: 'nowcast', description: null },
      { id: 4, model: 'nowcast', description: 'none yet' },
    ]);
    const { items } = await readAllPages<{ description: string | null }>(ctx, '/api/v1/scenarios?model=nowcast', 1);
    expect(items.map((s) => s.description)).toEqual([null, 'none yet']);
    expect((await ctx.get('/api/v1/scenarios?model=unknown')).json()).toEqual({ items: [], next_cursor: null });
  });

  it('lists model measures', async () => {
    const res = await ctx.get('/api/v1/model-measures?limit=1');
    expect(res.json()).toEqual({
      items: [{ id: 1, name: 'temp-forecast', units: 'degC', datatype: 'float' }],
      next_cursor: expect.any(String),
    });
    const { items } = await readAllPages(ctx, '/api/v1/model-measures', 1);
    expect(items).toHaveLength(2);
  });
});

describe('GET /api/v1/runs', () => {
  it('lists runs with model, scenario, creation time and sensor', async () => {
    const res = await ctx.get('/api/v1/runs?limit=2');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-range']).toBe('items 0-1/*');
    expect(res.json().items[0]).toEqual({
      id: 1,
      model: 'forecast',
      scenario: 'calm',
      time_created: '2024-03-01T00:00:00Z',
      sensor: null,
      sensor_measure: null,
    });
  });

  it('filters by model, scenario and an inclusive time range', async () => {
    const ids = async (query: string) => (await ctx.get(`/api/v1/runs?${query}`)).json().items.map((r: { id: number }) => r.id);
    expect(await ids('model=forecast')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await ids('model=forecast&scenario=windy')).toEqual([6]);
    expect(await ids('from=2024-03-02T00:00:00Z&to=2024-03-03T00:00:00Z')).toEqual([2, 3, 6, 7]);
    expect(await ids('model=forecast&scenario=calm&from=2024-03-04T01:00:00%2B01:00')).toEqual([4, 5]);
    expect(await ids('model=unknown')).toEqual([]);
  });

  it('pages through a filtered list without losing or repeating a run', async () => {
    const { items, pages } = await readAllPages<{ id: number }>(ctx, '/api/v1/runs?model=forecast', 4);
    expect(pages).toBe(2);
    expect(items.map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('answers 422 for from after to, a datetime without an offset, or a bad limit', async () => {
    for (const query of ['from=2024-03-05T00:00:00Z&to=2024-03-01T00:00:00Z', 'from=2024-03-01T00:00:00', 'from=yesterday', 'limit=-1']) {
      const res = await ctx.get(`/api/v1/runs?${query}`);
      expect(res.statusCode, query).toBe(422);
      expect(res.json().code).toBe('VALIDATION_FAILED');
    }
    expect((await ctx.get('/api/v1/runs?from=2024-03-05T00:00:00Z&to=2024-03-01T00:00:00Z')).json().detail).toBe(
      '"from" must not be after "to"',
    );
  });
});

describe('GET /api/v1/runs/{id}', () => {
  it('returns a run without a sensor, its outputs column-wise and no observations', async () => {
    const res = await ctx.get('/api/v1/runs/6');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      id: 6,
      model: 'forecast',
      scenario: 'windy',
      time_created: '2024-03-02T12:00:00Z',
      sensor: null,
      sensor_measure: null,
      outputs: [
        {
          measure: 'temp-forecast',
          units: 'degC',
          datatype: 'float',
          timestamps: ['2024-05-01T00:00:00Z', '2024-05-01T02:00:00Z'],
          values: [10.5, 11.5],
        },
      ],
      observations: null,
    });
  });

  it('answers 404 for an unknown run and 422 for an id that is no integer', async () => {
    const missing = await ctx.get('/api/v1/runs/999');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ detail: 'Model run 999 does not exist', code: 'NOT_FOUND' });
    for (const id of ['abc', '1.5', '99999999999']) expect((await ctx.get(`/api/v1/runs/${id}`)).statusCode, id).toBe(422);
    expect((await ctx.get('/api/v1/runs/6?max_points=0')).statusCode).toBe(422);
  });
});

describe('a run compared with a sensor', () => {
  beforeAll(async () => {
    await ctx.postCreated('/sensor/insert-sensor-type', {
      name: 'weather',
      measures: [
        { name: 'temperature', units: 'degC', datatype: 'float' },
        { name: 'humidity', units: null, datatype: 'float' },
      ],
    });
    await ctx.postCreated('/sensor/insert-sensor', { type_name: 'weather', unique_identifier: 'station-1' });
    await ctx.postCreated('/sensor/insert-sensor-readings', {
      unique_identifier: 'station-1',
      measure_name: 'temperature',
      // Before, inside (edges included) and after the outputs' range 2024-05-01T00:00 .. 02:00.
      readings: [9, 10, 11, 12, 13],
      timestamps: ['2024-04-30T23:00:00Z', '2024-05-01T00:00:00Z', '2024-05-01T01:00:00Z', '2024-05-01T02:00:00Z', '2024-05-01T03:00:00Z'],
    });
    await ctx.postCreated(
      '/model/insert-model-run',
      run('forecast', 'calm', '2024-04-01T00:00:00Z', {
        sensor_unique_id: 'station-1',
        sensor_measure: { name: 'temperature', units: 'degC' },
      }),
    );
    await ctx.postCreated(
      '/model/insert-model-run',
      run('forecast', 'calm', '2024-04-02T00:00:00Z', {
        sensor_unique_id: 'station-1',
        sensor_measure: { name: 'humidity' },
      }),
    );
  });

  it("returns the matching observations over the outputs' time range, column-wise", async () => {
    const res = await ctx.get('/api/v1/runs/8');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ id: 8, sensor: 'station-1', sensor_measure: { name: 'temperature', units: 'degC' } });
    expect(body.observations).toEqual({
      sensor: 'station-1',
      measure: 'temperature',
      units: 'degC',
      datatype: 'float',
      resolution: 'raw',
      timestamps: ['2024-05-01T00:00:00Z', '2024-05-01T01:00:00Z', '2024-05-01T02:00:00Z'],
      values: [10, 11, 12],
    });
  });

  it('downsamples observations beyond max_points', async () => {
    const body = (await ctx.get('/api/v1/runs/8?max_points=2')).json();
    expect(body.observations.resolution).not.toBe('raw');
    expect(body.observations.timestamps.length).toBeLessThanOrEqual(2);
  });

  it('answers empty observations for a measure without readings (null units matched)', async () => {
    const body = (await ctx.get('/api/v1/runs/9')).json();
    expect(body.sensor_measure).toEqual({ name: 'humidity', units: null });
    expect(body.observations).toMatchObject({ measure: 'humidity', units: null, timestamps: [], values: [] });
  });

  it('lists the sensor of a run', async () => {
    const items = (await ctx.get('/api/v1/runs?from=2024-04-01T00:00:00Z')).json().items;
    expect(items.map((r: { sensor: string }) => r.sensor)).toEqual(['station-1', 'station-1']);
  });
});

describe('authentication', () => {
  it('requires a token on every route', async () => {
    await expectAllNeedToken(ctx, [
      '/api/v1/models',
      '/api/v1/models/forecast',
      '/api/v1/scenarios',
      '/api/v1/model-measures',
      '/api/v1/runs',
      '/api/v1/runs/1',
    ]);
  });
});
