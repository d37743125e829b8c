import { AppError } from '../errors.ts';
import type { Database } from '../db/database.ts';
import { schedulesModule, type ScheduleRow } from '../modules/schedules/index.ts';
import type { ScheduleUpdate } from '../modules/schedules/schedules.service.ts';
import { usersModule } from '../modules/users/index.ts';
import { parseCommandArgs, UsageError } from './args.ts';

export const SCHEDULE_USAGE = `  schedule list [--service S]   list schedules: name, service, set, cron, zone, state, next run
  schedule add NAME --service S --cron EXPR --user EMAIL [--set P] [--tz ZONE]
               [--timeout SECONDS] [--attempts N] [--disabled]
                                call service S on a cron expression (5 fields, or 6 with
                                seconds first) read in ZONE (IANA, default UTC), as EMAIL
  schedule update NAME [--service S] [--set P | --no-set] [--cron EXPR] [--tz ZONE]
               [--timeout SECONDS] [--attempts N]
  schedule enable|disable NAME  resume (from now on) or pause a schedule
  schedule delete NAME          delete a schedule (its run log stays)
  schedule run NAME             run it once now, on a running server's job runner`;

type WithDatabase = <T>(fn: (db: Database) => Promise<T>) => Promise<T>;

const OPTIONS = {
  service: { type: 'string' },
  cron: { type: 'string' },
  user: { type: 'string' },
  set: { type: 'string' },
  'no-set': { type: 'boolean' },
  tz: { type: 'string' },
  timeout: { type: 'string' },
  attempts: { type: 'string' },
  disabled: { type: 'boolean' },
} as const;

/** One line per schedule, tab-separated. */
function scheduleLine(s: ScheduleRow): string {
  return [
    s.name,
    s.serviceName,
    s.parameterSetName ?? '-',
    s.cron,
    s.timeZone,
    s.enabled ? 'enabled' : 'disabled',
    `next ${s.nextRunAt}`,
    s.lastScheduledAt ? `last ${s.lastScheduledAt}` : 'never run',
  ].join('\t');
}

function whole(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,9}$/.test(text)) throw new UsageError(`--${option} takes a whole number, not ${JSON.stringify(text)}`);
  return Number(text);
}

/** `mirrorbase schedule ...`: the same service and checks as the API's, on the database directly. */
export async function scheduleCommand(args: string[], withDatabase: WithDatabase): Promise<void> {
  const { positionals, values } = parseCommandArgs('schedule', args, OPTIONS, 2);
  const [action, name] = positionals;
  const only = (allowed: (keyof typeof OPTIONS)[]) => {
    const extra = Object.keys(values).find((option) => !allowed.includes(option as keyof typeof OPTIONS));
    if (extra) throw new UsageError(`mirrorbase schedule ${action} takes no --${extra}`);
  };
  const needName = () => {
    if (!name) throw new UsageError(`mirrorbase schedule ${action} needs the NAME of a schedule`);
    return name;
  };
  switch (action) {
    case 'list': {
      only(['service']);
      const rows = await withDatabase((db) => schedulesModule(db).list({ serviceName: values.service ?? null }));
      for (const row of rows) console.log(scheduleLine(row));
      return;
    }
    case 'add': {
      only(['service', 'cron', 'user', 'set', 'tz', 'timeout', 'attempts', 'disabled']);
      const scheduleName = needName();
      if (!values.service) throw new UsageError('mirrorbase schedule add needs --service');
      if (!values.cron) throw new UsageError('mirrorbase schedule add needs --cron');
      if (!values.user) throw new UsageError('mirrorbase schedule add needs --user, the EMAIL of the user the runs act as');
      const timeoutSeconds = whole('timeout', values.timeout);
      const maxAttempts = whole('attempts', values.attempts);
      const created = await withDatabase(async (db) => {
        const user = await usersModule(db).findByEmail(values.user!);
        if (!user) throw new AppError('NOT_FOUND', `User ${values.user} does not exist`);
        return schedulesModule(db).create(
          {
            name: scheduleName,
            serviceName: values.service!,
            parameterSetName: values.set ?? null,
            cron: values.cron!,
            ...(values.tz !== undefined ? { timeZone: values.tz } : {}),
            ...(values.disabled ? { enabled: false } : {}),
            ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
            ...(maxAttempts !== undefined ? { maxAttempts } : {}),
          },
          { userId: user.id },
        );
      });
      console.log(`created schedule ${created.name}; next run ${created.nextRunAt}`);
      return;
    }
    case 'update': {
      only(['service', 'cron', 'set', 'no-set', 'tz', 'timeout', 'attempts']);
      const scheduleName = needName();
      if (values.set !== undefined && values['no-set']) throw new UsageError('give --set or --no-set, not both');
      const timeoutSeconds = whole('timeout', values.timeout);
      const maxAttempts = whole('attempts', values.attempts);
      const update: ScheduleUpdate = {
        ...(values.service !== undefined ? { serviceName: values.service } : {}),
        ...(values.set !== undefined ? { parameterSetName: values.set } : {}),
        ...(values['no-set'] ? { parameterSetName: null } : {}),
        ...(values.cron !== undefined ? { cron: values.cron } : {}),
        ...(values.tz !== undefined ? { timeZone: values.tz } : {}),
        ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
        ...(maxAttempts !== undefined ? { maxAttempts } : {}),
      };
      if (Object.keys(update).length === 0) throw new UsageError('mirrorbase schedule update needs something to change');
      const updated = await withDatabase((db) => schedulesModule(db).update(scheduleName, update));
      console.log(`updated schedule ${updated.name}; next run ${updated.nextRunAt}`);
      return;
    }
    case 'enable':
    case 'disable': {
      only([]);
      const scheduleName = needName();
      const updated = await withDatabase((db) => schedulesModule(db).update(scheduleName, { enabled: action === 'enable' }));
      console.log(`${action}d schedule ${updated.name}${updated.enabled ? `; next run ${updated.nextRunAt}` : ''}`);
      return;
    }
    case 'delete': {
      only([]);
      const scheduleName = needName();
      await withDatabase((db) => schedulesModule(db).remove(scheduleName));
      console.log(`deleted schedule ${scheduleName}`);
      return;
    }
    case 'run': {
      only([]);
      const scheduleName = needName();
      const jobId = await withDatabase((db) => schedulesModule(db).runNow(scheduleName));
      console.log(`queued run of ${scheduleName} as job ${jobId}`);
      return;
    }
    default:
      throw new UsageError(`unknown schedule command: ${action ?? '(none)'}`);
  }
}
