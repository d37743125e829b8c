/**
 * A small client of Open-Meteo's hourly weather API. The forecast
 * (https://api.open-meteo.com/v1/forecast) and the archive
 * (https://archive-api.open-meteo.com/v1/archive) answer the same shape, so one client serves
 * both: the base URL picks which.
 */

export const FORECAST_URL = 'https://api.open-meteo.com/v1/forecast';
export const ARCHIVE_URL = 'https://archive-api.open-meteo.com/v1/archive';
export const DEFAULT_VARIABLES = ['temperature_2m', 'relative_humidity_2m', 'precipitation', 'wind_speed_10m'];

export interface HourlyRequest {
  latitude: number;
  longitude: number;
  variables: string[];
  /** Inclusive dates, YYYY-MM-DD (UTC). Without them Open-Meteo answers its default range. */
  startDate?: string;
  endDate?: string;
  /** The forecast endpoint's alternative to dates. */
  pastDays?: number;
  forecastDays?: number;
}

export interface HourlySeries {
  variable: string;
  units: string;
  /** ISO 8601 UTC instants, only where the value is a number (Open-Meteo sends null for gaps). */
  timestamps: string[];
  values: number[];
}

export interface HourlyWeather {
  latitude: number;
  longitude: number;
  series: HourlySeries[];
}

/** Upstream trouble: the message says what went wrong, for the run log and the CLI. */
export class OpenMeteoError extends Error {
  override name = 'OpenMeteoError';
}

export function hourlyUrl(baseUrl: string, request: HourlyRequest): URL {
  const url = new URL(baseUrl);
  url.searchParams.set('latitude', String(request.latitude));
  url.searchParams.set('longitude', String(request.longitude));
  url.searchParams.set('hourly', request.variables.join(','));
  // Times in UTC: the answer's local times then need no offset, though it is honoured anyway.
  url.searchParams.set('timezone', 'GMT');
  if (request.startDate) url.searchParams.set('start_date', request.startDate);
  if (request.endDate) url.searchParams.set('end_date', request.endDate);
  if (request.pastDays !== undefined) url.searchParams.set('past_days', String(request.pastDays));
  if (request.forecastDays !== undefined) url.searchParams.set('forecast_days', String(request.forecastDays));
  return url;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Open-Meteo's local times ("2024-01-01T00:00", no offset) shifted by the answer's UTC offset. */
function toUtc(local: string, offsetSeconds: number): string {
  const ms = Date.parse(`${local.length === 16 ? `${local}:00` : local}Z`);
  if (Number.isNaN(ms)) throw new OpenMeteoError(`Open-Meteo answered a time that is not ISO 8601: ${JSON.stringify(local).slice(0, 40)}`);
  return new Date(ms - offsetSeconds * 1000).toISOString();
}

/** Checks an answer's shape and turns it into one series per variable. */
export function parseHourly(body: unknown, variables: string[]): HourlyWeather {
  if (!isRecord(body)) throw new OpenMeteoError('Open-Meteo answered something other than a JSON object');
  const hourly = body.hourly;
  const units = body.hourly_units;
  if (!isRecord(hourly) || !Array.isArray(hourly.time)) throw new OpenMeteoError('Open-Meteo answered without hourly.time');
  const offset = typeof body.utc_offset_seconds === 'number' ? body.utc_offset_seconds : 0;
  const times = hourly.time.map((t) => {
    if (typeof t !== 'string') throw new OpenMeteoError('Open-Meteo answered a time that is not a string');
    return toUtc(t, offset);
  });
  const series = variables.map((variable) => {
    const column = hourly[variable];
    if (!Array.isArray(column)) throw new OpenMeteoError(`Open-Meteo answered without hourly.${variable}`);
    if (column.length !== times.length)
      throw new OpenMeteoError(`Open-Meteo answered ${column.length} values of ${variable} for ${times.length} times`);
    const out: HourlySeries = {
      variable,
      units: isRecord(units) && typeof units[variable] === 'string' ? (units[variable] as string) : '',
      timestamps: [],
      values: [],
    };
    column.forEach((value, i) => {
      if (value === null) return;
      if (typeof value !== 'number' || !Number.isFinite(value))
        throw new OpenMeteoError(`Open-Meteo answered a value of ${variable} that is not a number: ${JSON.stringify(value).slice(0, 40)}`);
      out.timestamps.push(times[i]);
      out.values.push(value);
    });
    return out;
  });
  return {
    latitude: typeof body.latitude === 'number' ? body.latitude : Number.NaN,
    longitude: typeof body.longitude === 'number' ? body.longitude : Number.NaN,
    series,
  };
}

/**
 * Fetches hourly weather. Fails with an OpenMeteoError on a network failure, a timeout, a
 * non-2xx answer (with Open-Meteo's own `reason` when it gives one) or a body of the wrong shape.
 */
export async function fetchHourly(
  baseUrl: string,
  request: HourlyRequest,
  options: { timeoutMs?: number; fetch?: typeof fetch } = {},
): Promise<HourlyWeather> {
  const url = hourlyUrl(baseUrl, request);
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const where = `${url.origin}${url.pathname}`;
  let response: Response;
  let text: string;
  try {
    // One deadline for the headers and the body alike.
    const signal = AbortSignal.timeout(timeoutMs);
    response = await doFetch(url, { signal, headers: { accept: 'application/json' } });
    text = await response.text();
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (error as Error).message;
    throw new OpenMeteoError(`Open-Meteo at ${where} could not be reached: ${reason}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new OpenMeteoError(`Open-Meteo at ${where} answered ${response.status} with a body that is not JSON: ${text.slice(0, 80)}`);
  }
  if (!response.ok) {
    const reason = isRecord(body) && typeof body.reason === 'string' ? body.reason : text.slice(0, 200);
    throw new OpenMeteoError(`Open-Meteo at ${where} answered ${response.status}: ${reason}`);
  }
  return parseHourly(body, request.variables);
}
