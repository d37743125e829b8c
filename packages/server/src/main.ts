import pino from 'pino';
import { buildApp } from './app.ts';
import { loadConfig, type Config } from './config.ts';
import { openDatabase } from './db/connection.ts';
import { migrate } from './db/migrate.ts';
import { createEvents } from './events/events.ts';
import { resolveJwtSecret } from './secrets.ts';
import { createServices } from './services.ts';

export function createLogger(config: Config) {
  const pretty = process.stdout.isTTY && config.nodeEnv !== 'production';
  return pino({
    level: config.logLevel,
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } } : {}),
  });
}

/**
 * The process entry: config -> database -> migrations -> app -> listen, and a graceful
 * shutdown on SIGTERM/SIGINT (stop accepting, finish in-flight requests, close the pool).
 */
export async function serve(config: Config = loadConfig()) {
  const logger = createLogger(config);
  const db = await openDatabase(config);
  logger.info({ engine: db.engine, dataDir: db.engine === 'pglite' ? config.dataDir : undefined }, 'database open');
  const migrations = await migrate(db);
  if (migrations.applied.length) logger.info({ applied: migrations.applied }, 'migrations applied');

  const { secret, source } = await resolveJwtSecret(config);
  if (source !== 'env') logger.warn({ source }, 'DT_JWT_SECRET_KEY is not set: using a development secret kept in the data folder');

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
  // Retention, partition upkeep and other jobs: each due job runs on one replica.
  await services.jobs.start();
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, 30_000).unref();
    try {
      // A running job gets 15 s to finish, then goes back to the queue for another replica.
      await Promise.all([services.jobs.stop(15_000), app.close()]);
      await events.close();
      await db.close();
      clearTimeout(timer);
      logger.info('shut down cleanly');
      logger.flush?.();
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
  logger.info({ docs: `http://localhost:${config.port}/docs` }, 'mirrorbase is ready');
  return app;
}
