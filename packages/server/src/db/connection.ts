import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';
import { lockDataDir } from './data-dir-lock.ts';
import type { Database } from './database.ts';

/** What this process is, for the message another one gets: "mirrorbase serve", "mirrorbase user add". */
function commandOfThisProcess(): string {
  const [command = 'serve', action] = process.argv.slice(2);
  return ['mirrorbase', command, ...(['user', 'retention'].includes(command) && action ? [action] : [])].join(' ');
}

/**
 * PostgreSQL when DATABASE_URL is set, otherwise the embedded PGlite in the data folder, which
 * this process then owns until it closes the database (data-dir-lock.ts): a second process gets
 * a DataDirInUseError instead of a copy that one of them would overwrite. Each driver is imported
 * only when it is used: a server on PostgreSQL never loads PGlite.
 */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir' | 'databasePoolSize'>,
  options: { command?: string } = {},
): Promise<Database> {
  if (config.databaseUrl) {
    const { openPostgres } = await import('./postgres-database.ts');
    return openPostgres(config.databaseUrl, { poolSize: config.databasePoolSize });
  }
  const lock = await lockDataDir(config.dataDir, options.command ?? commandOfThisProcess());
  try {
    const pgliteDir = path.join(config.dataDir, 'pglite');
    await mkdir(pgliteDir, { recursive: true });
    const { openPglite } = await import('./pglite-database.ts');
    const db = await openPglite(pgliteDir);
    return {
      ...db,
      async close(options) {
        try {
          await db.close(options);
        } finally {
          lock.release();
        }
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}
