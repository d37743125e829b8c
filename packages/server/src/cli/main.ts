import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.ts';
import { openDatabase } from '../db/connection.ts';
import type { Database } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { AppError } from '../errors.ts';
import { serve } from '../main.ts';
import { usersModule } from '../modules/users/index.ts';
import { createRetentionService } from '../modules/readings/retention/retention.service.ts';
import { importCsv } from './import.ts';
import { readPassword } from './prompt.ts';
import { EXPORT_USAGE, exportCommand } from './export.ts';

const USAGE = `mirrorbase <command>

Commands:
  serve                         run the API server (the default)
  migrate                       apply pending database migrations and exit
  user add EMAIL [--password P] create a user (asks for the password when not given)
  user list                     list users
  user delete EMAIL             delete a user
  user passwd EMAIL [--password P]
                                set a user's password
  import FILE.csv [--batch N] [--assume-utc]
                                load readings (sensor,measure,timestamp,value), N rows per
                                transaction (default 10000); a bad line stops with its number
  retention [apply]             apply the retention settings once
  retention show                list the retention settings
  retention set DAYS|off [--measure NAME [--units U]]
                                set the global period, or one measure's
${EXPORT_USAGE}

The database is DATABASE_URL when set, otherwise the embedded one in MIRRORBASE_DATA_DIR
(default ./.mirrorbase). See the README for every setting.`;

/** Opens the configured database, brought up to date first unless told not to. */
async function withDatabase<T>(fn: (db: Database) => Promise<T>, options = { migrateFirst: true }): Promise<T> {
  const db = await openDatabase(loadConfig());
  try {
    if (options.migrateFirst) await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

async function userCommand(args: string[]) {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { password: { type: 'string' } } });
  const [action, email] = positionals;
  const needEmail = () => {
    if (!email) throw new UsageError(`mirrorbase user ${action} needs an EMAIL`);
    return email;
  };
  switch (action) {
    case 'add': {
      const address = needEmail();
      const password = values.password ?? (await readPassword(`Password for ${address}: `));
      await withDatabase((db) => usersModule(db).create(address, password));
      console.log(`created ${address}`);
      return;
    }
    case 'list':
      for (const user of await withDatabase((db) => usersModule(db).list({}))) {
        console.log(`${user.id}\t${user.email}\t${user.createdAt.toISOString()}`);
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
      console.log(`password changed for ${address}`);
      return;
    }
    default:
      throw new UsageError(`unknown user command: ${action ?? '(none)'}`);
  }
}

async function importCommand(args: string[]) {
  const { positionals, values } = parseArgs({
    args, allowPositionals: true,
    options: { batch: { type: 'string' }, 'assume-utc': { type: 'boolean' } },
  });
  const [file] = positionals;
  if (!file) throw new UsageError('mirrorbase import needs a FILE');
  const batchRows = Number(values.batch ?? 10_000);
  if (!Number.isInteger(batchRows) || batchRows < 1) throw new UsageError('--batch must be a positive integer');
  const result = await withDatabase((db) => importCsv(db, file, { batchRows, assumeUtc: values['assume-utc'] ?? false, progress: process.stderr }));
  console.log(
    `imported ${result.inserted} readings of ${result.series} series (${result.duplicates} duplicates skipped) in ${result.seconds.toFixed(1)} s`,
  );
}

async function retentionCommand(args: string[]) {
  const { positionals, values } = parseArgs({
    args, allowPositionals: true,
    options: { measure: { type: 'string' }, units: { type: 'string' } },
  });
  const [action = 'apply', period] = positionals;
  switch (action) {
    case 'apply': {
      const report = await withDatabase((db) => createRetentionService({ db }).apply());
      if (!report.ran) console.log('another process is applying retention right now; nothing done');
      else console.log(`dropped ${report.droppedPartitions.length} partitions, deleted ${report.deletedReadings} readings`);
      return;
    }
    case 'show':
      for (const row of await withDatabase((db) => createRetentionService({ db }).list())) {
        console.log(`${row.measureName === null ? '(global)' : `${row.measureName} [${row.units ?? ''}]`}	${row.keepDays} days`);
      }
      return;
    case 'set': {
      const keepDays = period === 'off' ? null : Number(period);
      if (keepDays !== null && !Number.isInteger(keepDays)) throw new UsageError('retention set needs DAYS or off');
      const measure = values.measure ? { name: values.measure, ...(values.units !== undefined ? { units: values.units } : {}) } : undefined;
      await withDatabase((db) => createRetentionService({ db }).set(keepDays, measure));
      console.log(`retention of ${measure ? `measure ${measure.name}` : 'all readings'}: ${keepDays === null ? 'off' : `${keepDays} days`}`);
      return;
    }
    default:
      throw new UsageError(`unknown retention command: ${action}`);
  }
}

class UsageError extends Error {}

export async function runCli(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        await serve();
        return -1; // keep running
      case 'migrate': {
        const result = await withDatabase((db) => migrate(db), { migrateFirst: false });
        console.log(result.applied.length ? `applied: ${result.applied.join(', ')}` : 'database is up to date');
        return 0;
      }
      case 'export':
        await withDatabase((db) => exportCommand(db, rest));
        return 0;
      case 'user':
        await userCommand(rest);
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
    if (error instanceof ConfigError || error instanceof AppError) {
      console.error(`error: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
