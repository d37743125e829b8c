/**
 * Takes a backup of the database this process has open, as a Mirrorbase backup file
 * (db/backup-file.ts). Used by `mirrorbase backup` on a database it opens itself, and by the
 * running server's GET /api/v1/backup when a PGlite data folder is held by that server.
 *
 * - PostgreSQL: pg_dump --format=custom, which reads one snapshot (consistent while others
 *   write), spooled to a temporary file first: the envelope's header states the payload's
 *   length, and an HTTP answer should not start before the dump is known to have succeeded.
 *   Memory stays flat; the disk holds the dump once more while the backup is written.
 * - PGlite: its data directory as a tar, taken inside the process that has the database open
 *   (between two queries, after a checkpoint). PGlite builds the (gzipped) tar in memory, so a PGlite
 *   backup needs about the data folder's size in memory; PGlite is for databases of that size.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { BACKUP_FORMAT_VERSION, writeBackup, type BackupHeader } from '../../db/backup-file.ts';
import type { Database } from '../../db/database.ts';
import { runTool, toolConnection } from '../../db/pg-tools.ts';
import { AppError, conflict } from '../../errors.ts';
import { VERSION } from '../../version.ts';

/** A backup whose payload is ready: its header is final, writing it can start. */
export interface PreparedBackup {
  header: BackupHeader;
  writeTo(out: NodeJS.WritableStream): Promise<void>;
  /** Removes the spooled dump; call once, after writing (or instead of it). */
  dispose(): Promise<void>;
}

export interface BackupService {
  prepare(): Promise<PreparedBackup>;
}

async function appliedMigrations(db: Database): Promise<string[]> {
  const [table] = await db.query<{ exists: boolean }>(`SELECT to_regclass('mirrorbase_migration') IS NOT NULL AS exists`);
  if (!table?.exists) throw conflict('the database has no Mirrorbase tables: there is nothing to back up');
  return (await db.query<{ name: string }>('SELECT name FROM mirrorbase_migration ORDER BY name')).map((row) => row.name);
}

function header(db: Database, migrations: string[], payloadLength: number): BackupHeader {
  return {
    format: BACKUP_FORMAT_VERSION,
    engine: db.engine,
    payload: db.engine === 'postgres' ? 'pg_dump-custom' : 'pglite-datadir-tar-gz',
    migrations,
    createdAt: new Date().toISOString(),
    mirrorbaseVersion: VERSION,
    payloadLength,
  };
}

async function preparePostgres(db: Database, databaseUrl: string): Promise<PreparedBackup> {
  const migrations = await appliedMigrations(db);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mirrorbase-backup-'));
  const dumpFile = path.join(dir, 'database.dump');
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    const { url, env } = toolConnection(databaseUrl);
    // Owners and grants are left out: a restore goes to whatever role the target uses.
    const dump = runTool('pg_dump', ['--format=custom', '--no-owner', '--no-acl', `--file=${dumpFile}`, `--dbname=${url}`], env);
    dump.stdin.end();
    dump.stdout.resume();
    await dump.done;
    const { size } = await stat(dumpFile);
    return {
      header: header(db, migrations, size),
      writeTo: (out) => writeBackup(header(db, migrations, size), createReadStream(dumpFile), out),
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}

async function preparePglite(db: Database & { dumpDataDir(): Promise<Blob> }): Promise<PreparedBackup> {
  const migrations = await appliedMigrations(db);
  const tar = await db.dumpDataDir();
  const prepared = header(db, migrations, tar.size);
  return {
    header: prepared,
    writeTo: (out) => writeBackup(prepared, Readable.fromWeb(tar.stream() as never), out),
    dispose: async () => {},
  };
}

export function createBackupService(deps: { db: Database; databaseUrl: string | undefined }): BackupService {
  return {
    prepare() {
      const { db, databaseUrl } = deps;
      if (db.engine === 'postgres') {
        if (!databaseUrl) throw new AppError('UNAVAILABLE', 'the backup could not be taken: the server was not given its DATABASE_URL');
        return preparePostgres(db, databaseUrl);
      }
      if (!db.dumpDataDir)
        throw new AppError('UNAVAILABLE', 'the backup could not be taken: this embedded database cannot copy its data folder');
      return preparePglite(db as Database & { dumpDataDir(): Promise<Blob> });
    },
  };
}

/**
 * Writes FILE, readable by its owner only (a backup holds password hashes): to FILE.partial
 * first, renamed once `write` has finished and `check` (when given) has accepted the whole
 * partial file, so that FILE is never half a backup. Returns FILE's size.
 */
export async function writePrivateFile(
  file: string,
  write: (out: NodeJS.WritableStream) => Promise<void>,
  check?: (partial: string) => Promise<void>,
): Promise<number> {
  const partial = `${file}.partial`;
  const out = createWriteStream(partial, { mode: 0o600 });
  const closed = finished(out);
  closed.catch(() => {}); // reported through write's rejection, or awaited below
  try {
    await write(out);
    out.end();
    await closed;
    await check?.(partial);
    await rename(partial, file);
  } catch (error) {
    out.destroy();
    await rm(partial, { force: true });
    throw error;
  }
  return (await stat(file)).size;
}
