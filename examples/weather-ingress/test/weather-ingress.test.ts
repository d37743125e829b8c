import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_EMAIL, TEST_PASSWORD, useTestApp } from '../../../packages/server/test/helpers/test-app.ts';
import { WeatherIngress } from '../src/weather-ingress.ts';
import { startUpstream } from './upstream.ts';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const berlin = { latitude: 52.52, longitude: 13.41, sensor: 'berlin-weather' };

describe('weather ingress, end to end against a real Mirrorbase and a recorded Open-Meteo', () => {
  // The services the registry calls must be allowed on 127.0.0.1.
  const ctx = useTestApp({ MIRRORBASE_SERVICE_ALLOWED_HOSTS: '127.0.0.1' });
  let baseUrl: string;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let apiKey: string;

  beforeAll(async () => {
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
    upstream = await startUpstream();
    const key = await ctx.post('/api/v1/keys', { name: 'weather ingress', scope: 'read-write' });
    expect(key.statusCode, key.body).toBe(201);
    apiKey = key.json().key;
  });
  afterAll(async () => upstream?.close());

  const floatRows = (sensor: string) =>
    ctx.count(`reading_float r JOIN sensor s ON s.id = r.sensor_id WHERE s.unique_identifier = '${sensor}'`);
  const ingress = (openMeteoPath = '/v1/forecast') =>
    new WeatherIngress({ baseUrl, apiKey, openMeteoUrl: `${upstream.url}${openMeteoPath}` });

  it('creates the sensor type with its units and the sensor, writes every reading, and a re-run adds nothing', async () => {
    const summary = await ingress().run({ ...berlin, start_date: '2026-11-28', end_date: '2026-11-30' });
    expect(summary.failed).toBe(0);
    expect(summary.requests.map((r) => [r.endpoint, r.status])).toEqual([
      ['/location/insert-location-schema', 201],
      ['/location/insert-location-for-schema', 201],
      ['/sensor/insert-sensor-type', 201],
      ['/sensor/insert-sensor', 201],
      ['/sensor/insert-sensor-location', 201],
      ['/api/v1/readings', 200],
    ]);
    const sensor = (await ctx.get('/api/v1/sensors/berlin-weather')).json();
    expect(sensor.location).toMatchObject({ schema: 'latitude-longitude', coordinates: { latitude: 52.52, longitude: 13.41 } });
    const type = (await ctx.get('/api/v1/sensor-types/open-meteo-weather')).json();
    expect(type.measures.map((m: { name: string; units: string }) => [m.name, m.units])).toEqual([
      ['temperature_2m', '°C'],
      ['relative_humidity_2m', '%'],
      ['precipitation', 'mm'],
      ['wind_speed_10m', 'km/h'],
    ]);
    const series = (
      await ctx.get('/api/v1/readings?sensor=berlin-weather&measure=temperature_2m&from=2026-11-28T00:00:00Z&to=2026-12-01T00:00:00Z')
    ).json();
    expect(series.timestamps).toHaveLength(72);
    expect(series.timestamps[0]).toMatch(/^2026-11-28T00:00:00(\.000)?Z$/);
    expect(await floatRows('berlin-weather')).toBe(4 * 72);

    // Again: the creates answer 409 (not a failure), the readings are duplicates.
    const again = await ingress().run({ ...berlin, start_date: '2026-11-28', end_date: '2026-11-30' });
    expect(again.failed).toBe(0);
    expect(again.requests.map((r) => r.status)).toEqual([409, 409, 409, 409, 409, 200]);
    expect(await ctx.count('sensor_location')).toBe(1);
    expect(await floatRows('berlin-weather')).toBe(4 * 72);
    expect(await ctx.count(`sensor WHERE unique_identifier = 'berlin-weather'`)).toBe(1);
  });

  it('as a served service without a server address (return mode): reads the window headers and answers only the hours of the window', async () => {
    const service = await new WeatherIngress({ openMeteoUrl: `${upstream.url}/v1/forecast`, clientOptions: { env: false } }).serve({
      port: 0,
      host: '127.0.0.1',
      mode: 'return',
    });
    try {
      const res = await fetch(service.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'Mirrorbase-Window-From': '2026-11-29T05:00:00Z',
          'Mirrorbase-Window-To': '2026-11-29T11:00:00Z',
        },
        body: JSON.stringify({ ...berlin, sensor: 'windowed' }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { requests: [string, { series?: { timestamps: string[] }[] }][] };
      expect(upstream.requests.at(-1)!.get('start_date')).toBe('2026-11-29');
      const readings = body.requests.find(([endpoint]) => endpoint === '/api/v1/readings')!;
      const stamps = readings[1].series![0].timestamps;
      expect(stamps[0]).toMatch(/^2026-11-29T06:00/);
      expect(stamps.at(-1)).toMatch(/^2026-11-29T11:00/);
      expect(stamps).toHaveLength(6);
    } finally {
      await service.close();
    }
  });

  it('called by the service registry (post mode): the service writes with its own key', async () => {
    const service = await ingress('/v1/archive').serve({ port: 0, host: '127.0.0.1', mode: 'post' });
    try {
      await ctx.postCreated('/service/insert-service', { name: 'weather', url: service.url, http_method: 'POST' });
      const params = { ...berlin, sensor: 'berlin-archive', sensor_type: 'open-meteo-archive' };
      await ctx.postCreated('/service/insert-parameter-set', { service_name: 'weather', name: 'berlin', parameters: params });
      const run = await ctx.post('/service/run-service', { service_name: 'weather', parameter_set_name: 'berlin' });
      expect(run.statusCode, run.body).toBe(200);
      // The archive answer ends with 4 hours of nulls: 44 of its 48 hours are stored, per variable.
      expect(await floatRows('berlin-archive')).toBe(4 * 44);
      const log = (await ctx.post('/service/list-runs', { service_name: 'weather' })).json();
      expect(log[0].response_status_code).toBe(200);
      expect(log[0].response_json).toMatchObject({ summary: { failed: 0, written: 6 } });
    } finally {
      await service.close();
    }
  });

  it('a bad upstream (500, garbage, no answer) fails the run clearly, writes nothing, and the CLI exits 1', async () => {
    for (const [where, message] of [
      ['/500', /answered 500/],
      ['/garbage', /not JSON/],
      ['/hang', /no answer within 300 ms/],
    ] as const) {
      const error = await ingress(where)
        .run({ ...berlin, sensor: 'never-written', timeout_ms: 300 })
        .catch((e: unknown) => e);
      expect(error, where).toBeInstanceOf(Error);
      expect((error as Error).message, where).toMatch(message);
    }
    expect(await ctx.count(`sensor WHERE unique_identifier = 'never-written'`)).toBe(0);

    // The real program, as a scheduler or a person runs it.
    const run = promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/main.ts',
        '--params',
        JSON.stringify({ ...berlin, sensor: 'never-written', base_url: `${upstream.url}/500` }),
      ],
      { cwd: root, env: { ...process.env, MIRRORBASE_URL: baseUrl, MIRRORBASE_EMAIL: TEST_EMAIL, MIRRORBASE_PASSWORD: TEST_PASSWORD } },
    );
    const failure = (await run.catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/Open-Meteo at http:\/\/127\.0\.0\.1:\d+\/500 answered 500/);
    expect(await ctx.count(`sensor WHERE unique_identifier = 'never-written'`)).toBe(0);
  });

  it('refuses bad parameters, and variables a sensor type made earlier does not have, before writing anything', async () => {
    await expect(ingress().run({ latitude: 123, longitude: 0 })).rejects.toThrow(/latitude must be a number from -90 to 90/);
    await expect(ingress().run({ ...berlin, variables: ['temperature_2m', 'dew_point_2m'] })).rejects.toThrow(
      /sensor type open-meteo-weather exists without the measure\(s\) dew_point_2m/,
    );
  });
});
