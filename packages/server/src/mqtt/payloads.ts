import { isUtf8 } from 'node:buffer';
import { INSTANT_RANGE_PROBLEM, MAX_INSTANT_MS, MIN_INSTANT_MS, parseInstant, type Instant } from '../modules/readings/timestamps.ts';

/**
 * MQTT payloads: on `<root>/<sensor>/<measure>` a bare value (`21.5`, `true`, or text for a
 * string measure) or JSON `{"value": 21.5, "timestamp": "2026-01-01T00:00:00Z"}`; on
 * `<root>/<sensor>` a JSON object of measures `{"temperature": 21.5, "humidity": 40,
 * "timestamp": 1767225600000}`. A timestamp is ISO-8601 with a UTC offset, or epoch
 * milliseconds; without one the reading takes its time of receipt.
 */

/** A value sent as bare text: what it is depends on the measure's datatype, known later. */
export class BareValue {
  constructor(readonly text: string) {}
}

export interface ParsedReading {
  measure: string;
  value: unknown;
  /** undefined: the time of receipt. */
  timestamp: Instant | undefined;
}

export type ParsedPayload = { ok: true; readings: ParsedReading[] } | { ok: false; reason: 'payload' | 'timestamp'; problem: string };

/** Measures in one per-sensor object at most (a sensor type has a handful). */
export const MAX_MEASURES_PER_MESSAGE = 1000;
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

const payloadProblem = (problem: string): ParsedPayload => ({ ok: false, reason: 'payload', problem });
const timestampProblem = (problem: string): ParsedPayload => ({ ok: false, reason: 'timestamp', problem });

/** What a bare value is for a datatype: undefined when the text is none of it. */
export function bareValue(text: string, datatype: string): unknown {
  switch (datatype) {
    case 'float':
    case 'integer':
      return NUMBER_TEXT.test(text) ? Number(text) : undefined;
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : undefined;
    default:
      return text;
  }
}

/** ISO-8601 with an offset, or whole epoch milliseconds; a string saying why not. */
export function parseTimestampField(raw: unknown): Instant | string {
  if (typeof raw === 'number') {
    if (!Number.isSafeInteger(raw)) return 'timestamp must be ISO-8601 text with a UTC offset or whole epoch milliseconds';
    if (raw < MIN_INSTANT_MS) return `timestamp is out of range: ${INSTANT_RANGE_PROBLEM.low}`;
    if (raw >= MAX_INSTANT_MS) return `timestamp is out of range: ${INSTANT_RANGE_PROBLEM.high}`;
    return instantFromMicros(raw * 1000);
  }
  if (typeof raw !== 'string') return 'timestamp must be ISO-8601 text with a UTC offset or whole epoch milliseconds';
  const instant = parseInstant(raw, true);
  if (instant === 'invalid')
    return 'timestamp is not an ISO-8601 datetime with a UTC offset (e.g. 2026-01-01T00:00:00Z) nor epoch milliseconds';
  if (typeof instant === 'string') return `timestamp is out of range: ${INSTANT_RANGE_PROBLEM[instant]}`;
  return instant;
}

/** An instant from whole microseconds since the epoch (years 1970-9999). */
export function instantFromMicros(micros: number): Instant {
  const ms = Math.floor(micros / 1000);
  const fraction = micros - ms * 1000;
  const iso = new Date(ms).toISOString();
  return { time: ms + fraction / 1000, iso: `${iso.slice(0, 23)}${String(fraction).padStart(3, '0')}Z`.replace(/^\+0*(?=\d{4}-)/, '') };
}

/**
 * Times of receipt for readings sent without a timestamp: microseconds, strictly increasing in
 * this process, so two bare values of one series never share a timestamp (which the readings
 * key would take for a duplicate).
 */
export function receiptClock(now: () => number = () => performance.timeOrigin + performance.now()): () => Instant {
  let last = 0;
  return () => {
    last = Math.max(Math.round(now() * 1000), last + 1);
    return instantFromMicros(last);
  };
}

function decode(payload: Buffer): string | undefined {
  return isUtf8(payload) ? payload.toString('utf8') : undefined;
}

function parseJsonObject(text: string): Record<string, unknown> | string {
  let parsed: unknown;
  try {
    // V8's JSON.parse is iterative: deep nesting costs memory bounded by the payload limit, not stack.
    parsed = JSON.parse(text);
  } catch {
    return 'payload is not valid JSON';
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'payload must be a JSON object';
  return parsed as Record<string, unknown>;
}

const isScalar = (value: unknown) => typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean';

/** The payload of `<root>/<sensor>/<measure>`. */
export function parseMeasurePayload(measure: string, payload: Buffer): ParsedPayload {
  const text = decode(payload);
  if (text === undefined) return payloadProblem('payload is not UTF-8 text');
  if (!text.trimStart().startsWith('{'))
    return { ok: true, readings: [{ measure, value: new BareValue(text.trim()), timestamp: undefined }] };
  const object = parseJsonObject(text);
  if (typeof object === 'string') return payloadProblem(object);
  for (const key of Object.keys(object)) {
    if (key !== 'value' && key !== 'timestamp')
      return payloadProblem(`unexpected key ${JSON.stringify(key.slice(0, 100))}: a reading is {"value": ..., "timestamp": ...}`);
  }
  if (!('value' in object)) return payloadProblem('JSON payload has no "value"');
  if (!isScalar(object.value)) return payloadProblem('"value" must be a number, a boolean or a string');
  let timestamp: Instant | undefined;
  if (object.timestamp !== undefined) {
    const parsed = parseTimestampField(object.timestamp);
    if (typeof parsed === 'string') return timestampProblem(parsed);
    timestamp = parsed;
  }
  return { ok: true, readings: [{ measure, value: object.value, timestamp }] };
}

/** The payload of `<root>/<sensor>`: `{"<measure>": value, ..., "timestamp": ...}`. */
export function parseSensorPayload(payload: Buffer): ParsedPayload {
  const text = decode(payload);
  if (text === undefined) return payloadProblem('payload is not UTF-8 text');
  const object = parseJsonObject(text);
  if (typeof object === 'string') return payloadProblem(object);
  let timestamp: Instant | undefined;
  if (object.timestamp !== undefined) {
    const parsed = parseTimestampField(object.timestamp);
    if (typeof parsed === 'string') return timestampProblem(parsed);
    timestamp = parsed;
  }
  const readings: ParsedReading[] = [];
  for (const [measure, value] of Object.entries(object)) {
    if (measure === 'timestamp') continue;
    if (readings.length >= MAX_MEASURES_PER_MESSAGE) return payloadProblem(`more than ${MAX_MEASURES_PER_MESSAGE} measures in one message`);
    if (!isScalar(value))
      return payloadProblem(`measure ${JSON.stringify(measure.slice(0, 100))}: a value must be a number, a boolean or a string`);
    readings.push({ measure, value, timestamp });
  }
  if (readings.length === 0) return payloadProblem('the object names no measure');
  return { ok: true, readings };
}
