import { AppError, unprocessable } from '../../../errors.ts';
import { csvValue, CSV_HEADER, CsvRecordReader, CsvSyntaxError } from './csv-readings.ts';
import { prepareSeriesReadings, ReadingsBuffer, timestampProblem, valueProblem, type SeriesReadings } from './readings-input.ts';
import type { SeriesLookup, SeriesRef } from '../series.repository.ts';
import { parseInstant, type Instant } from '../timestamps.ts';
import { quoteValue } from '../../shared/preview.ts';

export type StreamFormat = 'csv' | 'ndjson';

export interface StreamIngestArgs {
  format: StreamFormat;
  /** Lines of the body, a chunk at a time (see readLines). */
  lines: AsyncIterable<string[]>;
  /** Resolves a series; throws the 4xx for an unknown sensor or measure. */
  resolve: (lookup: SeriesLookup) => Promise<SeriesRef>;
  /** Receives the buffered readings every `flushRows` rows and at the end. */
  flush: (batches: SeriesReadings[]) => Promise<void>;
  flushRows?: number;
  /** Whether timestamps must carry a UTC offset (always on the resource API). */
  requireOffset: boolean;
}

export interface StreamIngestCount {
  rows: number;
  series: number;
}

export const DEFAULT_FLUSH_ROWS = 10_000;

/** Prefixes an error with the line it is about; a 4xx keeps its status. */
function atLine(line: number, error: unknown): unknown {
  if (error instanceof AppError && !error.issues) return new AppError(error.code, `line ${line}: ${error.detail}`);
  return error;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/**
 * Reads CSV (`sensor,measure,timestamp,value`) or NDJSON (a series object or a single reading
 * per line) line by line, resolving, validating and buffering readings, and hands them on in
 * batches, so memory stays flat for any size of input. The first bad line stops everything
 * with an error that names it.
 */
export async function ingestLines(args: StreamIngestArgs): Promise<StreamIngestCount> {
  const flushRows = args.flushRows ?? DEFAULT_FLUSH_ROWS;
  const buffer = new ReadingsBuffer();
  const seriesCache = new Map<string, SeriesRef>();
  const seen = new Set<string>();
  let rows = 0;
  let lineNumber = 0;
  /** The line the current record started on: errors name it. */
  let recordLine = 0;
  const csv = new CsvRecordReader();
  let headerSeen = false;

  async function seriesFor(sensor: string, measure: string, units?: string | null): Promise<SeriesRef> {
    const key = `${sensor}\u0000${measure}\u0000${units === undefined ? '\u0001' : String(units)}`;
    let series = seriesCache.get(key);
    if (!series) {
      series = await args.resolve(
        units === undefined ? { sensorUid: sensor, measureName: measure } : { sensorUid: sensor, measureName: measure, units },
      );
      seriesCache.set(key, series);
    }
    seen.add(`${series.sensorId}:${series.measureId}`);
    return series;
  }

  function timestampAt(text: unknown): Instant {
    const instant = typeof text === 'string' ? parseInstant(text, args.requireOffset) : 'invalid';
    if (typeof instant === 'string') throw unprocessable(`timestamp ${quoteValue(text)} ${timestampProblem(args.requireOffset, instant)}`);
    return instant;
  }

  async function csvRecord(fields: string[]): Promise<void> {
    if (!headerSeen) {
      const header = fields.map((f, i) => (i === 0 ? f.replace(/^\uFEFF/, '') : f).trim().toLowerCase());
      if (header.join(',') !== CSV_HEADER.join(',')) {
        throw unprocessable(`the first line must be the header ${CSV_HEADER.join(',')}`);
      }
      headerSeen = true;
      return;
    }
    if (fields.length !== 4) throw unprocessable(`expected 4 fields (${CSV_HEADER.join(',')}), got ${fields.length}`);
    const [sensor, measure, timestamp, text] = fields;
    const series = await seriesFor(sensor, measure);
    const time = timestampAt(timestamp);
    const value = csvValue(text, series.datatype);
    if (value === undefined) throw unprocessable(`value ${quoteValue(text)} is not of the measure's datatype ${series.datatype}`);
    const problem = valueProblem(value, series.datatype);
    if (problem) throw unprocessable(`value ${quoteValue(text)} ${problem}`);
    buffer.add(series, time.iso, time.time, value);
  }

  async function ndjsonRecord(line: string): Promise<void> {
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      throw unprocessable('not valid JSON');
    }
    if (!isObject(record) || typeof record.sensor !== 'string' || typeof record.measure !== 'string') {
      throw unprocessable('expected an object with "sensor" and "measure" strings');
    }
    const units = record.units;
    if (units !== undefined && units !== null && typeof units !== 'string') throw unprocessable('"units" must be a string or null');
    const series = await seriesFor(record.sensor, record.measure, units as string | null | undefined);
    if ('timestamps' in record || 'values' in record) {
      if (!isStringArray(record.timestamps) || !Array.isArray(record.values)) {
        throw unprocessable('a series needs "timestamps" (strings) and "values" arrays');
      }
      buffer.addSeries(prepareSeriesReadings(series, record.timestamps, record.values, { requireOffset: args.requireOffset }));
      return;
    }
    const time = timestampAt(record.timestamp);
    const problem = valueProblem(record.value, series.datatype);
    if (problem) throw unprocessable(`value ${quoteValue(record.value)} ${problem}`);
    buffer.add(series, time.iso, time.time, record.value as never);
  }

  async function flushIfFull(force: boolean) {
    if (buffer.size === 0 || (!force && buffer.size < flushRows)) return;
    rows += buffer.size;
    await args.flush(buffer.take());
  }

  for await (const lines of args.lines) {
    for (const line of lines) {
      lineNumber++;
      if (!csv.pending) {
        if (line.trim() === '') continue;
        recordLine = lineNumber;
      }
      try {
        if (args.format === 'ndjson') {
          await ndjsonRecord(line);
        } else {
          // A quoted CSV field may hold a line break: the record goes on until its quotes close.
          const fields = csv.push(line);
          if (fields === undefined) continue;
          if (fields instanceof CsvSyntaxError) throw unprocessable(`invalid CSV: ${fields.message}`);
          await csvRecord(fields);
        }
      } catch (error) {
        throw atLine(recordLine, error);
      }
      if (buffer.size >= flushRows) await flushIfFull(false);
    }
  }
  const unclosed = csv.end();
  if (unclosed) throw unprocessable(`line ${recordLine}: ${unclosed.message}`);
  if (args.format === 'csv' && !headerSeen) throw unprocessable(`the body is empty: expected the header ${CSV_HEADER.join(',')}`);
  await flushIfFull(true);
  return { rows, series: seen.size };
}
