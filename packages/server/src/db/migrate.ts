import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database, Queryable } from './database.ts';

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Any constant works; it only has to be the same for every replica of Mirrorbase. */
const MIGRATION_LOCK_KEY = 0x6d69_7272; // "mirr"

const STATEMENT_BREAKPOINT = '--> statement-breakpoint';

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

/** The database and the migration files disagree: the message says how, and what to do. */
export class MigrationError extends Error {}

interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

interface AppliedMigration {
  name: string;
  checksum: string | null;
}

/** sha256 of the file, line endings normalised (a checkout with CRLF is the same migration). */
export const migrationChecksum = (sql: string) => createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');

async function readMigrations(dir: string): Promise<MigrationFile[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  return Promise.all(
    files.map(async (file) => {
      const sql = await readFile(path.join(dir, file), 'utf8');
      return { name: file.replace(/\.sql$/, ''), sql, checksum: migrationChecksum(sql) };
    }),
  );
}

/** The names of the migrations this version of Mirrorbase has, in order. */
export async function knownMigrations(dir = MIGRATIONS_DIR): Promise<string[]> {
  return (await readMigrations(dir)).map((m) => m.name);
}

async function tableColumns(db: Queryable): Promise<Set<string>> {
  const rows = await db.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = 'mirrorbase_migration'`,
  );
  return new Set(rows.map((r) => r.column_name));
}

/**
 * Refuses a database whose applied migrations are not those of these files: one edited after it
 * was applied (its recorded checksum differs), or one this version does not have at all (a newer
 * version migrated the database). An applied migration without a checksum (recorded before
 * checksums existed) cannot be checked; migrate() records it.
 */
function verifyApplied(applied: AppliedMigration[], files: MigrationFile[]) {
  const byName = new Map(files.map((f) => [f.name, f]));
  const unknown = applied.filter((a) => !byName.has(a.name)).map((a) => a.name);
  if (unknown.length) {
    throw new MigrationError(
      `the database has migrations this version of Mirrorbase does not know (${unknown.join(', ')}): ` +
        'a newer version migrated it; run that version or a newer one',
    );
  }
  for (const row of applied) {
    const file = byName.get(row.name)!;
    if (row.checksum !== null && row.checksum !== file.checksum) {
      throw new MigrationError(
        `migration ${row.name}.sql was changed after it was applied to this database ` +
          `(checksum ${row.checksum.slice(0, 12)}…, the file now ${file.checksum.slice(0, 12)}…): ` +
          'restore it, and put the change in a new migration',
      );
    }
  }
}

/**
 * Applies the SQL migrations not yet applied, in file-name order, in one transaction under a
 * transaction-level advisory lock: replicas that start together wait for the first one, then
 * find nothing left to do. A failing migration rolls back entirely. Each applied migration's
 * checksum is recorded, and the recorded ones are checked first (verifyApplied).
 */
export async function migrate(db: Database, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  const migrations = await readMigrations(dir);
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(`CREATE TABLE IF NOT EXISTS mirrorbase_migration (
      name text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now(),
      checksum text
    )`);
    // Databases migrated before checksums were recorded get the column (and, below, the values).
    if (!(await tableColumns(tx)).has('checksum')) {
      await tx.query('ALTER TABLE mirrorbase_migration ADD COLUMN checksum text');
    }
    const done = await tx.query<AppliedMigration>('SELECT name, checksum FROM mirrorbase_migration ORDER BY name');
    verifyApplied(done, migrations);
    const doneNames = new Set(done.map((r) => r.name));
    for (const row of done.filter((r) => r.checksum === null)) {
      const file = migrations.find((m) => m.name === row.name)!;
      await tx.query('UPDATE mirrorbase_migration SET checksum = $2 WHERE name = $1', [row.name, file.checksum]);
    }
    const applied: string[] = [];
    for (const migration of migrations) {
      if (doneNames.has(migration.name)) continue;
      for (const statement of migration.sql.split(STATEMENT_BREAKPOINT)) {
        if (statement.trim()) await tx.exec(statement);
      }
      await tx.query('INSERT INTO mirrorbase_migration (name, checksum) VALUES ($1, $2)', [migration.name, migration.checksum]);
      applied.push(migration.name);
    }
    return { applied, alreadyApplied: done.length };
  });
}

/**
 * For MIRRORBASE_MIGRATE_ON_START=false, where a separate job migrates: changes nothing, and
 * throws a MigrationError unless the database is exactly at these migrations (none pending,
 * none edited, none unknown).
 */
export async function checkMigrations(db: Database, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  const migrations = await readMigrations(dir);
  const columns = await tableColumns(db);
  const done =
    columns.size === 0
      ? []
      : await db.query<AppliedMigration>(
          `SELECT name, ${columns.has('checksum') ? 'checksum' : 'NULL::text AS checksum'} FROM mirrorbase_migration ORDER BY name`,
        );
  verifyApplied(done, migrations);
  const doneNames = new Set(done.map((r) => r.name));
  const pending = migrations.filter((m) => !doneNames.has(m.name)).map((m) => m.name);
  if (pending.length) {
    throw new MigrationError(
      `the database has ${pending.length} pending migration${pending.length === 1 ? '' : 's'} (${pending.join(', ')}) ` +
        'and MIRRORBASE_MIGRATE_ON_START=false: run `mirrorbase migrate` first',
    );
  }
  return { applied: [], alreadyApplied: done.length };
}
