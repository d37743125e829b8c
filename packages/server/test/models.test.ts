import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/test-app.ts';

const ctx = useTestApp();

const MODEL_TABLES = [
  'model',
  'model_scenario',
  'model_measure',
  'model_run',
  'model_product',
  'model_value_float',
  'model_value_integer',
  'model_value_string',
  'model_value_boolean',
];

/** Row counts of every model table: equal before and after means a request changed nothing. */
async function modelTableCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of MODEL_TABLES) {
    const rows = await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    counts[table] = rows[0].n;
  }
  return counts;
}

/** Expects `request` to fail with `status` and `detail` and to leave every model table as it was. */
async function expectRejected(url: string, body: unknown, status: number, detail?: string | RegExp) {
  const before = await modelTableCounts();
  const res = await ctx.post(url, body);
  expect(res.statusCode, res.body).toBe(status);
  if (typeof detail === 'string') expect(res.json()).toEqual({ detail });
  else if (detail) expect(res.json().detail).toMatch(detail);
  expect(await modelTableCounts()).toEqual(before);
  return res;
}

/**
 * Sensor fixtures by plain SQL (the sensor endpoints belong to another module): a type
 * "weather" measuring temperature (C) and humidity (no units), one sensor of it, and a
 * measure "pressure" (hPa) that the type does not have.
 */
async function insertSensorFixtures() {
  await ctx.db.exec(`
    INSERT INTO sensor_type (name) VALUES ('weather');
    INSERT INTO sensor_measure (name, units, datatype) VALUES
      ('temperature', 'C', 'float'), ('humidity', NULL, 'float'), ('pressure', 'hPa', 'float');
    INSERT INTO sensor_type_measure (type_id, measure_id, position)
      SELECT t.id, m.id, m.id FROM sensor_type t, sensor_measure m
      WHERE t.name = 'weather' AND m.name IN ('temperature', 'humidity');
    INSERT INTO sensor (type_id, unique_identifier, name)
      SELECT id, 'station-1', 'Roof' FROM sensor_type WHERE name = 'weather';
  `);
}

const run = (overrides: Record<string, unknown> = {}) => ({
  model_name: 'forecast',
  scenario_description: 'baseline',
  measures_and_values: [
    {
      measure_name: 'temp-forecast',
      values: [21.5, 20, 19.25],
      timestamps: ['2024-01-01T02:00:00Z', '2024-01-01T00:00:00Z', '2024-01-01T01:00:00.250000Z'],
    },
  ],
  time_created: '2024-01-02T00:00:00Z',
  ...overrides,
});

beforeAll(async () => {
  await insertSensorFixtures();
});

describe('/model authentication', () => {
  it('answers 401 without a token on all 13 routes, before validating the body', async () => {
    const routes = [
      ['POST', 'insert-model'],
      ['GET', 'list-models'],
      ['POST', 'delete-model'],
      ['POST', 'insert-model-scenario'],
      ['GET', 'list-model-scenarios'],
      ['POST', 'delete-model-scenario'],
      ['POST', 'insert-model-measure'],
      ['GET', 'list-model-measures'],
      ['POST', 'delete-model-measure'],
      ['POST', 'insert-model-run'],
      ['POST', 'list-model-runs'],
      ['POST', 'get-model-run'],
      ['POST', 'get-model-run-sensor-measure'],
    ] as const;
    for (const [method, path] of routes) {
      const res = await ctx.app.inject({ method, url: `/model/${path}`, ...(method === 'POST' ? { payload: { bad: 1 } } : {}) });
      expect(res.statusCode, path).toBe(401);
      expect(res.json()).toEqual({ detail: 'Not authenticated' });
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
  });
});

describe('models', () => {
  it('inserts models and lists them in insertion order', async () => {
    for (const name of ['forecast', 'other']) {
      const res = await ctx.post('/model/insert-model', { name });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toEqual({ detail: 'Model inserted' });
    }
    const list = await ctx.get('/model/list-models');
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual([{ name: 'forecast' }, { name: 'other' }]);
  });

  it('answers 409 for an existing model', async () => {
    await expectRejected('/model/insert-model', { name: 'forecast' }, 409, 'Model exists already');
  });

  it('answers 422 for a missing or too long name', async () => {
    const res = await expectRejected('/model/insert-model', {}, 422);
    expect(res.json().detail[0]).toMatchObject({ type: 'missing', loc: ['body', 'name'] });
    await expectRejected('/model/insert-model', { name: 'x'.repeat(101) }, 422);
  });

  it('answers 422 (not 500) for a NUL character', async () => {
    await expectRejected('/model/insert-model', { name: 'bad\u0000name' }, 422, /NUL/);
    await expectRejected('/model/delete-model', { name: 'bad\u0000name' }, 422, /NUL/);
  });

  it('answers 400 when deleting an unknown model', async () => {
    await expectRejected('/model/delete-model', { name: 'ghost' }, 400, 'Model does not exist');
  });
});

describe('model scenarios', () => {
  it('inserts scenarios, an omitted description being null, and lists them', async () => {
    for (const body of [
      { model_name: 'forecast', description: 'baseline' },
      { model_name: 'forecast' },
      { model_name: 'other', description: null },
    ]) {
      const res = await ctx.post('/model/insert-model-scenario', body);
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toEqual({ detail: 'Model scenario inserted' });
    }
    const list = await ctx.get('/model/list-model-scenarios');
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual([
      { model_name: 'forecast', description: 'baseline' },
      { model_name: 'forecast', description: null },
      { model_name: 'other', description: null },
    ]);
  });

  it('answers 409 for a duplicate, also with a null description', async () => {
    await expectRejected(
      '/model/insert-model-scenario',
      { model_name: 'forecast', description: 'baseline' },
      409,
      'Scenario exists already',
    );
    await expectRejected('/model/insert-model-scenario', { model_name: 'forecast', description: null }, 409, 'Scenario exists already');
  });

  it('answers 400 (DTBase: 500) for an unknown model', async () => {
    await expectRejected('/model/insert-model-scenario', { model_name: 'ghost', description: 'x' }, 400, 'Model does not exist');
  });

  it('answers 400 (DTBase: 500) when deleting with an unknown model or scenario', async () => {
    await expectRejected('/model/delete-model-scenario', { model_name: 'ghost', description: 'baseline' }, 400, 'Model does not exist');
    await expectRejected(
      '/model/delete-model-scenario',
      { model_name: 'forecast', description: 'nope' },
      400,
      'Model scenario does not exist',
    );
  });

  it('deletes a scenario with a null description', async () => {
    const res = await ctx.post('/model/delete-model-scenario', { model_name: 'other', description: null });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ detail: 'Model scenario deleted' });
    expect((await ctx.get('/model/list-model-scenarios')).json()).not.toContainEqual({ model_name: 'other', description: null });
  });
});

describe('model measures', () => {
  it('inserts measures and lists them in insertion order', async () => {
    const measures = [
      { name: 'temp-forecast', units: 'C', datatype: 'float' },
      { name: 'count', units: 'people', datatype: 'integer' },
      { name: 'label', units: 'text', datatype: 'string' },
      { name: 'raining', units: 'yes/no', datatype: 'boolean' },
    ];
    for (const m of measures) {
      const res = await ctx.post('/model/insert-model-measure', m);
      expect(res.statusCode).toBe(201);
      expect(res.json()).toEqual({ detail: 'Model measure inserted' });
    }
    const list = await ctx.get('/model/list-model-measures');
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual(measures);
  });

  it('answers 409 (DTBase: 500) for a duplicate (name, units)', async () => {
    await expectRejected(
      '/model/insert-model-measure',
      { name: 'count', units: 'people', datatype: 'float' },
      409,
      'Model measure exists already',
    );
  });

  it('answers 422 for an unknown datatype or a missing field', async () => {
    await expectRejected('/model/insert-model-measure', { name: 'x', units: 'y', datatype: 'complex' }, 422);
    await expectRejected('/model/insert-model-measure', { name: 'x', datatype: 'float' }, 422);
  });

  it('answers 400 (DTBase: 500) when deleting an unknown measure', async () => {
    await expectRejected('/model/delete-model-measure', { name: 'ghost' }, 400, 'Model measure does not exist');
  });

  it('deletes an unused measure', async () => {
    expect((await ctx.post('/model/insert-model-measure', { name: 'spare', units: 'u', datatype: 'float' })).statusCode).toBe(201);
    const res = await ctx.post('/model/delete-model-measure', { name: 'spare' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ detail: 'Model measure deleted' });
    expect((await ctx.get('/model/list-model-measures')).json().map((m: { name: string }) => m.name)).not.toContain('spare');
  });
});

describe('insert-model-run and get-model-run', () => {
  it('inserts a run and returns its outputs ordered by timestamp, DTBase-rendered', async () => {
    const res = await ctx.post('/model/insert-model-run', run());
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toEqual({ detail: 'Model run inserted' });
    const out = await ctx.post('/model/get-model-run', { run_id: 1 });
    expect(out.statusCode).toBe(200);
    expect(out.json()).toEqual({
      'temp-forecast': [
        { value: 20, timestamp: '2024-01-01T00:00:00Z' },
        { value: 19.25, timestamp: '2024-01-01T01:00:00.250000Z' },
        { value: 21.5, timestamp: '2024-01-01T02:00:00Z' },
      ],
    });
  });

  it('stores outputs of every datatype, checking each element, and keeps the first of duplicate timestamps', async () => {
    const res = await ctx.post(
      '/model/insert-model-run',
      run({
        time_created: '2024-01-03T00:00:00',
        measures_and_values: [
          { measure_name: 'count', values: [3, 4, 5], timestamps: ['2024-01-01', '2024-01-01T00:00:00Z', '2024-01-01 01:00:00'] },
          {
            measure_name: 'label',
            values: ['a "quoted", {braced} \\ text', '', 'NULL'],
            timestamps: ['2024-01-01T00:00:00+01:00', '2024-01-01T00:00:00Z', '2024-01-01T02:00:00Z'],
          },
          { measure_name: 'raining', values: [true, false], timestamps: ['2024-01-01T00:00:00Z', '2024-01-01T00:30:00Z'] },
          { measure_name: 'temp-forecast', values: [], timestamps: [] },
        ],
      }),
    );
    expect(res.statusCode, res.body).toBe(201);
    const out = (await ctx.post('/model/get-model-run', { run_id: 2 })).json();
    expect(out).toEqual({
      count: [
        { value: 3, timestamp: '2024-01-01T00:00:00Z' },
        { value: 5, timestamp: '2024-01-01T01:00:00Z' },
      ],
      label: [
        { value: 'a "quoted", {braced} \\ text', timestamp: '2023-12-31T23:00:00Z' },
        { value: '', timestamp: '2024-01-01T00:00:00Z' },
        { value: 'NULL', timestamp: '2024-01-01T02:00:00Z' },
      ],
      raining: [
        { value: true, timestamp: '2024-01-01T00:00:00Z' },
        { value: false, timestamp: '2024-01-01T00:30:00Z' },
      ],
      // An empty output is accepted and recorded as a measure with no values.
      'temp-forecast': [],
    });
    expect(Object.keys(out)).toEqual(['count', 'label', 'raining', 'temp-forecast']);
  });

  it('answers {} for an unknown run, as DTBase', async () => {
    const res = await ctx.post('/model/get-model-run', { run_id: 999 });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({});
  });

  it('answers 422 for a run id that is not a 32-bit integer', async () => {
    for (const run_id of [2 ** 40, 1.5, '1']) {
      const res = await ctx.post('/model/get-model-run', { run_id });
      expect(res.statusCode).toBe(422);
    }
  });

  it('answers 409 (DTBase: 500) for the same model, scenario and time_created', async () => {
    await expectRejected('/model/insert-model-run', run(), 409, 'Model run exists already');
    // The same instant written with another offset is the same run.
    await expectRejected('/model/insert-model-run', run({ time_created: '2024-01-02T01:00:00+01:00' }), 409, 'Model run exists already');
  });

  it('answers 409 to one of two identical runs sent at once', async () => {
    const body = run({ time_created: '2024-01-04T00:00:00Z' });
    const results = await Promise.all([ctx.post('/model/insert-model-run', body), ctx.post('/model/insert-model-run', body)]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    expect(results.find((r) => r.statusCode === 409)!.json()).toEqual({ detail: 'Model run exists already' });
    const rows = await ctx.db.query(`SELECT id FROM model_run WHERE time_created = '2024-01-04T00:00:00Z'`);
    expect(rows).toHaveLength(1);
  });

  it('answers 400 for an unknown model, scenario or measure and stores nothing', async () => {
    await expectRejected('/model/insert-model-run', run({ model_name: 'ghost' }), 400, 'Model does not exist');
    await expectRejected(
      '/model/insert-model-run',
      run({ scenario_description: 'new', time_created: '2024-02-01T00:00:00Z' }),
      400,
      'Model scenario does not exist',
    );
    await expectRejected(
      '/model/insert-model-run',
      run({
        time_created: '2024-02-01T00:00:00Z',
        measures_and_values: [
          { measure_name: 'count', values: [1], timestamps: ['2024-01-01T00:00:00Z'] },
          { measure_name: 'ghost', values: [1], timestamps: ['2024-01-01T00:00:00Z'] },
        ],
      }),
      400,
      'Model measure "ghost" does not exist',
    );
  });

  it('creates a missing scenario when create_scenario is true', async () => {
    const res = await ctx.post(
      '/model/insert-model-run',
      run({ scenario_description: 'windy', create_scenario: true, time_created: '2024-02-01T00:00:00Z' }),
    );
    expect(res.statusCode, res.body).toBe(201);
    expect((await ctx.get('/model/list-model-scenarios')).json()).toContainEqual({ model_name: 'forecast', description: 'windy' });
  });

  it('answers 422 for values not of the measure datatype, at any position', async () => {
    const bad = (measure_name: string, values: unknown[]) =>
      run({
        time_created: '2024-03-01T00:00:00Z',
        measures_and_values: [{ measure_name, values, timestamps: values.map((_, i) => `2024-01-01T0${i}:00:00Z`) }],
      });
    await expectRejected('/model/insert-model-run', bad('count', [1, 2.5]), 422, /index 1 .*integer/);
    await expectRejected('/model/insert-model-run', bad('temp-forecast', [1.5, '2']), 422, /float/);
    await expectRejected('/model/insert-model-run', bad('raining', [true, 1]), 422, /boolean/);
    await expectRejected('/model/insert-model-run', bad('label', ['a', false]), 422, /string/);
    await expectRejected('/model/insert-model-run', bad('count', [2 ** 60]), 422, /integer/);
  });

  it('answers 422 for a length mismatch, a repeated measure or a bad timestamp', async () => {
    const base = { time_created: '2024-03-01T00:00:00Z' };
    await expectRejected(
      '/model/insert-model-run',
      run({ ...base, measures_and_values: [{ measure_name: 'count', values: [1, 2], timestamps: ['2024-01-01'] }] }),
      422,
      /length/,
    );
    await expectRejected(
      '/model/insert-model-run',
      run({
        ...base,
        measures_and_values: [
          { measure_name: 'count', values: [1], timestamps: ['2024-01-01'] },
          { measure_name: 'count', values: [2], timestamps: ['2024-01-02'] },
        ],
      }),
      422,
      /more than once/,
    );
    await expectRejected(
      '/model/insert-model-run',
      run({ ...base, measures_and_values: [{ measure_name: 'count', values: [1], timestamps: ['yesterday'] }] }),
      422,
    );
    await expectRejected(
      '/model/insert-model-run',
      run({ ...base, measures_and_values: [{ measure_name: 'label', values: ['a\u0000b'], timestamps: ['2024-01-01'] }] }),
      422,
      /NUL/,
    );
    await expectRejected('/model/insert-model-run', { model_name: 'forecast' }, 422);
  });
});

describe('runs compared with a sensor', () => {
  const withSensor = (sensor: Record<string, unknown>, time = '2024-04-01T00:00:00Z') => run({ time_created: time, ...sensor });

  it('records the sensor and sensor measure, null units matching null units', async () => {
    const a = await ctx.post(
      '/model/insert-model-run',
      withSensor({ sensor_unique_id: 'station-1', sensor_measure: { name: 'temperature', units: 'C' } }),
    );
    expect(a.statusCode, a.body).toBe(201);
    const b = await ctx.post(
      '/model/insert-model-run',
      withSensor({ sensor_unique_id: 'station-1', sensor_measure: { name: 'humidity' } }, '2024-04-02T00:00:00Z'),
    );
    expect(b.statusCode, b.body).toBe(201);
    const runs = (await ctx.post('/model/list-model-runs', { model_name: 'forecast', dt_from: '2024-04-01', dt_to: '2024-04-02' })).json();
    expect(runs.map((r: { sensor_measure: unknown }) => r.sensor_measure)).toEqual([
      { name: 'temperature', units: 'C' },
      { name: 'humidity', units: null },
    ]);
    const res = await ctx.post('/model/get-model-run-sensor-measure', { run_id: runs[0].id });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ sensor_unique_id: 'station-1', sensor_measure: { name: 'temperature', units: 'C' } });
  });

  it('answers null sensor fields for a run without a sensor', async () => {
    const res = await ctx.post('/model/get-model-run-sensor-measure', { run_id: 1 });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ sensor_unique_id: null, sensor_measure: null });
  });

  it('answers 400 for an unknown run', async () => {
    const res = await ctx.post('/model/get-model-run-sensor-measure', { run_id: 999 });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ detail: 'No such model run' });
  });

  it('answers 400 (DTBase: 500) for an unknown sensor or sensor measure, or one the sensor lacks', async () => {
    const time = '2024-04-03T00:00:00Z';
    await expectRejected('/model/insert-model-run', withSensor({ sensor_unique_id: 'ghost' }, time), 400, 'Sensor does not exist');
    await expectRejected(
      '/model/insert-model-run',
      withSensor({ sensor_measure: { name: 'temperature', units: 'F' } }, time),
      400,
      'Sensor measure does not exist',
    );
    await expectRejected(
      '/model/insert-model-run',
      withSensor({ sensor_measure: { name: 'humidity', units: '%' } }, time),
      400,
      'Sensor measure does not exist',
    );
    await expectRejected(
      '/model/insert-model-run',
      withSensor({ sensor_unique_id: 'station-1', sensor_measure: { name: 'pressure', units: 'hPa' } }, time),
      400,
      'Sensor measure "pressure" is not a measure of sensor "station-1"',
    );
  });
});

describe('list-model-runs', () => {
  it('lists runs of a model in id order, DTBase-shaped, bounds inclusive', async () => {
    const res = await ctx.post('/model/list-model-runs', {
      model_name: 'forecast',
      dt_from: '2024-01-02T00:00:00Z',
      dt_to: '2024-01-03T00:00:00Z',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([
      {
        id: 1,
        model_id: 1,
        model_name: 'forecast',
        scenario_id: 1,
        scenario_description: 'baseline',
        time_created: '2024-01-02T00:00:00Z',
        sensor_unique_id: null,
        sensor_measure: null,
      },
      {
        id: 2,
        model_id: 1,
        model_name: 'forecast',
        scenario_id: 1,
        scenario_description: 'baseline',
        time_created: '2024-01-03T00:00:00Z',
        sensor_unique_id: null,
        sensor_measure: null,
      },
    ]);
  });

  it('filters by scenario description', async () => {
    const res = await ctx.post('/model/list-model-runs', { model_name: 'forecast', dt_from: '2020-01-01', scenario: 'windy' });
    expect(res.json().map((r: { time_created: string }) => r.time_created)).toEqual(['2024-02-01T00:00:00Z']);
  });

  it('defaults to the runs created in the last seven days', async () => {
    const eightDaysAgo = new Date(Date.now() - 8 * 86400_000).toISOString();
    expect((await ctx.post('/model/insert-model-run', run({ time_created: eightDaysAgo }))).statusCode).toBe(201);
    const created = await ctx.post('/model/insert-model-run', run({ time_created: undefined }));
    expect(created.statusCode).toBe(201);
    const res = await ctx.post('/model/list-model-runs', { model_name: 'forecast' });
    expect(res.statusCode).toBe(200);
    const runs = res.json();
    expect(runs).toHaveLength(1);
    expect(Date.now() - Date.parse(runs[0].time_created)).toBeLessThan(60_000);
  });

  it('answers [] for an unknown model and 422 for a bad datetime', async () => {
    expect((await ctx.post('/model/list-model-runs', { model_name: 'ghost', dt_from: '2000-01-01' })).json()).toEqual([]);
    expect((await ctx.post('/model/list-model-runs', { model_name: 'forecast', dt_from: '2024-02-30' })).statusCode).toBe(422);
  });
});

describe('the models module, as the resource API will call it', () => {
  it('pages every list by id cursor and limit', async () => {
    const models = ctx.services.models;
    const runs = await models.listRuns({ modelName: 'forecast' });
    expect(runs.length).toBeGreaterThan(3);
    const first = await models.listRuns({ modelName: 'forecast', limit: 2 });
    const rest = await models.listRuns({ modelName: 'forecast', afterId: first[1].id });
    expect([...first, ...rest]).toEqual(runs);
    expect(
      (await models.listRuns({ modelName: 'forecast', from: '2024-04-01T00:00:00Z', to: '2024-04-01T00:00:00Z' })).map(
        (r) => r.sensorUniqueId,
      ),
    ).toEqual(['station-1']);
    expect((await models.listModels({ limit: 1 })).map((m) => m.name)).toEqual(['forecast']);
    expect((await models.listModels({ afterId: 1 })).map((m) => m.name)).toEqual(['other']);
    expect((await models.listScenarios({ modelName: 'forecast' })).map((s) => s.description)).toEqual(['baseline', null, 'windy']);
    expect((await models.listMeasures({ afterId: 1, limit: 2 })).map((m) => m.name)).toEqual(['count', 'label']);
  });

  it('gives a run with its outputs column-wise, and the sensor series to compare with', async () => {
    const models = ctx.services.models;
    const got = await models.getRun(2);
    expect(got?.run).toMatchObject({ id: 2, modelName: 'forecast', scenarioDescription: 'baseline', timeCreated: '2024-01-03T00:00:00Z' });
    expect(got?.outputs.find((o) => o.name === 'count')).toMatchObject({
      units: 'people',
      datatype: 'integer',
      timestamps: ['2024-01-01T00:00:00Z', '2024-01-01T01:00:00Z'],
      values: [3, 5],
    });
    expect(await models.getRun(999)).toBeUndefined();

    const [sensorRun] = await models.listRuns({ modelName: 'forecast', from: '2024-04-01T00:00:00Z', to: '2024-04-01T00:00:00Z' });
    const [expected] = await ctx.db.query<{ sensorId: number; sensorMeasureId: number }>(
      `SELECT s.id AS "sensorId", m.id AS "sensorMeasureId" FROM sensor s, sensor_measure m
       WHERE s.unique_identifier = 'station-1' AND m.name = 'temperature'`,
    );
    expect(await models.findRunSensorTarget(sensorRun.id)).toEqual(expected);
    expect(await models.findRunSensorTarget(1)).toBeUndefined();
    expect(await models.findRunSensorTarget(999)).toBeUndefined();
  });
});

describe('deleting what runs use', () => {
  it('refuses (409) to delete a measure that runs use', async () => {
    await expectRejected('/model/delete-model-measure', { name: 'count' }, 409, 'Model measure is in use by model runs');
  });

  it('deletes a scenario with its runs and their outputs', async () => {
    const before = await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM model_run`);
    const res = await ctx.post('/model/delete-model-scenario', { model_name: 'forecast', description: 'windy' });
    expect(res.statusCode).toBe(200);
    const after = await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM model_run`);
    expect(after[0].n).toBe(before[0].n - 1);
    expect((await ctx.get('/model/list-model-scenarios')).json()).not.toContainEqual({ model_name: 'forecast', description: 'windy' });
  });

  it('deletes a model with its scenarios, runs and outputs', async () => {
    const res = await ctx.post('/model/delete-model', { name: 'forecast' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ detail: 'Model deleted' });
    expect((await ctx.get('/model/list-models')).json()).toEqual([{ name: 'other' }]);
    const counts = await modelTableCounts();
    expect(counts).toMatchObject({
      model_scenario: 0,
      model_run: 0,
      model_product: 0,
      model_value_float: 0,
      model_value_integer: 0,
      model_value_string: 0,
      model_value_boolean: 0,
    });
    expect((await ctx.post('/model/get-model-run', { run_id: 1 })).json()).toEqual({});
  });

  it('then lets the measures go', async () => {
    const res = await ctx.post('/model/delete-model-measure', { name: 'count' });
    expect(res.statusCode).toBe(200);
    expect((await ctx.get('/model/list-model-measures')).json().map((m: { name: string }) => m.name)).toEqual([
      'temp-forecast',
      'label',
      'raining',
    ]);
  });
});
