import { createRequire } from 'node:module';
import pino from 'pino';
import { buildApp } from './app.ts';
import { loadConfig, type Config } from './config.ts';
import { openDatabase } from './db/connection.ts';
import { checkMigrations, migrate } from './db/migrate.ts';
import { createEvents } from './events/events.ts';
import { resolveJwtSecret } from './secrets.ts';
import { createServices } from './services.ts';
import { exitOnSignals } from './shutdown.ts';
import { limitHeapGrowth, releaseStartupGarbage } from './startup-memory.ts';
import { startMetricsListener, type MetricsListener } from './observability/metrics-listener.ts';

export function createLogger(config: Config) {
  const pretty = process.stdout.isTTY && config.nodeEnv !== 'production';
  if (!pretty) return pino({ level: config.logLevel });
  // Pretty lines are formatted in this thread, not in a transport's worker thread (~10 MB of
  // memory for a terminal); pino-pretty is loaded only here.
  const prettyStream = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  return pino({ level: config.logLevel }, prettyStream({ translateTime: 'HH:MM:ss', ignore: 'pid,hostname' }));
}

/**
 * The process entry: config -> database -> migrations -> app -> listen, and a graceful
 * shutdown on SIGTERM/SIGINT (stop accepting, finish in-flight requests, close the pool),
 * bounded by MIRRORBASE_SHUTDOWN_TIMEOUT_MS (shutdown.ts).
 */
export async function serve(config: Config = loadConfig()) {
  limitHeapGrowth();
  const logger = createLogger(config);
  const db = await openDatabase(config);
  logger.info({ engine: db.engine, dataDir: db.engine === 'pglite' ? config.dataDir : undefined }, 'database open');
  // MIRRORBASE_MIGRATE_ON_START=false: a separate job migrates; refuse a database not up to date.
  const migrations = config.migrateOnStart ? await migrate(db) : await checkMigrations(db);
  if (migrations.applied.length) logger.info({ applied: migrations.applied }, 'migrations applied');

  const { secret, source } = await resolveJwtSecret(config, db);
  if (source !== 'env') logger.warn({ source }, 'DT_JWT_SECRET_KEY is not set: using a development secret kept in the database');

  const events = createEvents({ db, onError: (error) => logger.error({ err: error }, 'event listener failed') });
  await events.start();
  const services = createServices({ db, config, events, jwtSecret: secret, log: logger });
  const { users } = services;
  const defaultUser = await users.applyDefaultUser(config.defaultUserPassword);
  if (defaultUser === 'set') logger.info('default_user@localhost has the password from DT_DEFAULT_USER_PASS');
  if ((await users.count()) === 0) {
    logger.warn('no users exist: set DT_DEFAULT_USER_PASS or run `npx mirrorbase user add EMAIL`');
  }

  const app = await buildApp({ config, services, logger });
  // CPU, memory, event-loop delay, GC: of this serving process (not of the CLI's commands).
  services.metrics.collectProcessMetrics();
  let metricsListener: MetricsListener | undefined;
  // Retention, partition upkeep and other jobs: each due job runs on one replica.
  await services.jobs.start();
  // A running job may finish within most of the shutdown's time, then goes back to the queue.
  const jobsDeadlineMs = Math.floor(config.shutdownTimeoutMs * 0.8);
  exitOnSignals({
    logger,
    timeoutMs: config.shutdownTimeoutMs,
    server: app.server,
    close: async () => {
      // MQTT first: stop taking messages, store and acknowledge those taken, disconnect.
      await Promise.all([services.mqtt.stop(jobsDeadlineMs), services.jobs.stop(jobsDeadlineMs), app.close(), metricsListener?.close()]);
      await events.close();
      await db.close();
    },
    forceClose: async () => {
      app.server.closeAllConnections();
      await db.close({ force: true });
    },
  });

  await app.listen({ port: config.port, host: config.host });
  const { metricsPort, metricsHost } = config.observability;
  if (metricsPort !== undefined) {
    metricsListener = await startMetricsListener({
      metrics: services.metrics,
      host: metricsHost,
      port: metricsPort,
      onError: (error) => logger.error({ err: error }, 'collecting the metrics failed'),
    });
    logger.info({ port: metricsListener.port, host: metricsHost }, 'metrics listener started (GET /metrics, no authentication)');
  }
  if (services.mqtt.enabled) {
    const { port } = await services.mqtt.start();
    logger.info({ mode: config.mqtt.mode, root: config.mqtt.topicRoot, ...(port !== undefined ? { port } : {}) }, 'mqtt ingest started');
  }
  logger.info({ docs: `http://localhost:${config.port}/docs` }, 'mirrorbase is ready');
  releaseStartupGarbage();
  return app;
}
