import type { MqttConfig } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { Events } from '../events/events.ts';
import type { ApiKeyLookup } from '../modules/api-keys/api-key-lookup.ts';
import type { ReadingsIngest } from '../modules/readings/ingest/readings-ingest.service.ts';
import { createBadMessageReporter, type MqttLog } from './bad-messages.ts';
import { createEmbeddedBroker } from './embedded-broker.ts';
import { createMqttBatcher } from './mqtt-batcher.ts';
import { createMqttBridge } from './mqtt-bridge.ts';
import { createMqttStats, type MqttStats } from './mqtt-stats.ts';
import { createSeriesResolver } from './series-resolver.ts';

const silentLog: MqttLog = { info() {}, warn() {}, error() {} };
/** How often the counters are logged while messages come in. */
const LOG_EVERY_MS = 60_000;

/**
 * MQTT ingest: the bridge to an external broker (MQTT_URL) or the embedded broker
 * (MQTT_EMBEDDED=1), both feeding one micro-batcher that writes through the ingest core, so
 * MQTT readings are validated, stored, rolled up and announced (`readings.accepted`) exactly
 * like those of the REST API. main.ts starts and stops it; with neither set it does nothing.
 */
export function createMqttService(deps: {
  db: Database;
  ingest: Pick<ReadingsIngest, 'write'>;
  events: Pick<Events, 'subscribe'>;
  keys: Pick<ApiKeyLookup, 'authenticate'>;
  settings: MqttConfig;
  log?: MqttLog;
}) {
  const { settings } = deps;
  const log = deps.log ?? silentLog;
  const stats = createMqttStats(settings.mode);
  let running: { stop(deadlineMs: number): Promise<void> } | undefined;
  let resolver: ReturnType<typeof createSeriesResolver> | undefined;
  let ticker: NodeJS.Timeout | undefined;

  function logCounters() {
    const { received, storedReadings, badMessages, batches, pendingMessages, connected } = stats;
    const bad = Object.values(badMessages).reduce((a, b) => a + b, 0);
    log.info({ connected, received, storedReadings, badMessages: bad, batches, pendingMessages }, 'mqtt: counters');
  }

  return {
    enabled: settings.mode !== 'off',
    /** Counters of this process (GET /api/v1/mqtt). */
    stats: (): MqttStats => ({ ...stats, badMessages: { ...stats.badMessages } }),

    /** Connects the bridge or opens the embedded broker; the embedded broker's port is returned (port 0: chosen). */
    async start(): Promise<{ port?: number }> {
      if (settings.mode === 'off' || running) return {};
      resolver = createSeriesResolver({ events: deps.events });
      const reporter = createBadMessageReporter({ root: settings.topicRoot, stats, log });
      const batcher = createMqttBatcher({
        db: deps.db,
        ingest: deps.ingest,
        resolver,
        reporter,
        stats,
        log,
        settings: {
          topicRoot: settings.topicRoot,
          batchSize: settings.batchSize,
          batchDelayMs: settings.batchDelayMs,
          payloadLimitBytes: settings.payloadLimitBytes,
        },
      });
      let received = -1;
      ticker = setInterval(() => {
        if (stats.received !== received) logCounters();
        received = stats.received;
      }, LOG_EVERY_MS);
      ticker.unref();
      if (settings.mode === 'bridge') {
        const bridge = createMqttBridge({ settings, batcher, stats, log });
        reporter.setPublisher((topic, payload) => bridge.publish(topic, payload));
        running = bridge;
        await bridge.start();
        return {};
      }
      const broker = createEmbeddedBroker({ settings, batcher, reporter, keys: deps.keys, stats, log });
      running = broker;
      return broker.start();
    },

    /** Stops taking messages, stores and acknowledges what was taken, disconnects. */
    async stop(deadlineMs = 10_000): Promise<void> {
      const current = running;
      running = undefined;
      if (ticker) clearInterval(ticker);
      if (!current) return;
      await current.stop(deadlineMs);
      resolver?.close();
      logCounters();
    },
  };
}

export type MqttService = ReturnType<typeof createMqttService>;
