import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/test-app.ts';

const ctx = useTestApp();

/** 2024-06-01 at hour h (and minute m), UTC. */
const at = (h: number, m = 0) => new Date(Date.UTC(2024, 5, 1, h, m)).toISOString().replace('.000Z', 'Z');
const hours = (n: number, minute = 0) => Array.from({ length: n }, (_, h) => at(h, minute));

/** Observed temperature: 10 readings, hourly from midnight. */
const observed = Array.from({ length: 10 }, (_, h) => 10 + h);
/** The forecast's error at each observed hour (halves and integers: every sum is exact in floating point). */
const errors = [1, -1, 2, -2, 0.5, -0.5, 3, -3, 0, 0];
/** The mean goes on two hours past the last observation. */
const forecast = [...observed.map((o, h) => o + errors[h]), 30, 31];

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const expectedSkill = (errs: number[]) => ({
  mae: mean(errs.map(Math.abs)),
  rmse: Math.sqrt(mean(errs.map((e) => e * e))),
  bias: mean(errs),
});

const output = (measure_name: string, values: unknown[], timestamps = hours(values.length)) => ({ measure_name, values, timestamps });

interface RunSpec {
  model?: string;
  scenario: string;
  time: string;
  outputs: ReturnType<typeof output>[];
  sensor?: string | null;
  measure?: string;
}

/** Inserts a run through DTBase's route and returns its id (runs are inserted one at a time: the newest). */
async function insertRun(spec: RunSpec): Promise<number> {
  const model = spec.model ?? 'forecast';
  const sensor = spec.sensor === undefined ? 'st-1' : spec.sensor;
  await ctx.postCreated('/model/insert-model-run', {
    model_name: model,
    scenario_description: spec.scenario,
    create_scenario: true,
    time_created: spec.time,
    measures_and_values: spec.outputs,
    ...(sensor === null
      ? {}
      : { sensor_unique_id: sensor, sensor_measure: { name: spec.measure ?? 'temperature', units: UNITS[spec.measure ?? 'temperature'] } }),
  });
  const [newest] = await ctx.db.query<{ id: number }>('SELECT max(id)::int AS id FROM model_run');
  return newest.id;
}

const UNITS: Record<string, string | null> = { temperature: 'degC', count: 'n', state: null };

const runs: Record<string, number> = {};

beforeAll(async () => {
  await ctx.postCreated('/sensor/insert-sensor-type', {
    name: 'station',
    description: null,
    measures: [
      { name: 'temperature', units: 'degC', datatype: 'float' },
      { name: 'count', units: 'n', datatype: 'integer' },
      { name: 'state', units: null, datatype: 'string' },
    ],
  });
  for (const uid of ['st-1', 'st-2']) {
    await ctx.postCreated('/sensor/insert-sensor', { type_name: 'station', unique_identifier: uid, name: uid, notes: null });
  }
  const readings = (measure_name: string, values: unknown[]) =>
    ctx.postCreated('/sensor/insert-sensor-readings', {
      measure_name,
      unique_identifier: 'st-1',
      readings: values,
      timestamps: hours(values.length),
    });
  await readings('temperature', observed);
  await readings('count', [5, 6, 7, 8]);
  await readings('state', ['ok']);

  for (const name of ['forecast', 'counter', 'empty']) await ctx.postCreated('/model/insert-model', { name });
  for (const [name, datatype] of [
    ['mean', 'float'],
    ['lower', 'float'],
    ['upper', 'float'],
    ['Mean Temperature', 'float'],
    ['temperature lower bound', 'float'],
    ['temperature upper bound', 'float'],
    ['temperature forecast', 'float'],
    ['count forecast', 'integer'],
    ['label', 'string'],
  ]) {
    await ctx.postCreated('/model/insert-model-measure', { name, units: name === 'count forecast' ? 'n' : 'degC', datatype });
  }

  // calm: the known run, with a band of ±1.5 around the mean; and a second, exact run without a band.
  runs.banded = await insertRun({
    scenario: 'calm',
    time: '2024-05-31T00:00:00Z',
    outputs: [
      output('mean', forecast),
      output(
        'lower',
        forecast.map((f) => f - 1.5),
      ),
      output(
        'upper',
        forecast.map((f) => f + 1.5),
      ),
    ],
  });
  runs.exact = await insertRun({ scenario: 'calm', time: '2024-05-31T06:00:00Z', outputs: [output('temperature forecast', observed)] });
  // windy: always 2 too high, its timestamps ten minutes after the observations; DTBase-style names.
  const late = hours(10, 10);
  runs.late = await insertRun({
    scenario: 'windy',
    time: '2024-05-31T12:00:00Z',
    outputs: [
      output(
        'Mean Temperature',
        observed.map((o) => o + 2),
        late,
      ),
      // A band of ±0.5 around the mean never holds the observation.
      output(
        'temperature lower bound',
        observed.map((o) => o + 1.5),
        late,
      ),
      output(
        'temperature upper bound',
        observed.map((o) => o + 2.5),
        late,
      ),
    ],
  });
  // Runs that cannot be scored, and one with nothing observed yet.
  runs.unnamed = await insertRun({ scenario: 'windy', time: '2024-05-31T13:00:00Z', outputs: [output('mean', [1])], sensor: null });
  runs.unobserved = await insertRun({ scenario: 'calm', time: '2024-05-31T14:00:00Z', outputs: [output('mean', [1, 2])], sensor: 'st-2' });
  runs.labels = await insertRun({ scenario: 'odd', time: '2024-05-31T15:00:00Z', outputs: [output('label', ['a'])] });
  runs.strings = await insertRun({ scenario: 'odd', time: '2024-05-31T16:00:00Z', outputs: [output('mean', [1])], measure: 'state' });
  // Integer outputs against integer readings: errors 1, 0, -1, 2.
  runs.counts = await insertRun({
    model: 'counter',
    scenario: 'base',
    time: '2024-05-31T00:00:00Z',
    outputs: [output('count forecast', [6, 6, 6, 10])],
    measure: 'count',
  });
}, 60_000);

describe('GET /api/v1/runs/{id}/skill', () => {
  it('scores the mean against the observations at the same instants, with the band coverage', async () => {
    const res = await ctx.get(`/api/v1/runs/${runs.banded}/skill`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      run: runs.banded,
      model: 'forecast',
      scenario: 'calm',
      time_created: '2024-05-31T00:00:00Z',
      sensor: 'st-1',
      sensor_measure: { name: 'temperature', units: 'degC' },
      tolerance: 0,
      outputs: { mean: 'mean', lower: 'lower', upper: 'upper' },
      forecast_points: 12,
      points: 10,
      ...expectedSkill(errors),
      band_points: 10,
      // |error| <= 1.5 at six of the ten hours.
      band_coverage: 0.6,
      from: at(0),
      to: at(9),
    });
    // The numbers, written out once: mean |e| = 13/10, mean e² = 28.5/10, mean e = 0.
    expect(res.json()).toMatchObject({ mae: 1.3, bias: 0, rmse: Math.sqrt(2.85) });
  });

  it('takes the nearest observation within the tolerance, and the earlier one on a tie', async () => {
    const exact = (await ctx.get(`/api/v1/runs/${runs.late}/skill`)).json();
    expect(exact).toMatchObject({
      outputs: { mean: 'Mean Temperature' },
      forecast_points: 10,
      points: 0,
      mae: null,
      rmse: null,
      bias: null,
    });
    expect(exact).toMatchObject({ band_points: 0, band_coverage: null, from: null, to: null });

    // Ten minutes late: each point takes the reading ten minutes before it (fifty after is further).
    const near = (await ctx.get(`/api/v1/runs/${runs.late}/skill?tolerance=600`)).json();
    expect(near).toMatchObject({ points: 10, mae: 2, rmse: 2, bias: 2, band_points: 10, band_coverage: 0, from: at(0, 10), to: at(9, 10) });
    // Within 9 minutes nothing is near enough.
    expect((await ctx.get(`/api/v1/runs/${runs.late}/skill?tolerance=540`)).json()).toMatchObject({ points: 0 });

    const tie = await insertRun({
      scenario: 'tie',
      time: '2024-05-30T00:00:00Z',
      outputs: [output('mean', [10, 20], [at(0, 30), at(9, 30)])],
    });
    // 00:30 lies halfway between the readings 10 (00:00) and 11 (01:00): the earlier is taken; 09:30 has only 19 at 09:00.
    expect((await ctx.get(`/api/v1/runs/${tie}/skill?tolerance=1800`)).json()).toMatchObject({ points: 2, bias: 0.5, mae: 0.5 });
  });

  it('answers points 0 and nulls when nothing has been observed yet, and no band figures without a band', async () => {
    const res = await ctx.get(`/api/v1/runs/${runs.unobserved}/skill`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      sensor: 'st-2',
      outputs: { mean: 'mean', lower: null, upper: null },
      forecast_points: 2,
      points: 0,
      mae: null,
      rmse: null,
      bias: null,
      band_points: null,
      band_coverage: null,
      from: null,
      to: null,
    });
    // The only output is the mean, whatever its name; integers against integer readings.
    expect((await ctx.get(`/api/v1/runs/${runs.exact}/skill`)).json()).toMatchObject({ points: 10, mae: 0, rmse: 0, bias: 0 });
    expect((await ctx.get(`/api/v1/runs/${runs.counts}/skill`)).json()).toMatchObject({ points: 4, ...expectedSkill([1, 0, -1, 2]) });
  });

  it('uses the outputs named in the query', async () => {
    // The upper bound as the forecast: 1.5 too high everywhere; the band named explicitly.
    const res = await ctx.get(`/api/v1/runs/${runs.banded}/skill?mean=upper&lower=lower&upper=upper`);
    expect(res.json()).toMatchObject({
      outputs: { mean: 'upper', lower: 'lower', upper: 'upper' },
      ...expectedSkill(errors.map((e) => e + 1.5)),
      band_coverage: 0.6,
    });
  });

  it('refuses runs and parameters it cannot score with 422, unknown runs with 404', async () => {
    const detail = async (url: string, status: number) => {
      const res = await ctx.get(url);
      expect(res.statusCode, `${url}: ${res.body}`).toBe(status);
      return res.json().detail as string;
    };
    expect(await detail(`/api/v1/runs/${runs.unnamed}/skill`, 422)).toMatch(/names no sensor and sensor measure/);
    expect(await detail(`/api/v1/runs/${runs.labels}/skill`, 422)).toMatch(/"label" holds string values/);
    expect(await detail(`/api/v1/runs/${runs.strings}/skill`, 422)).toMatch(/"state" .* records string values/);
    expect(await detail(`/api/v1/runs/${runs.banded}/skill?mean=nope`, 422)).toMatch(/no output in model measure "nope"/);
    expect(await detail(`/api/v1/runs/${runs.banded}/skill?lower=lower`, 422)).toMatch(/both "lower" and "upper"/);
    for (const query of ['tolerance=-1', 'tolerance=abc', 'tolerance=604801', 'mean=']) {
      await detail(`/api/v1/runs/${runs.banded}/skill?${query}`, 422);
    }
    expect(await detail('/api/v1/runs/999999/skill', 404)).toMatch(/does not exist/);
    await detail('/api/v1/runs/x/skill', 422);
    expect((await ctx.app.inject({ method: 'GET', url: `/api/v1/runs/${runs.banded}/skill` })).statusCode).toBe(401);
  });
});

describe('GET /api/v1/models/{name}/skill', () => {
  const range = `from=${encodeURIComponent('2024-05-31T00:00:00Z')}&to=${encodeURIComponent('2024-05-31T23:59:59Z')}`;

  it('pools the runs of each scenario, lists those it cannot score, and compares scenarios', async () => {
    const res = await ctx.get(`/api/v1/models/forecast/skill?${range}&tolerance=600`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    // calm: the banded run (its ten errors), the exact run (ten zeros) and the unobserved one; windy: 2 too high, ten times.
    const calm = [...errors, ...Array<number>(10).fill(0)];
    const windy = Array<number>(10).fill(2);
    expect(body).toMatchObject({ model: 'forecast', tolerance: 600, runs_matched: 7, runs_considered: 7, truncated: false });
    expect(body.scenarios).toEqual(
      [
        {
          scenario: 'calm',
          runs: 3,
          runs_scored: 2,
          runs_skipped: 0,
          forecast_points: 12 + 10 + 2,
          points: 20,
          ...expectedSkill(calm),
          band_points: 10,
          band_coverage: 0.6,
          from: at(0),
          to: at(9),
        },
        { scenario: 'odd', runs: 2, runs_scored: 0, runs_skipped: 2, forecast_points: 0, points: 0, mae: null, rmse: null, bias: null },
        {
          scenario: 'windy',
          runs: 2,
          runs_scored: 1,
          runs_skipped: 1,
          forecast_points: 10,
          points: 10,
          ...expectedSkill(windy),
          band_points: 10,
          band_coverage: 0,
          from: at(0, 10),
          to: at(9, 10),
        },
      ].map((row) => ({ band_points: null, band_coverage: null, from: null, to: null, ...row })),
    );
    expect(body.overall).toEqual({
      runs: 7,
      runs_scored: 3,
      runs_skipped: 3,
      forecast_points: 34,
      points: 30,
      ...expectedSkill([...calm, ...windy]),
      band_points: 20,
      band_coverage: 0.3,
      from: at(0),
      to: at(9, 10),
    });
    expect(body.skipped.map((s: { run: number }) => s.run).sort()).toEqual([runs.unnamed, runs.labels, runs.strings].sort());
    expect(body.skipped.find((s: { run: number }) => s.run === runs.unnamed)).toMatchObject({ scenario: 'windy' });
  });

  it('narrows to one scenario, and scores only the newest max_runs runs', async () => {
    const windy = (await ctx.get(`/api/v1/models/forecast/skill?scenario=windy&${range}&tolerance=600`)).json();
    expect(windy.scenarios.map((s: { scenario: string }) => s.scenario)).toEqual(['windy']);
    expect(windy.overall).toMatchObject({ runs: 2, points: 10, bias: 2 });

    const newest = (await ctx.get(`/api/v1/models/forecast/skill?${range}&max_runs=2`)).json();
    expect(newest).toMatchObject({ runs_matched: 7, runs_considered: 2, truncated: true });
    expect(newest.scenarios.map((s: { scenario: string }) => s.scenario)).toEqual(['odd']);

    // Integer runs of another model; a model without runs.
    expect((await ctx.get('/api/v1/models/counter/skill')).json().overall).toMatchObject({
      runs: 1,
      points: 4,
      ...expectedSkill([1, 0, -1, 2]),
    });
    expect((await ctx.get('/api/v1/models/empty/skill')).json()).toMatchObject({
      runs_matched: 0,
      scenarios: [],
      overall: { runs: 0, points: 0, mae: null },
      skipped: [],
    });
  });

  it('refuses bad parameters with 422 and unknown models and scenarios with 404', async () => {
    const status = async (url: string) => (await ctx.get(url)).statusCode;
    expect(await status('/api/v1/models/nope/skill')).toBe(404);
    expect(await status('/api/v1/models/forecast/skill?scenario=nope')).toBe(404);
    expect(await status('/api/v1/models/forecast/skill?from=2024-06-02T00:00:00Z&to=2024-06-01T00:00:00Z')).toBe(422);
    for (const query of ['max_runs=0', 'max_runs=1001', 'from=yesterday', 'tolerance=-5']) {
      expect(await status(`/api/v1/models/forecast/skill?${query}`), query).toBe(422);
    }
  });
});
