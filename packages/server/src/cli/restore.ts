/**
 * `mirrorbase restore FILE [--replace]`. The whole file is checked first (db/backup-file.ts):
 * nothing is touched unless it is a complete, undamaged backup of this engine at a migration
 * level this version knows. The restored database is then migrated forward (the backup may be
 * older than this version).
 */
import { openAsBlob } from 'node:fs';
import { readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';
import { BackupFileError, verifyBackup, type VerifiedBackup } from '../db/backup-file.ts';
import { openDatabase } from '../db/connection.ts';
import { lockDataDir } from '../db/data-dir-lock.ts';
import { knownMigrations, migrate } from '../db/migrate.ts';
import { openPglite } from '../db/pglite-database.ts';
import { runTool, toolConnection } from '../db/pg-tools.ts';

export const RESTORE_USAGE = `  restore FILE [--replace]      restore a backup into the configured database, which must be
                                empty (or absent) unless --replace: then what is there is
                                dropped (PostgreSQL: the public schema) and replaced`;

/** A restore refused before anything changed: one line, exit code 1. */
export class RestoreRefusedError extends Error {}

/** Checks what the file is before anything is opened for writing; the message names the file. */
async function checkBackup(file: string, engine: 'postgres' | 'pglite'): Promise<VerifiedBackup> {
  let backup: VerifiedBackup;
  try {
    backup = await verifyBackup(file);
  } catch (error) {
    if (error instanceof BackupFileError) throw new RestoreRefusedError(`${file} is refused: ${error.message}; nothing was changed`);
    throw error;
  }
  const { header } = backup;
  const known = new Set(await knownMigrations());
  const unknown = header.migrations.filter((name) => !known.has(name));
  if (unknown.length) {
    throw new RestoreRefusedError(
      `${file} is refused: it comes from a newer Mirrorbase (${header.mirrorbaseVersion}, migrations this version does not know: ${unknown.join(', ')}); restore it with that version or a newer one`,
    );
  }
  if (header.engine !== engine) {
    const where = (e: string) => (e === 'postgres' ? 'a PostgreSQL server (DATABASE_URL)' : 'the embedded database (no DATABASE_URL)');
    throw new RestoreRefusedError(`${file} is a backup of ${where(header.engine)}, and the configured database is ${where(engine)}`);
  }
  return backup;
}

/** The objects in the public schema, where Mirrorbase keeps all of its own. */
async function publicSchemaObjects(config: Config): Promise<{ tables: number; others: number; mirrorbase: boolean }> {
  const db = await openDatabase(config, { command: 'mirrorbase restore' });
  try {
    const [row] = await db.query<{ tables: number; others: number; mirrorbase: boolean }>(
      `SELECT (SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')) AS tables,
              (SELECT count(*)::int FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public')
              + (SELECT count(*)::int FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                  WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd')) AS others,
              to_regclass('public.mirrorbase_migration') IS NOT NULL AS mirrorbase`,
    );
    return row!;
  } finally {
    await db.close();
  }
}

/**
 * PostgreSQL: pg_restore turns the dump into SQL, which psql runs in ONE transaction that we open
 * and commit ourselves, with the drop of the old schema (--replace) inside it. The COMMIT is sent
 * only once pg_restore has finished well; any failure (an error in psql, pg_restore failing, the
 * connection lost) leaves the transaction uncommitted, and PostgreSQL rolls it back: the
 * database is as it was. (psql's own --single-transaction would commit whatever it had read when
 * its input ends early.)
 */
async function restorePostgres(config: Config, backup: VerifiedBackup, replace: boolean): Promise<string[]> {
  const found = await publicSchemaObjects(config);
  if ((found.tables || found.others || found.mirrorbase) && !replace) {
    throw new RestoreRefusedError(
      `the database is not empty (${found.mirrorbase ? 'it holds a Mirrorbase database' : `${found.tables} tables and ${found.others} other objects in its public schema`}); ` +
        'restore into an empty database, or add --replace to drop what is there; nothing was changed',
    );
  }
  const { url, env } = toolConnection(config.databaseUrl!);
  const psql = runTool('psql', ['--no-psqlrc', '--quiet', '--set=ON_ERROR_STOP=1', `--dbname=${url}`], env);
  psql.stdout.resume();
  const restore = runTool('pg_restore', ['--no-owner', '--no-acl', '--file=-'], env);
  backup.payload().pipe(restore.stdin);
  psql.stdin.write('BEGIN;\n');
  // Still empty when --replace was not given: then nothing is dropped, and a table that appeared
  // meanwhile makes the restore fail (and roll back) rather than be dropped.
  if (replace) psql.stdin.write('DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n');
  restore.stdout.pipe(psql.stdin, { end: false });
  const restored = await Promise.allSettled([restore.done]);
  if (restored[0].status === 'fulfilled') {
    await new Promise<void>((resolve) => (restore.stdout.readableEnded ? resolve() : restore.stdout.once('end', resolve)));
    psql.stdin.end('COMMIT;\n');
  } else {
    psql.stdin.end();
  }
  const applied = await Promise.allSettled([psql.done]);
  // psql's complaint (a failing statement) explains more than pg_restore's broken pipe.
  if (applied[0].status === 'rejected') throw applied[0].reason;
  if (restored[0].status === 'rejected') throw restored[0].reason;
  const db = await openDatabase(config);
  try {
    return (await migrate(db)).applied;
  } finally {
    await db.close();
  }
}

/** An empty or absent folder counts as empty. */
async function isEmptyFolder(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}

/**
 * PGlite: the data directory is rebuilt beside the current one (`pglite.restoring`), opened and
 * migrated there, and only then put in place; the old one is moved aside first and removed last.
 * The data folder's lock is held throughout, so no server can open it halfway.
 */
async function restorePglite(config: Config, backup: VerifiedBackup, replace: boolean): Promise<string[]> {
  const lock = await lockDataDir(config.dataDir, 'mirrorbase restore');
  try {
    const target = path.join(config.dataDir, 'pglite');
    if (!(await isEmptyFolder(target)) && !replace) {
      throw new RestoreRefusedError(
        `the data folder ${config.dataDir} already holds a database; restore into an empty or new folder (MIRRORBASE_DATA_DIR), or add --replace; nothing was changed`,
      );
    }
    const staging = path.join(config.dataDir, 'pglite.restoring');
    await rm(staging, { recursive: true, force: true }); // left by a restore that was killed
    // A Blob backed by the file, not read into memory here; PGlite reads it whole when it unpacks it.
    const tar = (await openAsBlob(backup.file)).slice(
      backup.payloadOffset,
      backup.payloadOffset + backup.header.payloadLength,
      'application/gzip', // how PGlite knows to decompress it
    );
    let applied: string[];
    try {
      const db = await openPglite(staging, tar);
      try {
        applied = (await migrate(db)).applied;
      } finally {
        await db.close();
      }
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
    const previous = `${target}.replaced-${Date.now()}`;
    const hadPrevious = !(await isEmptyFolder(target));
    if (hadPrevious) await rename(target, previous);
    else await rm(target, { recursive: true, force: true });
    await rename(staging, target);
    if (hadPrevious) await rm(previous, { recursive: true, force: true });
    return applied;
  } finally {
    lock.release();
  }
}

export async function restoreBackup(config: Config, file: string, options: { replace: boolean }): Promise<string[]> {
  const engine = config.databaseUrl ? 'postgres' : 'pglite';
  const backup = await checkBackup(file, engine);
  const applied =
    engine === 'postgres' ? await restorePostgres(config, backup, options.replace) : await restorePglite(config, backup, options.replace);
  const where = engine === 'postgres' ? 'the database' : `the data folder ${config.dataDir}`;
  const migrated = applied.length ? `; migrated forward: ${applied.join(', ')}` : '';
  console.log(`restored ${file} (taken ${backup.header.createdAt}) into ${where}${migrated}`);
  return applied;
}
