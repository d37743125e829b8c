import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';
import type { Database } from './database.ts';
import { openPglite } from './pglite-database.ts';
import { openPostgres } from './postgres-database.ts';

/** PostgreSQL when DATABASE_URL is set, otherwise the embedded PGlite in the data folder. */
export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir' | 'databasePoolSize'>): Promise<Database> {
  if (config.databaseUrl) {
    return openPostgres(config.databaseUrl, { poolSize: config.databasePoolSize });
  }
  const pgliteDir = path.join(config.dataDir, 'pglite');
  await mkdir(pgliteDir, { recursive: true });
  return openPglite(pgliteDir);
}
