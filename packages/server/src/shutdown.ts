import type { Server } from 'node:http';
import type { Logger } from 'pino';

/** After the deadline, how long closing what is left may take before the process exits anyway. */
const FORCED_CLOSE_GRACE_MS = 2000;

export interface ShutdownOptions {
  logger: Logger;
  /** How long the graceful close may take (MIRRORBASE_SHUTDOWN_TIMEOUT_MS). */
  timeoutMs: number;
  /** The HTTP server, for counting and closing the connections still open at the deadline. */
  server: Server;
  /** The graceful close, in order: stop taking work, finish requests in flight, close the pool. */
  close: () => Promise<void>;
  /** Past the deadline: end what is still open (requests, the pool's queries) without waiting. */
  forceClose: () => Promise<void>;
}

async function countConnections(server: Server): Promise<number | undefined> {
  return new Promise((resolve) => server.getConnections((error, count) => resolve(error ? undefined : count)));
}

/**
 * SIGTERM/SIGINT: a graceful close, bounded. A request that never ends (a stuck upload, a query
 * waiting for a lock) would otherwise hold the close forever, and an orchestrator's stop would
 * hang until its SIGKILL. At the deadline, or at a second signal, what is left is closed and the
 * process exits with 1 after saying so. The deadline's timer is deliberately not unref'd: it
 * must fire even if nothing else keeps the process alive.
 */
export function exitOnSignals(options: ShutdownOptions): void {
  const { logger } = options;
  let closing = false;
  let forced = false;

  const exit = (code: number) => {
    logger.flush?.();
    process.exit(code);
  };

  const force = async (reason: string) => {
    if (forced) return;
    forced = true;
    logger.error(
      { timeoutMs: options.timeoutMs, openConnections: await countConnections(options.server) },
      reason === 'deadline' ? 'shutdown deadline passed: closing what is left' : 'second signal: closing what is left',
    );
    const grace = new Promise((resolve) => setTimeout(resolve, FORCED_CLOSE_GRACE_MS));
    await Promise.race([options.forceClose().catch((error) => logger.error({ err: error }, 'error while closing')), grace]);
    exit(1);
  };

  const shutdown = async (signal: string) => {
    if (closing) {
      void force(`second ${signal}`);
      return;
    }
    closing = true;
    logger.info({ signal, timeoutMs: options.timeoutMs }, 'shutting down');
    const deadline = setTimeout(() => void force('deadline'), options.timeoutMs);
    try {
      await options.close();
      clearTimeout(deadline);
      if (forced) return; // the forced close owns the exit (code 1)
      logger.info('shut down cleanly');
      exit(0);
    } catch (error) {
      clearTimeout(deadline);
      if (forced) return;
      logger.error({ err: error }, 'error during shutdown');
      exit(1);
    }
  };

  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
