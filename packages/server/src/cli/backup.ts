/**
 * `mirrorbase backup [--output FILE] [--url URL]`: a Mirrorbase backup file (db/backup-file.ts)
 * of the configured database, or, with --url, taken by a running server (GET /api/v1/backup)
 * and downloaded. The second is how a PGlite data folder is backed up while its server runs:
 * only the process that has the database open can copy it consistently.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Config } from '../config.ts';
import { BackupFileError, verifyBackup } from '../db/backup-file.ts';
import { openDatabase } from '../db/connection.ts';
import { DataDirInUseError } from '../db/data-dir-lock.ts';
import { createBackupService, writePrivateFile } from '../modules/backup/backup.service.ts';
import { UsageError } from './args.ts';

export const BACKUP_USAGE = `  backup [--output FILE] [--url URL]
                                write a backup of the database (every table: readings,
                                entities, users, keys) to FILE, or to stdout; with --url, ask
                                the server there to take it (needs MIRRORBASE_API_KEY of an
                                admin): the way to back up an embedded database in use`;

export const BACKUP_OPTIONS = { output: { type: 'string' }, url: { type: 'string' } } as const;

/** The download was refused or broke off: one line, exit code 1. */
export class BackupDownloadError extends Error {}

function refuseTerminal(output: string | undefined) {
  if (output === undefined && process.stdout.isTTY) {
    throw new UsageError('mirrorbase backup writes a binary file: give --output FILE, or redirect stdout to a file');
  }
}

/** What to run instead when the embedded database is open in a server. */
function inUseAdvice(error: DataDirInUseError, config: Config, output: string | undefined): DataDirInUseError {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const target = output ? ` --output ${output}` : ' > FILE';
  return new DataDirInUseError(
    `${error.message.replace(/; stop it, or use DATABASE_URL$/, '')}. A running server takes the backup itself: ` +
      `MIRRORBASE_API_KEY=<an admin's API key> mirrorbase backup --url http://${host}:${config.port}${target}`,
  );
}

async function backupLocal(config: Config, output: string | undefined) {
  let db: Awaited<ReturnType<typeof openDatabase>>;
  try {
    db = await openDatabase(config, { command: 'mirrorbase backup' });
  } catch (error) {
    if (error instanceof DataDirInUseError) throw inUseAdvice(error, config, output);
    throw error;
  }
  try {
    const backup = await createBackupService({ db, databaseUrl: config.databaseUrl }).prepare();
    try {
      if (output === undefined) {
        await backup.writeTo(process.stdout);
        console.error(`backup of ${backup.header.engine} database written (${backup.header.payloadLength} bytes of payload)`);
      } else {
        const size = await writePrivateFile(output, (out) => backup.writeTo(out));
        console.error(`backup written to ${output} (${size} bytes)`);
      }
    } finally {
      await backup.dispose();
    }
  } finally {
    await db.close();
  }
}

async function backupRemote(config: Config, url: string, output: string | undefined) {
  if (!config.apiKey) throw new UsageError('mirrorbase backup --url needs MIRRORBASE_API_KEY: an API key of an admin');
  let endpoint: URL;
  try {
    endpoint = new URL('/api/v1/backup', url);
  } catch {
    throw new UsageError(`mirrorbase backup: --url must be the server's address, e.g. http://127.0.0.1:5000, not ${JSON.stringify(url)}`);
  }
  let response: Response;
  try {
    response = await fetch(endpoint, { headers: { authorization: `Bearer ${config.apiKey}` } });
  } catch (error) {
    throw new BackupDownloadError(
      `cannot reach ${endpoint.origin}: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}`,
    );
  }
  if (!response.ok || !response.body) {
    const body = await response.text().catch(() => '');
    let detail = body.slice(0, 300);
    try {
      detail = (JSON.parse(body) as { detail?: string }).detail ?? detail;
    } catch {
      // not JSON: shown as it came
    }
    throw new BackupDownloadError(`the server refused the backup (${response.status}): ${detail}`);
  }
  const body = Readable.fromWeb(response.body as never);
  if (output === undefined) {
    await pipeline(body, process.stdout, { end: false });
    console.error('backup downloaded');
    return;
  }
  // Checked before it takes the name: a download cut short is never mistaken for a backup.
  let size: number;
  try {
    size = await writePrivateFile(
      output,
      (out) => pipeline(body, out, { end: false }),
      async (partial) => void (await verifyBackup(partial)),
    );
  } catch (error) {
    if (error instanceof BackupFileError)
      throw new BackupDownloadError(`the downloaded backup is incomplete or damaged (${error.message}); try again`);
    throw error;
  }
  console.error(`backup downloaded to ${output} (${size} bytes)`);
}

export async function backupCommand(config: Config, values: { output?: string; url?: string }): Promise<void> {
  refuseTerminal(values.output);
  if (values.url !== undefined) await backupRemote(config, values.url, values.output);
  else await backupLocal(config, values.output);
}
