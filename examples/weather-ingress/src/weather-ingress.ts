import { BaseIngress, type BaseIngressOptions, type MirrorbaseClient, type ServiceContext, type ServiceRequest } from '@mirrorbase/sdk';
import { DEFAULT_VARIABLES, FORECAST_URL, fetchHourly, type HourlyRequest, type HourlyWeather } from './open-meteo.ts';

/** The JSON parameters of one run (a parameter set in the service registry, or --params). */
export interface WeatherParams {
  latitude: number;
  longitude: number;
  /** Open-Meteo hourly variables; each becomes a measure of the sensor type. */
  variables?: string[];
  /** Inclusive UTC dates, YYYY-MM-DD. Without them: the run's window, else the last `past_days`. */
  start_date?: string;
  end_date?: string;
  past_days?: number;
  forecast_days?: number;
  /** The sensor's unique identifier; by default `open-meteo-<latitude>_<longitude>`. */
  sensor?: string;
  sensor_type?: string;
  /** The forecast URL by default; the archive (https://archive-api.open-meteo.com/v1/archive) for history. */
  base_url?: string;
  timeout_ms?: number;
}

export const DEFAULT_SENSOR_TYPE = 'open-meteo-weather';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Checks parameters arriving as untyped JSON; the message names the field. */
export function checkParams(raw: unknown): Required<Pick<WeatherParams, 'latitude' | 'longitude'>> & WeatherParams {
  if (!isRecord(raw)) throw new Error('parameters must be a JSON object with latitude and longitude');
  const p = raw as unknown as WeatherParams;
  if (typeof p.latitude !== 'number' || p.latitude < -90 || p.latitude > 90) throw new Error('latitude must be a number from -90 to 90');
  if (typeof p.longitude !== 'number' || p.longitude < -180 || p.longitude > 180)
    throw new Error('longitude must be a number from -180 to 180');
  if (
    p.variables !== undefined &&
    (!Array.isArray(p.variables) || p.variables.length === 0 || !p.variables.every((v) => typeof v === 'string' && /^[a-z0-9_]+$/.test(v)))
  )
    throw new Error('variables must be a non-empty list of Open-Meteo hourly variable names such as temperature_2m');
  for (const key of ['start_date', 'end_date'] as const)
    if (p[key] !== undefined && (typeof p[key] !== 'string' || !DATE.test(p[key] as string)))
      throw new Error(`${key} must be a date, YYYY-MM-DD`);
  for (const key of ['past_days', 'forecast_days', 'timeout_ms'] as const)
    if (p[key] !== undefined && (typeof p[key] !== 'number' || !Number.isInteger(p[key]) || (p[key] as number) < 0))
      throw new Error(`${key} must be a whole number`);
  for (const key of ['sensor', 'sensor_type', 'base_url'] as const)
    if (p[key] !== undefined && (typeof p[key] !== 'string' || p[key] === '')) throw new Error(`${key} must be a non-empty string`);
  return p;
}

export const sensorIdFor = (p: WeatherParams) => p.sensor ?? `open-meteo-${p.latitude}_${p.longitude}`;

/**
 * What to ask Open-Meteo for. Explicit dates win; otherwise a scheduled run's window (the
 * hours since the previous run, whole UTC days around it, since Open-Meteo takes dates);
 * otherwise Open-Meteo's own default range, or past_days/forecast_days.
 */
export function upstreamRequest(
  p: WeatherParams,
  window?: { from: string | null; to: string },
): { request: HourlyRequest; keep?: (iso: string) => boolean } {
  const request: HourlyRequest = { latitude: p.latitude, longitude: p.longitude, variables: p.variables ?? DEFAULT_VARIABLES };
  if (p.start_date || p.end_date) {
    request.startDate = p.start_date ?? p.end_date;
    request.endDate = p.end_date ?? p.start_date;
    return { request };
  }
  if (window) {
    const to = Date.parse(window.to);
    const from = window.from ? Date.parse(window.from) : to - 24 * 3600_000;
    if (Number.isNaN(to) || Number.isNaN(from))
      throw new Error(`the run's window is not ISO 8601: ${JSON.stringify(window).slice(0, 120)}`);
    request.startDate = new Date(from).toISOString().slice(0, 10);
    request.endDate = new Date(to).toISOString().slice(0, 10);
    // The hours of the window only: (from, to]. A reading at `from` belonged to the previous run.
    return { request, keep: (iso) => Date.parse(iso) > from && Date.parse(iso) <= to };
  }
  if (p.past_days !== undefined) request.pastDays = p.past_days;
  if (p.forecast_days !== undefined) request.forecastDays = p.forecast_days;
  return { request };
}

export const LOCATION_SCHEMA = 'latitude-longitude';
/**
 * When the sensor was installed at its location. A weather grid point has always been where it
 * is, and a fixed instant makes the installation a create that answers 409 on every re-run
 * rather than a new installation per run.
 */
export const INSTALLED_AT = '1970-01-01T00:00:00Z';

/**
 * DTBase-style requests that store the weather: the location (schema latitude/longitude, in
 * degrees), the sensor type (its measures carry Open-Meteo's units), the sensor installed at
 * the location, and every series in one `/api/v1/readings` request. The creates answer 409 on
 * a re-run (not an error) and readings that exist are skipped, so running it again writes
 * nothing new.
 */
export function weatherRequests(p: WeatherParams, weather: HourlyWeather, keep?: (iso: string) => boolean): ServiceRequest[] {
  const sensor = sensorIdFor(p);
  const typeName = p.sensor_type ?? DEFAULT_SENSOR_TYPE;
  const coordinates = { latitude: p.latitude, longitude: p.longitude };
  const series = weather.series.map((s) => {
    const rows = s.timestamps.map((t, i) => [t, s.values[i]] as const).filter(([t]) => keep?.(t) ?? true);
    return { sensor, measure: s.variable, timestamps: rows.map(([t]) => t), values: rows.map(([, v]) => v) };
  });
  return [
    [
      '/location/insert-location-schema',
      {
        name: LOCATION_SCHEMA,
        description: 'WGS 84 latitude and longitude',
        identifiers: [
          { name: 'latitude', units: 'degrees', datatype: 'float' },
          { name: 'longitude', units: 'degrees', datatype: 'float' },
        ],
      },
    ],
    ['/location/insert-location-for-schema', { schema_name: LOCATION_SCHEMA, coordinates }],
    [
      '/sensor/insert-sensor-type',
      {
        name: typeName,
        description: 'Hourly weather from Open-Meteo (open-meteo.com)',
        measures: weather.series.map((s) => ({ name: s.variable, units: s.units || null, datatype: 'float' })),
      },
    ],
    ['/sensor/insert-sensor', { type_name: typeName, unique_identifier: sensor, name: `Open-Meteo ${p.latitude}, ${p.longitude}` }],
    [
      '/sensor/insert-sensor-location',
      { unique_identifier: sensor, schema_name: LOCATION_SCHEMA, coordinates, installation_datetime: INSTALLED_AT },
    ],
    ['/api/v1/readings', { series: series.filter((s) => s.timestamps.length > 0) }],
  ];
}

/**
 * A sensor type that exists already keeps its measures (a create answers 409 and adds none):
 * asking for a variable it lacks would fail at the readings, after the sensor was made, so it
 * is refused up front.
 */
async function checkExistingType(client: MirrorbaseClient, typeName: string, variables: string[]) {
  const { data, response } = await client.api.GET('/api/v1/sensor-types/{name}', { params: { path: { name: typeName } } });
  if (response.status === 404 || !data) return;
  const have = new Set((data.measures ?? []).map((m: { name: string }) => m.name));
  const missing = variables.filter((v) => !have.has(v));
  if (missing.length > 0)
    throw new Error(
      `the sensor type ${typeName} exists without the measure(s) ${missing.join(', ')}; name another sensor_type for this set of variables`,
    );
}

/** Whether the context's client can call the server (it is built lazily, and fails without an address). */
function hasCredentials(context: ServiceContext): boolean {
  try {
    return context.client.hasCredentials;
  } catch {
    return false;
  }
}

export interface WeatherIngressOptions extends BaseIngressOptions {
  /** Open-Meteo's base URL when the parameters name none (also env OPEN_METEO_URL). */
  openMeteoUrl?: string;
}

/**
 * Hourly weather for one location from Open-Meteo, stored as readings of one sensor.
 *
 * @example
 *   const ingress = new WeatherIngress({ baseUrl: 'http://localhost:5000', apiKey: 'mb_...' });
 *   await ingress.run({ latitude: 52.52, longitude: 13.41, past_days: 2 });
 */
export class WeatherIngress extends BaseIngress<WeatherParams> {
  private readonly openMeteoUrl: string;

  constructor(options: WeatherIngressOptions = {}) {
    const { openMeteoUrl, ...rest } = options;
    super(rest);
    this.openMeteoUrl = openMeteoUrl ?? process.env.OPEN_METEO_URL ?? FORECAST_URL;
  }

  async getServiceData(raw: WeatherParams, context: ServiceContext): Promise<ServiceRequest[]> {
    const p = checkParams(raw);
    const { request, keep } = upstreamRequest(p, context.window);
    // Without credentials (a served service answering pairs for the registry to write) there
    // is nobody to ask; the registry's write then reports a missing measure itself.
    if (hasCredentials(context)) await checkExistingType(context.client, p.sensor_type ?? DEFAULT_SENSOR_TYPE, request.variables);
    const weather = await fetchHourly(p.base_url ?? this.openMeteoUrl, request, { timeoutMs: p.timeout_ms ?? 30_000 });
    return weatherRequests(p, weather, keep);
  }
}
