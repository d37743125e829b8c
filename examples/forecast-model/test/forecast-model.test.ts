import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../../packages/server/test/helpers/test-app.ts';
import { ForecastModel, forecastSeries, outputMeasures } from '../src/forecast-model.ts';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');
const DAYS = 10;
/** Level 15, a slow warming, a daily cycle of 4 degrees, and a small deterministic wobble. */
const truth = (i: number) => 15 + 0.01 * i + 4 * Math.sin((2 * Math.PI * (i - 8)) / 24);
const wobble = (i: number) => 0.15 * Math.sin(i * 1.7) * Math.cos(i * 0.31);
const stamp = (i: number) => new Date(T0 + i * HOUR).toISOString();

describe('forecast model, end to end against a real Mirrorbase', () => {
  // The registry may call services on 127.0.0.1 only when told so.
  const ctx = useTestApp({ MIRRORBASE_SERVICE_ALLOWED_HOSTS: '127.0.0.1' });
  let baseUrl: string;

  beforeAll(async () => {
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
    await ctx.postCreated('/sensor/insert-sensor-type', {
      name: 'thermometer',
      measures: [{ name: 'temperature', units: 'degC', datatype: 'float' }],
    });
    await ctx.postCreated('/sensor/insert-sensor', { type_name: 'thermometer', unique_identifier: 'greenhouse-1' });
    const n = DAYS * 24;
    const res = await ctx.post('/api/v1/readings', {
      series: [
        {
          sensor: 'greenhouse-1',
          measure: 'temperature',
          timestamps: Array.from({ length: n }, (_, i) => stamp(i)),
          values: Array.from({ length: n }, (_, i) => truth(i) + wobble(i)),
        },
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
  });

  const params = { sensor: 'greenhouse-1', measure: 'temperature', horizon: 24, history_window: 'P10D', history_to: stamp(DAYS * 24) };

  it('reads the history through the SDK, writes a run with mean, lower and upper tied to the sensor, and reads it back', async () => {
    const model = new ForecastModel({ baseUrl, email: 'tester@example.org', password: 'correct horse battery staple' });
    const summary = await model.run(params);
    expect(summary.failed).toBe(0);
    expect(summary.requests.at(-1)).toMatchObject({ endpoint: '/model/insert-model-run', ok: true });

    const list = (await ctx.get('/api/v1/runs?model=holt-winters&from=2026-01-01T00:00:00Z')).json();
    expect(list.items).toHaveLength(1);
    const run = (await ctx.get(`/api/v1/runs/${list.items[0].id}`)).json();
    expect(run.sensor).toBe('greenhouse-1');
    expect(run.sensor_measure).toEqual({ name: 'temperature', units: 'degC' });
    expect(Date.parse(run.time_created)).toBe(T0 + (DAYS * 24 - 1) * HOUR);
    expect(JSON.parse(run.scenario)).toEqual({
      method: 'holt-winters-additive',
      season_length: 24,
      horizon: 24,
      coverage: 0.95,
      history_window: 'P10D',
    });
    const names = outputMeasures('temperature');
    const output = (name: string) => run.outputs.find((o: { measure: string }) => o.measure === name);
    const mean = output(names.mean);
    const lower = output(names.lower);
    const upper = output(names.upper);
    expect(mean.units).toBe('degC');
    expect(mean.timestamps).toHaveLength(24);
    expect(Date.parse(mean.timestamps[0])).toBe(T0 + DAYS * 24 * HOUR);
    for (let h = 0; h < 24; h++) {
      const actual = truth(DAYS * 24 + h);
      expect(Math.abs(mean.values[h] - actual)).toBeLessThan(0.4);
      expect(lower.values[h]).toBeLessThan(actual);
      expect(upper.values[h]).toBeGreaterThan(actual);
    }
  });

  it('a second run on the same history is the same run: nothing new is written', async () => {
    const model = new ForecastModel({ baseUrl, email: 'tester@example.org', password: 'correct horse battery staple' });
    const summary = await model.run(params);
    expect(summary.failed).toBe(0);
    expect(summary.requests.at(-1)).toMatchObject({ endpoint: '/model/insert-model-run', status: 409 });
    expect(await ctx.count('model_run')).toBe(1);
  });

  it('takes the history from the request when the registry sends it, under a scenario of its own', async () => {
    const key = (await ctx.post('/api/v1/keys', { name: 'model', scope: 'read-write' })).json().key;
    const n = DAYS * 24;
    const history = { timestamps: Array.from({ length: n }, (_, i) => stamp(i)), values: Array.from({ length: n }, (_, i) => truth(i)) };
    const model = new ForecastModel({ baseUrl, apiKey: key });
    const summary = await model.run({ sensor: 'greenhouse-1', measure: 'temperature', horizon: 12, scenario: 'exact', history });
    expect(summary.failed).toBe(0);
    // An exact series is continued exactly.
    const result = model.lastResult!;
    for (let h = 0; h < 12; h++) expect(result.mean[h]).toBeCloseTo(truth(n + h), 6);
    const list = (await ctx.get('/api/v1/runs?model=holt-winters&from=2026-01-01T00:00:00Z')).json();
    expect(list.items.map((r: { scenario: string }) => JSON.parse(r.scenario).scenario ?? null).sort()).toEqual(['exact', null]);
  });

  it('called by the service registry with a parameter set, the served model writes its run', async () => {
    const key = (await ctx.post('/api/v1/keys', { name: 'served model', scope: 'read-write' })).json().key;
    const service = await new ForecastModel({ baseUrl, apiKey: key }).serve({ port: 0, host: '127.0.0.1', mode: 'post' });
    try {
      await ctx.postCreated('/service/insert-service', { name: 'forecast', url: service.url, http_method: 'POST' });
      await ctx.postCreated('/service/insert-parameter-set', {
        service_name: 'forecast',
        name: 'greenhouse',
        parameters: { ...params, horizon: 6, scenario: 'registry' },
      });
      const res = await ctx.post('/service/run-service', { service_name: 'forecast', parameter_set_name: 'greenhouse' });
      expect(res.statusCode, res.body).toBe(200);
      const log = (await ctx.post('/service/list-runs', { service_name: 'forecast' })).json();
      expect(log[0].response_status_code).toBe(200);
      expect(log[0].response_json).toMatchObject({ summary: { failed: 0 } });
      const list = (await ctx.get('/api/v1/runs?model=holt-winters&from=2026-01-01T00:00:00Z')).json();
      const run = list.items.find((r: { scenario: string }) => JSON.parse(r.scenario).scenario === 'registry');
      const detail = (await ctx.get(`/api/v1/runs/${run.id}`)).json();
      expect(detail.outputs.map((o: { values: number[] }) => o.values.length)).toEqual([6, 6, 6]);
    } finally {
      await service.close();
    }
  });

  it('served without credentials (return mode), answers the run for the registry to write from the history and units it is sent', async () => {
    const service = await new ForecastModel({ clientOptions: { env: false } }).serve({ port: 0, host: '127.0.0.1' });
    try {
      const n = DAYS * 24;
      const history = { timestamps: Array.from({ length: n }, (_, i) => stamp(i)), values: Array.from({ length: n }, (_, i) => truth(i)) };
      const call = (body: unknown) =>
        fetch(service.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const res = await call({ sensor: 'greenhouse-1', measure: 'temperature', horizon: 3, units: 'degC', history });
      expect(res.status).toBe(200);
      const { requests } = (await res.json()) as { requests: [string, Record<string, unknown>][] };
      expect(requests.map(([endpoint]) => endpoint)).toEqual([
        '/model/insert-model',
        '/model/insert-model-measure',
        '/model/insert-model-measure',
        '/model/insert-model-measure',
        '/model/insert-model-scenario',
        '/model/insert-model-run',
      ]);
      expect(requests[5][1]).toMatchObject({ sensor_unique_id: 'greenhouse-1', sensor_measure: { name: 'temperature', units: 'degC' } });
      const refused = await call({ sensor: 'greenhouse-1', measure: 'temperature' });
      expect(refused.ok).toBe(false);
      expect(await refused.json()).toMatchObject({
        error: 'without credentials for the server this model needs both history and units in its parameters',
      });
    } finally {
      await service.close();
    }
  });

  it('fails clearly on an unknown sensor or too short a history, writing nothing', async () => {
    const model = new ForecastModel({ baseUrl, email: 'tester@example.org', password: 'correct horse battery staple' });
    await expect(model.run({ sensor: 'nowhere', measure: 'temperature' })).rejects.toThrow(/sensor nowhere could not be read \(404\)/);
    await expect(model.run({ ...params, history_window: 'PT30H' })).rejects.toThrow(/at least two seasons/);
    expect(await ctx.count('model_run')).toBe(3);
    expect(() => forecastSeries({ timestamps: [], values: [] }, params)).toThrow(/0 numeric reading/);
  });
});
