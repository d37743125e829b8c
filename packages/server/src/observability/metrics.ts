/**
 * The Prometheus metrics of one built server: a registry of its own (tests build many apps in
 * one process; prom-client's global registry would refuse the second), the counters the HTTP
 * layer and the modules feed, and gauges read at scrape time from the parts that keep state
 * (stream hub, MQTT counters, database pool).
 */
import type { MqttStats } from '../mqtt/mqtt-stats.ts';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DatabaseObserver } from './database-metrics.ts';
import type { IngestPath, JobOutcome, MetricsRecorder } from './metrics-recorder.ts';

/** Seconds: from a cached read (~1 ms) to a large import or a slow service call. */
const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const JOB_BUCKETS = [0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 900];

/** What scrapes read from the parts that keep state; each is attached once those parts exist. */
export interface MetricsSources {
  /** Streams open now, by transport. */
  streamSubscribers?: () => Record<'sse' | 'websocket', number>;
  /** The MQTT ingest's running totals (they only grow), and its state. */
  mqtt?: () => { enabled: boolean } & Pick<
    MqttStats,
    'connected' | 'storedMessages' | 'storedReadings' | 'badMessages' | 'failedWrites' | 'pendingMessages'
  >;
}

export function createMetrics(options: { databasePoolSize: number }) {
  const registry = new Registry();
  const registers = [registry];
  let sources: MetricsSources = {};
  let processMetrics = false;

  // MQTT: the ingest keeps running totals (GET /api/v1/mqtt shows them); a scrape adds what they
  // grew by since the last one, so these stay counters that never go back.
  const mqttSeen = new Map<string, number>();
  const grow = <T extends string>(counter: Counter<T>, key: string, total: number, labels: Partial<Record<T, string>>) => {
    const delta = total - (mqttSeen.get(key) ?? 0);
    if (delta > 0) counter.inc(labels, delta);
    mqttSeen.set(key, total);
  };
  const httpRequests = new Counter({
    name: 'mirrorbase_http_requests_total',
    help: 'HTTP requests answered, by method, route template (unmatched URLs as "(unmatched)") and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: 'mirrorbase_http_request_duration_seconds',
    help: 'Time from a request arriving to its response being sent, by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const readings = new Counter({
    name: 'mirrorbase_readings_ingested_total',
    help: 'Readings stored (committed, duplicates not counted), by ingest path',
    labelNames: ['path'] as const,
    registers,
    collect() {
      const mqtt = sources.mqtt?.();
      if (mqtt?.enabled) grow(this, 'readings', mqtt.storedReadings, { path: 'mqtt' });
    },
  });
  const jobRuns = new Counter({
    name: 'mirrorbase_job_runs_total',
    help: 'Job handler runs in this process, by job name and outcome (a failed attempt counts, whether or not it is retried)',
    labelNames: ['job', 'outcome'] as const,
    registers,
  });
  const jobDuration = new Histogram({
    name: 'mirrorbase_job_duration_seconds',
    help: 'How long job handlers ran, by job name and outcome',
    labelNames: ['job', 'outcome'] as const,
    buckets: JOB_BUCKETS,
    registers,
  });

  // The database: postgres.js does not expose its pool's counts, so what is measured is what
  // passes through our Database interface (database-metrics.ts): a transaction holds one pool
  // connection from its BEGIN to its end, and waits for one before that.
  new Gauge({
    name: 'mirrorbase_db_pool_size',
    help: 'Connections the database pool may open (PGlite: its one connection)',
    registers,
  }).set(options.databasePoolSize);
  const transactionsActive = new Gauge({
    name: 'mirrorbase_db_transactions_active',
    help: 'Transactions holding a pool connection now',
    registers,
  });
  const transactionsWaiting = new Gauge({
    name: 'mirrorbase_db_transactions_waiting',
    help: 'Transactions asked for and waiting for a pool connection (or for PGlite) now',
    registers,
  });
  const queriesInFlight = new Gauge({
    name: 'mirrorbase_db_queries_in_flight',
    help: 'Statements sent and not yet answered (in transactions or not)',
    registers,
  });
  const queryDuration = new Histogram({
    name: 'mirrorbase_db_query_duration_seconds',
    help: 'Time per statement, waiting for a connection included, by outcome',
    labelNames: ['outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });

  new Gauge({
    name: 'mirrorbase_stream_subscribers',
    help: 'Realtime streams open in this process, by transport',
    labelNames: ['transport'] as const,
    registers,
    collect() {
      const counts = sources.streamSubscribers?.() ?? { sse: 0, websocket: 0 };
      for (const [transport, count] of Object.entries(counts)) this.set({ transport }, count);
    },
  });

  new Counter({
    name: 'mirrorbase_mqtt_messages_total',
    help: 'MQTT messages handled, by outcome (stored, or rejected with a reason)',
    labelNames: ['outcome', 'reason'] as const,
    registers,
    collect() {
      const mqtt = sources.mqtt?.();
      if (!mqtt?.enabled) return;
      grow(this, 'stored', mqtt.storedMessages, { outcome: 'stored' });
      for (const [reason, total] of Object.entries(mqtt.badMessages))
        grow(this, `rejected:${reason}`, total, { outcome: 'rejected', reason });
    },
  });
  new Counter({
    name: 'mirrorbase_mqtt_write_failures_total',
    help: 'Batches of MQTT readings whose write failed (retried; their messages stay unacknowledged meanwhile)',
    registers,
    collect() {
      const mqtt = sources.mqtt?.();
      if (mqtt?.enabled) grow(this, 'failedWrites', mqtt.failedWrites, {});
    },
  });
  new Gauge({
    name: 'mirrorbase_mqtt_pending_messages',
    help: 'MQTT messages received and not yet stored nor acknowledged',
    registers,
    collect() {
      this.set(sources.mqtt?.().pendingMessages ?? 0);
    },
  });
  new Gauge({
    name: 'mirrorbase_mqtt_connected',
    help: '1 while the bridge is connected to its broker (or the embedded broker listens), else 0',
    registers,
    collect() {
      this.set(sources.mqtt?.().connected ? 1 : 0);
    },
  });

  const recorder: MetricsRecorder = {
    readingsIngested(path: IngestPath, count: number) {
      if (count > 0) readings.inc({ path }, count);
    },
    jobRun(name: string, outcome: JobOutcome, seconds: number) {
      jobRuns.inc({ job: name, outcome });
      jobDuration.observe({ job: name, outcome }, seconds);
    },
  };

  const database: DatabaseObserver = {
    queryStarted() {
      queriesInFlight.inc();
      const end = queryDuration.startTimer();
      return (ok) => {
        queriesInFlight.dec();
        end({ outcome: ok ? 'ok' : 'error' });
      };
    },
    transactionRequested() {
      transactionsWaiting.inc();
      let phase: 'waiting' | 'active' | 'done' = 'waiting';
      return {
        began() {
          if (phase !== 'waiting') return;
          phase = 'active';
          transactionsWaiting.dec();
          transactionsActive.inc();
        },
        ended() {
          if (phase === 'waiting') transactionsWaiting.dec();
          else if (phase === 'active') transactionsActive.dec();
          phase = 'done';
        },
      };
    },
  };

  return {
    registry,
    /** For module code: readings and job runs. */
    recorder,
    /** For the database wrapper (database-metrics.ts). */
    database,
    /** One answered HTTP request; `route` is the route's template, never the raw URL. */
    httpRequest(method: string, route: string, status: number, seconds: number) {
      const labels = { method, route, status: String(status) };
      httpRequests.inc(labels);
      httpDuration.observe(labels, seconds);
    },
    /** Attaches the parts read at scrape time (the composition root, once it has built them). */
    watch(more: MetricsSources) {
      sources = { ...sources, ...more };
    },
    /**
     * prom-client's process metrics (CPU, memory, event-loop delay, GC, handles), for a process
     * that serves; not in the CLI's one-shot commands, whose process they would only observe.
     */
    collectProcessMetrics() {
      if (processMetrics) return;
      processMetrics = true;
      collectDefaultMetrics({ register: registry });
    },
    /** The text a scrape gets, and its content type. */
    async scrape(): Promise<{ contentType: string; body: string }> {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
