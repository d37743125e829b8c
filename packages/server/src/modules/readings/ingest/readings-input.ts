import { unprocessable } from '../../../errors.ts';
import type { ValueDatatype } from '../../../db/schema/common.ts';
import { quoteValue } from '../../shared/preview.ts';
import { fitsDatatype, type Value } from '../../shared/values.ts';
import type { SeriesRef } from '../series.repository.ts';
import { INSTANT_RANGE_PROBLEM, parseInstant, type InstantProblem } from '../timestamps.ts';

/** Readings of one series, validated and ready for the ingest core. */
export interface SeriesReadings {
  series: SeriesRef;
  /**
   * Canonical timestamps (parseInstant's `iso`), never the client's text: what the database
   * stores must be exactly the microsecond the ingest core ordered and deduplicated on.
   */
  timestamps: string[];
  /** The same timestamps in milliseconds since the epoch (ordering, partitions, rollups). */
  times: number[];
  values: Value[];
}

export const timestampProblem = (requireOffset: boolean, problem: InstantProblem = 'invalid') =>
  problem !== 'invalid'
    ? `is out of range: ${INSTANT_RANGE_PROBLEM[problem]}`
    : requireOffset
      ? 'is not an ISO-8601 datetime with a UTC offset (e.g. 2024-01-01T00:00:00Z)'
      : 'is not a valid ISO-8601 datetime';

/**
 * The largest float magnitude accepted. Rollups keep min, max and sum per minute, hour and day
 * as float8, and reads add those sums up: near the float8 maximum (1.8e308) two readings
 * already overflow, which the set-based INSERT refused as an error and the COPY path stored as
 * Infinity. Bounding values at 1e300 leaves the sums eight orders of magnitude of headroom
 * (an overflow would take over 10^8 extreme readings in one bucket) while refusing no
 * physically meaningful reading; a numeric sum would need a migration and slower rollups.
 */
export const FLOAT_MAGNITUDE_LIMIT = 1e300;
export const FLOAT_RANGE_PROBLEM = 'is out of range: float values must be within ±1e300';

/** Why a value cannot be stored for a datatype, or undefined when it can. */
export function valueProblem(value: unknown, datatype: ValueDatatype): string | undefined {
  if (!fitsDatatype(value, datatype)) return `is not of the measure's datatype ${datatype}`;
  if (datatype === 'float' && Math.abs(value as number) > FLOAT_MAGNITUDE_LIMIT) return FLOAT_RANGE_PROBLEM;
  // PostgreSQL text cannot hold NUL; refusing it here keeps it a 422, not a database error.
  if (typeof value === 'string' && value.includes('\u0000')) return 'contains a NUL character';
  return undefined;
}

export interface PrepareOptions {
  /** The resource API requires an explicit UTC offset; DTBase reads naive timestamps as UTC. */
  requireOffset: boolean;
  /** Names the arrays in error messages, e.g. `series[2]`; empty for a single series. */
  where?: string;
  valuesName?: string;
}

/**
 * Checks a column-wise series (equal lengths, every timestamp, every value against the
 * measure's datatype) and throws a 422 naming the first bad element.
 */
export function prepareSeriesReadings(
  series: SeriesRef,
  timestamps: readonly string[],
  values: readonly unknown[],
  options: PrepareOptions,
): SeriesReadings {
  const where = options.where ? `${options.where}: ` : '';
  const valuesName = options.valuesName ?? 'values';
  if (timestamps.length !== values.length) {
    throw unprocessable(`${where}timestamps and ${valuesName} must have the same length (got ${timestamps.length} and ${values.length})`);
  }
  const times = new Array<number>(timestamps.length);
  const canonical = new Array<string>(timestamps.length);
  for (let i = 0; i < timestamps.length; i++) {
    const instant = parseInstant(timestamps[i], options.requireOffset);
    if (typeof instant === 'string') {
      throw unprocessable(
        `${where}timestamp ${quoteValue(timestamps[i])} at index ${i} ${timestampProblem(options.requireOffset, instant)}`,
      );
    }
    times[i] = instant.time;
    canonical[i] = instant.iso;
  }
  const { datatype } = series;
  for (let i = 0; i < values.length; i++) {
    const problem = valueProblem(values[i], datatype);
    if (problem) {
      throw unprocessable(`${where}value ${quoteValue(values[i])} at index ${i} for measure "${series.measureName}" ${problem}`);
    }
  }
  return { series, timestamps: canonical, times, values: values as Value[] };
}

/**
 * Collects single readings (CSV rows, NDJSON lines) per series until there are enough to
 * send through the ingest core in one go.
 */
export class ReadingsBuffer {
  private bySeries = new Map<string, SeriesReadings>();
  size = 0;

  add(series: SeriesRef, timestamp: string, time: number, value: Value): void {
    const key = `${series.sensorId}:${series.measureId}`;
    let entry = this.bySeries.get(key);
    if (!entry) {
      entry = { series, timestamps: [], times: [], values: [] };
      this.bySeries.set(key, entry);
    }
    entry.timestamps.push(timestamp);
    entry.times.push(time);
    entry.values.push(value);
    this.size++;
  }

  addSeries(readings: SeriesReadings): void {
    for (let i = 0; i < readings.times.length; i++) {
      this.add(readings.series, readings.timestamps[i], readings.times[i], readings.values[i]);
    }
  }

  /** Everything collected so far; the buffer starts empty again. */
  take(): SeriesReadings[] {
    const batches = [...this.bySeries.values()];
    this.bySeries = new Map();
    this.size = 0;
    return batches;
  }
}
