import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.ts';

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Any constant works; it only has to be the same for every replica of Mirrorbase. */
const MIGRATION_LOCK_KEY = 0x6d69_7272; // "mirr"

const STATEMENT_BREAKPOINT = '--> statement-breakpoint';

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

async function readMigrations(dir: string) {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  return Promise.all(
    files.map(async (file) => ({ name: file.replace(/\.sql$/, ''), sql: await readFile(path.join(dir, file), 'utf8') })),
  );
}

/**
 * Applies the SQL migrations not yet applied, in file-name order, in one transaction under a
 * transaction-level advisory lock: replicas that start together wait for the first one, then
 * find nothing left to do. A failing migration rolls back entirely.
 */
export async function migrate(db: Database, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  const migrations = await readMigrations(dir);
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(`CREATE TABLE IF NOT EXISTS mirrorbase_migration (
      name text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set(
      (await tx.query<{ name: string }>('SELECT name FROM mirrorbase_migration')).map((r) => r.name),
    );
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.name)) continue;
      for (const statement of migration.sql.split(STATEMENT_BREAKPOINT)) {
        if (statement.trim()) await tx.exec(statement);
      }
      await tx.query('INSERT INTO mirrorbase_migration (name) VALUES ($1)', [migration.name]);
      applied.push(migration.name);
    }
    return { applied, alreadyApplied: done.size };
  });
}
