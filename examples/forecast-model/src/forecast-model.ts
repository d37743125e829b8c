import { BaseModel, type MirrorbaseClient, type ServiceContext, type ServiceRequest } from '@mirrorbase/sdk';
import { fitHoltWinters, forecastHoltWinters, type HoltWintersFit } from './holt-winters.ts';
import { regularise } from './series.ts';

/** The JSON parameters of one run. */
export interface ForecastParams {
  /** The sensor (unique identifier) and measure to forecast. */
  sensor: string;
  measure: string;
  /** How much history to fit on, an ISO 8601 duration of days or hours (P14D, PT72H); default P14D. */
  history_window?: string;
  /** End of the history (ISO 8601); by default the run's window end, else now. */
  history_to?: string;
  /**
   * The history itself, when the registry sends it (a `$readings` placeholder resolved to
   * `{sensor, measure, timestamps, values}`); then nothing is read back from the server.
   */
  history?: { timestamps: string[]; values: unknown[] };
  /** Steps per season: 24 for hourly data with a daily cycle. */
  season_length?: number;
  /** Steps to forecast. */
  horizon?: number;
  /** Probability of the prediction interval, e.g. 0.95. */
  coverage?: number;
  /**
   * The units of the sensor's measure, which the model measures take over. Read from the
   * server when left out; needed when the service has no credentials (it answers its requests
   * for the registry to write, with the history sent in the call).
   */
  units?: string;
  /** Model and scenario names the run is filed under. */
  model?: string;
  scenario?: string;
}

export const DEFAULT_MODEL = 'holt-winters';
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** P14D, PT72H, P1DT12H: days and hours only, enough for a history window. */
export function durationMs(text: string): number {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(text);
  if (!match || text === 'P' || text.endsWith('T'))
    throw new Error(`history_window must be an ISO 8601 duration such as P14D or PT72H, not ${JSON.stringify(text)}`);
  const [, d = '0', h = '0', m = '0'] = match;
  return ((Number(d) * 24 + Number(h)) * 60 + Number(m)) * 60_000;
}

export function checkParams(raw: unknown): ForecastParams {
  if (!isRecord(raw)) throw new Error('parameters must be a JSON object with sensor and measure');
  const p = raw as unknown as ForecastParams;
  for (const key of ['sensor', 'measure'] as const)
    if (typeof p[key] !== 'string' || p[key] === '') throw new Error(`${key} must be a non-empty string`);
  for (const key of ['season_length', 'horizon'] as const)
    if (p[key] !== undefined && (!Number.isInteger(p[key]) || (p[key] as number) < 1 || (p[key] as number) > 10_000))
      throw new Error(`${key} must be a whole number from 1 to 10000`);
  if (p.coverage !== undefined && (typeof p.coverage !== 'number' || !(p.coverage > 0 && p.coverage < 1)))
    throw new Error('coverage must be a probability between 0 and 1, e.g. 0.95');
  if (p.history_window !== undefined) durationMs(p.history_window);
  if (p.history_to !== undefined && Number.isNaN(Date.parse(p.history_to))) throw new Error('history_to must be an ISO 8601 instant');
  if (p.history !== undefined && (!isRecord(p.history) || !Array.isArray(p.history.timestamps) || !Array.isArray(p.history.values)))
    throw new Error('history must be {timestamps: [...], values: [...]}');
  if (p.units !== undefined && typeof p.units !== 'string') throw new Error('units must be a string');
  for (const key of ['model', 'scenario'] as const)
    if (p[key] !== undefined && (typeof p[key] !== 'string' || p[key] === '')) throw new Error(`${key} must be a non-empty string`);
  return p;
}

/** Names of the three model measures a forecast of `measure` is written in. */
export const outputMeasures = (measure: string) => ({ mean: `${measure}_mean`, lower: `${measure}_lower`, upper: `${measure}_upper` });

/**
 * The scenario is the method and its settings, as JSON: runs with the same settings share a
 * scenario, and the parameters of every run can be read back from it.
 */
export function scenarioDescription(p: ForecastParams): string {
  return JSON.stringify({
    ...(p.scenario ? { scenario: p.scenario } : {}),
    method: 'holt-winters-additive',
    season_length: p.season_length ?? 24,
    horizon: p.horizon ?? 48,
    coverage: p.coverage ?? 0.95,
    history_window: p.history ? 'given' : (p.history_window ?? 'P14D'),
  });
}

export interface ForecastResult {
  fit: HoltWintersFit;
  /** The forecast origin: the last observation used. */
  origin: string;
  timestamps: string[];
  mean: number[];
  lower: number[];
  upper: number[];
}

/** Fits and forecasts a history given column-wise; pure, so the tests can check it directly. */
export function forecastSeries(history: { timestamps: string[]; values: unknown[] }, p: ForecastParams): ForecastResult {
  const series = regularise(history.timestamps, history.values);
  const fit = fitHoltWinters(series.values, p.season_length ?? 24);
  const horizon = p.horizon ?? 48;
  const { mean, lower, upper } = forecastHoltWinters(fit, horizon, p.coverage ?? 0.95);
  const last = series.start + (series.values.length - 1) * series.stepMs;
  const timestamps = Array.from({ length: horizon }, (_, i) => new Date(last + (i + 1) * series.stepMs).toISOString());
  return { fit, origin: new Date(last).toISOString(), timestamps, mean, lower, upper };
}

/** DTBase-style requests that file a forecast as a model run tied to the sensor and measure. */
export function runRequests(p: ForecastParams, units: string, result: ForecastResult): ServiceRequest[] {
  const model = p.model ?? DEFAULT_MODEL;
  const names = outputMeasures(p.measure);
  const scenario = scenarioDescription(p);
  const output = (name: string, values: number[]) => ({ measure_name: name, values, timestamps: result.timestamps });
  return [
    ['/model/insert-model', { name: model }],
    ...Object.values(names).map((name): ServiceRequest => ['/model/insert-model-measure', { name, units, datatype: 'float' }]),
    ['/model/insert-model-scenario', { model_name: model, description: scenario }],
    [
      '/model/insert-model-run',
      {
        model_name: model,
        scenario_description: scenario,
        // The forecast origin, not the wall clock: the same history gives the same run, and a
        // second run on it is an "already exists" 409 rather than a duplicate run.
        time_created: result.origin,
        sensor_unique_id: p.sensor,
        sensor_measure: { name: p.measure, units },
        measures_and_values: [output(names.mean, result.mean), output(names.lower, result.lower), output(names.upper, result.upper)],
      },
    ],
  ];
}

/** The units of a sensor's measure, which the model measures take over. */
async function measureUnits(client: MirrorbaseClient, sensor: string, measure: string): Promise<string> {
  const { data, response } = await client.api.GET('/api/v1/sensors/{uid}', { params: { path: { uid: sensor } } });
  if (!data) throw new Error(`the sensor ${sensor} could not be read (${response.status})`);
  const found = (data.measures ?? []).find((m: { name: string }) => m.name === measure);
  if (!found) throw new Error(`the sensor ${sensor} has no measure ${measure}`);
  return found.units ?? '';
}

/** Whether the context's client can call the server (it is built lazily, and fails without an address). */
function hasCredentials(context: ServiceContext): boolean {
  try {
    return context.client.hasCredentials;
  } catch {
    return false;
  }
}

/**
 * Reads a sensor's history, fits additive Holt-Winters and writes the forecast (mean and the
 * bounds of a prediction interval) as a model run compared with that sensor and measure.
 *
 * @example
 *   await new ForecastModel({ apiKey: 'mb_...' }).run({ sensor: 'ws-1', measure: 'temperature', horizon: 24 });
 */
export class ForecastModel extends BaseModel<ForecastParams> {
  /** The fit of the last run (of this instance: a served one answers many), for logs and tests. */
  lastResult?: ForecastResult;

  async getServiceData(raw: ForecastParams, context: ServiceContext): Promise<ServiceRequest[]> {
    const p = checkParams(raw);
    const canAsk = hasCredentials(context);
    if (!canAsk && (p.units === undefined || p.history === undefined))
      throw new Error('without credentials for the server this model needs both history and units in its parameters');
    const units = p.units ?? (await measureUnits(context.client, p.sensor, p.measure));
    let history = p.history;
    if (!history) {
      const to = new Date(p.history_to ?? context.window?.to ?? Date.now());
      const from = new Date(to.getTime() - durationMs(p.history_window ?? 'P14D'));
      history = await context.client.readings.query({
        sensor: p.sensor,
        measure: p.measure,
        from: from.toISOString(),
        to: to.toISOString(),
      });
    }
    const result = forecastSeries(history, p);
    this.lastResult = result;
    return runRequests(p, units, result);
  }
}
