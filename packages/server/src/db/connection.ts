import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';
import type { Database } from './database.ts';

/**
 * PostgreSQL when DATABASE_URL is set, otherwise the embedded PGlite in the data folder. Each
 * driver is imported only when it is used: a server on PostgreSQL never loads PGlite.
 */
export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir' | 'databasePoolSize'>): Promise<Database> {
  if (config.databaseUrl) {
    const { openPostgres } = await import('./postgres-database.ts');
    return openPostgres(config.databaseUrl, { poolSize: config.databasePoolSize });
  }
  const pgliteDir = path.join(config.dataDir, 'pglite');
  await mkdir(pgliteDir, { recursive: true });
  const { openPglite } = await import('./pglite-database.ts');
  return openPglite(pgliteDir);
}
