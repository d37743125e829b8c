import type { Database } from '../db/database.ts';
import type { ReadingsIngest } from '../modules/readings/ingest/readings-ingest.service.ts';
import { ReadingsBuffer, valueProblem } from '../modules/readings/ingest/readings-input.ts';
import type { Instant } from '../modules/readings/timestamps.ts';
import type { Value } from '../modules/shared/values.ts';
import { quoteValue } from '../modules/shared/preview.ts';
import type { BadMessageReporter, MqttLog } from './bad-messages.ts';
import type { MqttStats } from './mqtt-stats.ts';
import { BareValue, bareValue, parseMeasurePayload, parseSensorPayload, receiptClock, type ParsedReading } from './payloads.ts';
import type { SeriesResolver } from './series-resolver.ts';
import { topicParser } from './topics.ts';

/**
 * What became of a message, which says whether it may be acknowledged: stored (committed), bad
 * (never storable: reported instead), ignored (our own errors topic), or unstored (the batcher
 * closed before the database took it: do NOT acknowledge, the broker delivers it again).
 */
export type Outcome = 'stored' | 'bad' | 'ignored' | 'unstored';

interface Pending {
  topic: string;
  sensor: string;
  readings: ParsedReading[];
  /** The time of receipt, for readings without a timestamp. */
  received: Instant;
  settle: (outcome: Outcome) => void;
}

export interface BatcherSettings {
  topicRoot: string;
  batchSize: number;
  batchDelayMs: number;
  payloadLimitBytes: number;
}

const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 5000;

/**
 * The micro-batcher between MQTT and the ingest core. Each message is checked on arrival
 * (topic, size, payload shape, timestamp) and, when its batch is written, against the database
 * (sensor, measure, datatype, value range), so a bad message is reported on its own and never
 * fails a batch. A batch (batchSize readings, or batchDelayMs after its first message) is one
 * transaction through `ingest.write`; only after it commits is each message settled 'stored',
 * which is when the transport acknowledges it. One batch is written at a time; messages keep
 * gathering meanwhile. A failed write (database away) is retried with backoff, its messages
 * held unacknowledged: the broker then stops sending once Receive Maximum messages are in
 * flight (the bridge), or a device's connection is not read on (the embedded broker).
 */
export function createMqttBatcher(deps: {
  db: Database;
  ingest: Pick<ReadingsIngest, 'write'>;
  resolver: SeriesResolver;
  reporter: BadMessageReporter;
  stats: MqttStats;
  log: MqttLog;
  settings: BatcherSettings;
}) {
  const { settings, stats, reporter } = deps;
  const parseTopic = topicParser(settings.topicRoot);
  const receivedAt = receiptClock();
  let pending: Pending[] = [];
  let pendingReadings = 0;
  let timer: NodeJS.Timeout | undefined;
  let due = false;
  /** When the oldest message waiting came in: the batch delay counts from it, also while a write was going on. */
  let firstAt = 0;
  let writing: Promise<void> | undefined;
  let closing = false;
  /** Set when close() gives up on the database: everything still held is settled 'unstored'. */
  let abandoned = false;
  let wakeRetry: (() => void) | undefined;

  function bad(topic: string, sensor: string | undefined, reason: Parameters<BadMessageReporter['report']>[0]['reason'], problem: string) {
    reporter.report({ topic, sensor, reason, problem });
  }

  function kick() {
    if (writing) return;
    if (pending.length === 0) return;
    const waited = performance.now() - firstAt;
    if (waited >= settings.batchDelayMs) due = true;
    if (!(due || closing || pendingReadings >= settings.batchSize)) {
      timer ??= setTimeout(() => {
        timer = undefined;
        due = true;
        kick();
      }, settings.batchDelayMs - waited);
      return;
    }
    writing = run().finally(() => {
      writing = undefined;
      kick();
    });
  }

  async function run() {
    while (pending.length > 0 && (due || closing || pendingReadings >= settings.batchSize)) {
      const batch = pending;
      pending = [];
      pendingReadings = 0;
      due = false;
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      await writeWithRetries(batch);
    }
  }

  /** Checks a batch against the database's series; reports and settles the bad messages, returns the rest. */
  async function validate(batch: Pending[]): Promise<{ good: Pending[]; buffer: ReadingsBuffer }> {
    const pairs: [string, string][] = [];
    for (const message of batch) for (const reading of message.readings) pairs.push([message.sensor, reading.measure]);
    const lookup = await deps.resolver.resolve(deps.db, pairs);
    const good: Pending[] = [];
    const buffer = new ReadingsBuffer();
    const values: Value[] = [];
    for (const message of batch) {
      let refused: { reason: Parameters<typeof bad>[2]; problem: string } | undefined;
      values.length = 0;
      for (const reading of message.readings) {
        const series = lookup(message.sensor, reading.measure);
        if (!('sensorId' in series)) {
          refused = series;
          break;
        }
        const value = reading.value instanceof BareValue ? bareValue(reading.value.text, series.datatype) : reading.value;
        const problem = value === undefined ? `is not of the measure's datatype ${series.datatype}` : valueProblem(value, series.datatype);
        if (problem) {
          const shown = reading.value instanceof BareValue ? reading.value.text : reading.value;
          refused = { reason: 'value', problem: `value ${quoteValue(shown)} for measure "${series.measureName}" ${problem}` };
          break;
        }
        values.push(value as Value);
      }
      if (refused) {
        bad(message.topic, message.sensor, refused.reason, refused.problem);
        stats.pendingMessages--;
        message.settle('bad');
        continue;
      }
      for (let i = 0; i < message.readings.length; i++) {
        const reading = message.readings[i];
        const series = lookup(message.sensor, reading.measure) as Exclude<ReturnType<typeof lookup>, { reason: string }>;
        const instant = reading.timestamp ?? message.received;
        buffer.add(series, instant.iso, instant.time, values[i]);
      }
      good.push(message);
    }
    return { good, buffer };
  }

  async function writeWithRetries(batch: Pending[]) {
    let remaining = batch;
    for (let attempt = 0; ; attempt++) {
      try {
        const { good, buffer } = await validate(remaining);
        remaining = good;
        if (good.length === 0) return;
        const readings = buffer.take();
        const result = await deps.db.transaction((tx) => deps.ingest.write(tx, readings));
        stats.batches++;
        stats.storedMessages += good.length;
        stats.storedReadings += result.inserted;
        stats.duplicateReadings += result.duplicates;
        stats.pendingMessages -= good.length;
        stats.lastBatchAt = new Date().toISOString();
        for (const message of good) message.settle('stored');
        return;
      } catch (error) {
        stats.failedWrites++;
        stats.lastError = { at: new Date().toISOString(), message: (error as Error).message };
        // A sensor or measure may have gone since it was resolved: look everything up afresh.
        deps.resolver.clear();
        if (abandoned) {
          stats.pendingMessages -= remaining.length;
          for (const message of remaining) message.settle('unstored');
          return;
        }
        const delay = Math.min(RETRY_FIRST_MS * 2 ** attempt, RETRY_MAX_MS);
        deps.log.warn(
          { err: error, messages: remaining.length, attempt: attempt + 1, retryInMs: delay },
          'mqtt: writing a batch failed, retrying',
        );
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, delay);
          wakeRetry = () => {
            clearTimeout(t);
            resolve();
          };
        });
        wakeRetry = undefined;
      }
    }
  }

  return {
    /**
     * Takes one message; the promise settles when the message may be acknowledged (never
     * rejects). After close() began, messages are refused 'unstored' at once.
     */
    add(topic: string, payload: Buffer): Promise<Outcome> {
      stats.received++;
      if (closing) return Promise.resolve('unstored');
      const parsed = parseTopic(topic);
      if (parsed.kind === 'ignored') return Promise.resolve('ignored');
      if (parsed.kind === 'bad') {
        bad(topic, parsed.sensor, 'topic', parsed.problem);
        return Promise.resolve('bad');
      }
      if (payload.length > settings.payloadLimitBytes) {
        bad(topic, parsed.sensor, 'payload_too_large', `payload of ${payload.length} bytes is larger than ${settings.payloadLimitBytes}`);
        return Promise.resolve('bad');
      }
      const body = parsed.kind === 'measure' ? parseMeasurePayload(parsed.measure, payload) : parseSensorPayload(payload);
      if (!body.ok) {
        bad(topic, parsed.sensor, body.reason, body.problem);
        return Promise.resolve('bad');
      }
      return new Promise<Outcome>((settle) => {
        if (pending.length === 0) firstAt = performance.now();
        pending.push({ topic, sensor: parsed.sensor, readings: body.readings, received: receivedAt(), settle });
        pendingReadings += body.readings.length;
        stats.pendingMessages++;
        kick();
      });
    },

    /**
     * Stops taking messages and writes what is held. Past `deadlineMs` with the database still
     * refusing, the held messages are settled 'unstored' (not acknowledged: the broker keeps them).
     */
    async close(deadlineMs = 10_000): Promise<void> {
      closing = true;
      kick();
      const deadline = setTimeout(() => {
        abandoned = true;
        wakeRetry?.();
      }, deadlineMs);
      try {
        while (writing) await writing;
      } finally {
        clearTimeout(deadline);
      }
    },
  };
}

export type MqttBatcher = ReturnType<typeof createMqttBatcher>;
