import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_VARIABLES, fetchHourly, OpenMeteoError, parseHourly } from '../src/open-meteo.ts';
import { upstreamRequest } from '../src/weather-ingress.ts';
import { startUpstream } from './upstream.ts';

const berlin = { latitude: 52.52, longitude: 13.41, variables: DEFAULT_VARIABLES };

describe('Open-Meteo client, against recorded answers on a local server', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  beforeAll(async () => {
    upstream = await startUpstream();
  });
  afterAll(async () => upstream.close());

  it('asks for the location, the variables and the dates in UTC, and reads every series with its units', async () => {
    const weather = await fetchHourly(`${upstream.url}/v1/forecast`, { ...berlin, startDate: '2026-11-28', endDate: '2026-11-30' });
    const query = upstream.requests.at(-1)!;
    expect(Object.fromEntries(query)).toEqual({
      latitude: '52.52',
      longitude: '13.41',
      hourly: 'temperature_2m,relative_humidity_2m,precipitation,wind_speed_10m',
      timezone: 'GMT',
      start_date: '2026-11-28',
      end_date: '2026-11-30',
    });
    expect(weather.series.map((s) => [s.variable, s.units, s.values.length])).toEqual([
      ['temperature_2m', '°C', 72],
      ['relative_humidity_2m', '%', 72],
      ['precipitation', 'mm', 72],
      ['wind_speed_10m', 'km/h', 72],
    ]);
    const temperature = weather.series[0];
    expect(temperature.timestamps[0]).toBe('2026-11-28T00:00:00.000Z');
    expect(temperature.timestamps[71]).toBe('2026-11-30T23:00:00.000Z');
    expect(temperature.values.every((v) => v > -10 && v < 15)).toBe(true);
  });

  it("shifts local times by the answer's UTC offset and leaves out the null values of recent hours", async () => {
    const weather = await fetchHourly(`${upstream.url}/v1/archive`, berlin);
    const temperature = weather.series[0];
    // 2026-11-20T00:00 in Europe/Berlin (UTC+1) is 23:00 UTC the day before; hours 44-47 are null.
    expect(temperature.timestamps[0]).toBe('2026-11-19T23:00:00.000Z');
    expect(temperature.timestamps).toHaveLength(44);
  });

  it('fails clearly on an Open-Meteo error, a 500, garbage, the wrong shape, a timeout and a closed port', async () => {
    const failure = async (where: string, timeoutMs = 2000) => {
      const error = await fetchHourly(where, berlin, { timeoutMs }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenMeteoError);
      return (error as Error).message;
    };
    expect(await failure(`${upstream.url}/bad-variable`)).toMatch(/answered 400: Cannot initialize WeatherVariable .* temperature_3m/);
    expect(await failure(`${upstream.url}/500`)).toMatch(/answered 500 with a body that is not JSON: <html>/);
    expect(await failure(`${upstream.url}/garbage`)).toMatch(/answered 200 with a body that is not JSON: this is not JSON/);
    expect(await failure(`${upstream.url}/wrong-shape`)).toBe('Open-Meteo answered without hourly.time');
    const started = Date.now();
    expect(await failure(`${upstream.url}/hang`, 300)).toMatch(/could not be reached: no answer within 300 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await failure('http://127.0.0.1:1/v1/forecast')).toMatch(/could not be reached/);
  });

  it('refuses values that are not numbers and columns of the wrong length', () => {
    const body = (column: unknown[]) => ({
      utc_offset_seconds: 0,
      hourly: { time: ['2026-01-01T00:00', '2026-01-01T01:00'], temperature_2m: column },
    });
    expect(() => parseHourly(body([1, 'warm']), ['temperature_2m'])).toThrow(/not a number: "warm"/);
    expect(() => parseHourly(body([1]), ['temperature_2m'])).toThrow(/1 values of temperature_2m for 2 times/);
    expect(() => parseHourly(body([1, 2]), ['wind_speed_10m'])).toThrow(/without hourly.wind_speed_10m/);
  });
});

describe('what a run asks Open-Meteo for', () => {
  const p = { latitude: 1, longitude: 2 };
  it('explicit dates win over the window; the window gives whole days and keeps (from, to]; no window, the first run, a day', () => {
    const window = { from: '2026-11-29T22:00:00Z', to: '2026-11-30T02:00:00Z' };
    expect(upstreamRequest({ ...p, start_date: '2026-01-01' }, window)).toEqual({
      request: { ...p, variables: DEFAULT_VARIABLES, startDate: '2026-01-01', endDate: '2026-01-01' },
    });
    const { request, keep } = upstreamRequest(p, window);
    expect([request.startDate, request.endDate]).toEqual(['2026-11-29', '2026-11-30']);
    expect(['2026-11-29T22:00:00Z', '2026-11-29T23:00:00Z', '2026-11-30T02:00:00Z', '2026-11-30T03:00:00Z'].map((t) => keep!(t))).toEqual([
      false,
      true,
      true,
      false,
    ]);
    expect(upstreamRequest(p, { from: null, to: '2026-11-30T02:00:00Z' }).request.startDate).toBe('2026-11-29');
    expect(() => upstreamRequest(p, { from: null, to: 'yesterday' })).toThrow(/window is not ISO 8601/);
  });
});
