import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, loadConfig } from '../config.ts';
import { openDatabase } from '../db/connection.ts';
import { DataDirInUseError } from '../db/data-dir-lock.ts';
import type { Database } from '../db/database.ts';
import { checkMigrations, migrate, MigrationError } from '../db/migrate.ts';
import { AppError, missingRecord } from '../errors.ts';
import { serve } from '../main.ts';
import { createLoginThrottle } from '../modules/auth/login-throttle.ts';
import { isRole } from '../modules/auth/permissions.ts';
import { keyCommand, KEY_USAGE } from './keys.ts';
import { scheduleCommand, SCHEDULE_USAGE } from './schedules.ts';
import { serviceCommand, SERVICE_USAGE } from './services.ts';
import { usersModule } from '../modules/users/index.ts';
import { createRetentionService } from '../modules/readings/retention/retention.service.ts';
import { createAuditService } from '../modules/audit/audit.service.ts';
import { parseCommandArgs, UsageError } from './args.ts';
import { importCsv } from './import.ts';
import { readPassword } from './prompt.ts';
import { EXPORT_OPTIONS, EXPORT_USAGE, exportCommand } from './export.ts';
import { BACKUP_OPTIONS, BACKUP_USAGE, BackupDownloadError, backupCommand } from './backup.ts';
import { RESTORE_USAGE, RestoreRefusedError, restoreBackup } from './restore.ts';
import { PgToolError } from '../db/pg-tools.ts';

const USAGE = `mirrorbase <command>

Commands:
  serve                         run the API server (the default)
  migrate                       apply pending database migrations and exit
  user add EMAIL [--password P] [--role admin|editor|viewer]
                                create a user (a viewer unless --role says more; asks
                                for the password when not given)
  user list                     list users
  user delete EMAIL             delete a user
  user passwd EMAIL [--password P]
                                set a user's password (ends the user's sessions)
  user logout EMAIL             end every session of a user: its tokens stop working
  user unlock EMAIL             forget a user's failed logins, so that it may log in
                                again at once (the address limit still applies)
${KEY_USAGE}
${SCHEDULE_USAGE}
${SERVICE_USAGE}
  import FILE.csv [--batch N] [--assume-utc]
                                load readings (sensor,measure,timestamp,value), N rows per
                                transaction (default 10000); a bad line stops with its number
  retention [apply]             apply the retention settings once (readings and the
                                audit log, MIRRORBASE_AUDIT_RETENTION_DAYS)
  retention show                list the retention settings
  retention set DAYS|off [--measure NAME [--units U]]
                                set the global period, or one measure's
${EXPORT_USAGE}
${BACKUP_USAGE}
${RESTORE_USAGE}

The database is DATABASE_URL when set, otherwise the embedded one in MIRRORBASE_DATA_DIR
(default ./.mirrorbase). See the README for every setting.`;

/**
 * Opens the configured database, brought up to date first unless told not to (or, with
 * MIRRORBASE_MIGRATE_ON_START=false, checked to be up to date).
 */
async function withDatabase<T>(fn: (db: Database) => Promise<T>, options = { migrateFirst: true }): Promise<T> {
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    if (options.migrateFirst) await (config.migrateOnStart ? migrate(db) : checkMigrations(db));
    return await fn(db);
  } finally {
    await db.close();
  }
}

async function userCommand(args: string[]) {
  const { positionals, values } = parseCommandArgs('user', args, { password: { type: 'string' }, role: { type: 'string' } }, 2);
  const [action, email] = positionals;
  const needEmail = () => {
    if (!email) throw new UsageError(`mirrorbase user ${action} needs an EMAIL`);
    return email;
  };
  switch (action) {
    case 'add': {
      const address = needEmail();
      const role = values.role ?? 'viewer';
      if (!isRole(role)) throw new UsageError(`--role must be admin, editor or viewer, not ${JSON.stringify(role)}`);
      const password = values.password ?? (await readPassword(`Password for ${address}: `));
      await withDatabase((db) => usersModule(db).create(address, password, role));
      console.log(`created ${address} (${role})`);
      return;
    }
    case 'list':
      for (const user of await withDatabase((db) => usersModule(db).list({}))) {
        console.log(`${user.id}\t${user.email}\t${user.role}\t${user.createdAt.toISOString()}`);
      }
      return;
    case 'delete': {
      const address = needEmail();
      await withDatabase((db) => usersModule(db).delete(address));
      console.log(`deleted ${address}`);
      return;
    }
    case 'passwd': {
      const address = needEmail();
      const password = values.password ?? (await readPassword(`New password for ${address}: `));
      await withDatabase((db) => usersModule(db).changePassword(address, password));
      console.log(`password changed for ${address}; its sessions are ended`);
      return;
    }
    case 'logout': {
      const address = needEmail();
      if (!(await withDatabase((db) => usersModule(db).revokeTokens(address)))) throw missingRecord("User doesn't exist");
      console.log(`sessions of ${address} ended`);
      return;
    }
    case 'unlock': {
      const address = needEmail();
      const throttle = (db: Database) =>
        createLoginThrottle({
          db,
          clock: () => new Date(),
          settings: { maxFailuresPerAccount: 0, maxFailuresPerAddress: 0, windowSeconds: 1 },
        });
      const cleared = await withDatabase((db) => throttle(db).clearAccount(address));
      console.log(cleared ? `unlocked ${address}: its failed logins are forgotten` : `${address} has no failed logins to forget`);
      return;
    }
    default:
      throw new UsageError(`unknown user command: ${action ?? '(none)'}`);
  }
}

/** Refuses, before the database is opened, a file that cannot be read or a folder that cannot be written. */
async function checkPath(command: string, file: string, mode: 'read' | 'write') {
  const target = mode === 'read' ? file : path.dirname(path.resolve(file));
  try {
    await access(target, mode === 'read' ? constants.R_OK : constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? (mode === 'read' ? 'no such file' : 'no such folder') : code === 'EACCES' ? 'permission denied' : code;
    throw new UsageError(`mirrorbase ${command}: cannot ${mode} ${file} (${why})`);
  }
}

async function importCommand(args: string[]) {
  const { positionals, values } = parseCommandArgs('import', args, { batch: { type: 'string' }, 'assume-utc': { type: 'boolean' } }, 1);
  const [file] = positionals;
  if (!file) throw new UsageError('mirrorbase import needs a FILE');
  const batchRows = Number(values.batch ?? 10_000);
  if (!Number.isInteger(batchRows) || batchRows < 1) throw new UsageError('--batch must be a positive integer');
  await checkPath('import', file, 'read');
  const result = await withDatabase((db) =>
    importCsv(db, file, { batchRows, assumeUtc: values['assume-utc'] ?? false, progress: process.stderr }),
  );
  console.log(
    `imported ${result.inserted} readings of ${result.series} series (${result.duplicates} duplicates skipped) in ${result.seconds.toFixed(1)} s`,
  );
}

async function retentionCommand(args: string[]) {
  const { positionals, values } = parseCommandArgs('retention', args, { measure: { type: 'string' }, units: { type: 'string' } }, 2);
  const [action = 'apply', period] = positionals;
  switch (action) {
    case 'apply': {
      const auditRetentionDays = loadConfig().auditRetentionDays;
      const { report, audit } = await withDatabase(async (db) => ({
        report: await createRetentionService({ db }).apply(),
        audit: await createAuditService({ db, clock: () => new Date(), retentionDays: auditRetentionDays }).prune(),
      }));
      if (!report.ran) console.log('another process is applying retention right now; nothing done');
      else console.log(`dropped ${report.droppedPartitions.length} partitions, deleted ${report.deletedReadings} readings`);
      console.log(audit.cutoff === null ? 'audit log: kept forever' : `audit log: deleted ${audit.deleted} entries before ${audit.cutoff}`);
      return;
    }
    case 'show': {
      for (const row of await withDatabase((db) => createRetentionService({ db }).list())) {
        console.log(`${row.measureName === null ? '(global)' : `${row.measureName} [${row.units ?? ''}]`}	${row.keepDays} days`);
      }
      const auditDays = loadConfig().auditRetentionDays;
      console.log(`(audit log)	${auditDays === 0 ? 'forever' : `${auditDays} days`} (MIRRORBASE_AUDIT_RETENTION_DAYS)`);
      return;
    }
    case 'set': {
      if (period === undefined) throw new UsageError('retention set needs DAYS or off');
      const keepDays = period === 'off' ? null : Number(period);
      if (keepDays !== null && !(Number.isInteger(keepDays) && keepDays >= 1)) {
        throw new UsageError('retention set needs DAYS (a whole number, at least 1) or off');
      }
      const measure = values.measure ? { name: values.measure, ...(values.units !== undefined ? { units: values.units } : {}) } : undefined;
      await withDatabase((db) => createRetentionService({ db }).set(keepDays, measure));
      console.log(
        `retention of ${measure ? `measure ${measure.name}` : 'all readings'}: ${keepDays === null ? 'off' : `${keepDays} days`}`,
      );
      return;
    }
    default:
      throw new UsageError(`unknown retention command: ${action}`);
  }
}

/**
 * Failures of the surroundings rather than of Mirrorbase, told in one line: the database server
 * cannot be reached or refuses us (a system error such as ECONNREFUSED, or PostgreSQL's own
 * error, e.g. a database that does not exist), a file that cannot be written.
 */
function isEnvironmentError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return typeof (error as NodeJS.ErrnoException).syscall === 'string' || error.name === 'PostgresError';
}

export async function runCli(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  try {
    if (rest.includes('--help') || rest.includes('-h')) {
      console.log(USAGE);
      return 0;
    }
    switch (command) {
      case 'serve':
        parseCommandArgs('serve', rest, {}, 0);
        await serve();
        return -1; // keep running
      case 'migrate': {
        parseCommandArgs('migrate', rest, {}, 0);
        const result = await withDatabase((db) => migrate(db), { migrateFirst: false });
        console.log(result.applied.length ? `applied: ${result.applied.join(', ')}` : 'database is up to date');
        return 0;
      }
      case 'export': {
        // Checked before the database is opened; exportCommand reads the same arguments again.
        const { values } = parseCommandArgs('export', rest, EXPORT_OPTIONS, 0);
        if (values.out !== undefined) await checkPath('export', values.out, 'write');
        await withDatabase((db) => exportCommand(db, rest));
        return 0;
      }
      case 'backup': {
        const { values } = parseCommandArgs('backup', rest, BACKUP_OPTIONS, 0);
        if (values.output !== undefined) await checkPath('backup', values.output, 'write');
        await backupCommand(loadConfig(), values);
        return 0;
      }
      case 'restore': {
        const { positionals, values } = parseCommandArgs('restore', rest, { replace: { type: 'boolean' } }, 1);
        const [file] = positionals;
        if (!file) throw new UsageError('mirrorbase restore needs the backup FILE');
        await checkPath('restore', file, 'read');
        await restoreBackup(loadConfig(), file, { replace: values.replace ?? false });
        return 0;
      }
      case 'user':
        await userCommand(rest);
        return 0;
      case 'key':
        await keyCommand(rest, withDatabase);
        return 0;
      case 'schedule':
        await scheduleCommand(rest, withDatabase);
        return 0;
      case 'service':
        await serviceCommand(rest, withDatabase, () => loadConfig());
        return 0;
      case 'import':
        await importCommand(rest);
        return 0;
      case 'retention':
        await retentionCommand(rest);
        return 0;
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return 0;
      default:
        throw new UsageError(`unknown command: ${command}`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (
      error instanceof ConfigError ||
      error instanceof AppError ||
      error instanceof DataDirInUseError ||
      error instanceof MigrationError ||
      error instanceof RestoreRefusedError ||
      error instanceof BackupDownloadError ||
      error instanceof PgToolError ||
      isEnvironmentError(error)
    ) {
      console.error(`error: ${(error as Error).message}`);
      return 1;
    }
    throw error; // a bug: its stack trace helps
  }
}
