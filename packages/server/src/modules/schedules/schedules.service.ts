import { PG_FOREIGN_KEY_VIOLATION, PG_UNIQUE_VIOLATION, pgErrorCode, type Database, type Queryable } from '../../db/database.ts';
import { conflict, notFound, unprocessable } from '../../errors.ts';
import type { EntityChanged, Events } from '../../events/events.ts';
import type { RunActor, ServicesService } from '../services/services.service.ts';
import { fireTimesAfter, parseTiming } from './cron.ts';
import { SCHEDULE_RUN_JOB, type ScheduleRunPayload } from './schedules.jobs.ts';
import { schedulesRepository, type ScheduleChanges, type ScheduleRow } from './schedules.repository.ts';

export type { ScheduleRow };

const SCHEDULE_EXISTS = 'Schedule already exists.';
const missingSchedule = (name: string) => notFound(`Schedule ${JSON.stringify(name)} does not exist`);

export const MAX_TIMEOUT_SECONDS = 86_400;
export const MAX_ATTEMPTS = 20;
export const DEFAULT_TIMEOUT_SECONDS = 300;
export const DEFAULT_MAX_ATTEMPTS = 3;
/** How many coming fire times an answer shows. */
export const UPCOMING = 5;

export interface ScheduleInput {
  name: string;
  serviceName: string;
  parameterSetName?: string | null;
  cron: string;
  /** IANA; UTC by default. */
  timeZone?: string;
  enabled?: boolean;
  timeoutSeconds?: number;
  maxAttempts?: number;
}

export interface ScheduleUpdate {
  serviceName?: string;
  /** null: no parameter set. A new service without a set named keeps none. */
  parameterSetName?: string | null;
  cron?: string;
  timeZone?: string;
  enabled?: boolean;
  timeoutSeconds?: number;
  maxAttempts?: number;
}

/** The narrow part of the job runner a schedule needs: run now, and waking the runners. */
export interface ScheduleJobs {
  enqueue(name: string, payload: unknown, opts: { maxAttempts?: number; tx?: Queryable }): Promise<number>;
}

export interface SchedulesServiceDeps {
  db: Database;
  events: Events;
  registry: Pick<ServicesService, 'findService' | 'findParameterSet'>;
  /** Run now enqueues on it. */
  jobs: ScheduleJobs;
  clock: () => Date;
}

const changed = (action: EntityChanged['action'], id: number): EntityChanged => ({
  type: 'entity.changed',
  entity: 'service_schedule',
  action,
  key: String(id),
});

function checkLimits(input: { timeoutSeconds?: number | undefined; maxAttempts?: number | undefined }) {
  const t = input.timeoutSeconds;
  if (t !== undefined && (!Number.isInteger(t) || t < 1 || t > MAX_TIMEOUT_SECONDS)) {
    throw unprocessable(`timeout_seconds must be a whole number from 1 to ${MAX_TIMEOUT_SECONDS}`);
  }
  const m = input.maxAttempts;
  if (m !== undefined && (!Number.isInteger(m) || m < 1 || m > MAX_ATTEMPTS)) {
    throw unprocessable(`max_attempts must be a whole number from 1 to ${MAX_ATTEMPTS}`);
  }
}

/**
 * Cron schedules of services: stored here, run by the job runner (schedules.jobs.ts). Every
 * change wakes the runners of every replica (a `jobs.enqueued` event), so a new or moved
 * schedule's next beat is waited for at once rather than at the next poll.
 */
export function createSchedulesService(deps: SchedulesServiceDeps) {
  const { db, events, registry, jobs, clock } = deps;
  const reads = schedulesRepository(db);

  const publish = (q: Queryable, change: EntityChanged) => events.publish(q, [change, { type: 'jobs.enqueued', name: SCHEDULE_RUN_JOB }]);

  async function resolveService(serviceName: string) {
    const service = await registry.findService(serviceName);
    if (!service) throw unprocessable(`service ${JSON.stringify(serviceName)} does not exist`);
    return service;
  }

  async function resolveSet(serviceName: string, setName: string | null | undefined) {
    if (setName == null) return null;
    const set = await registry.findParameterSet(serviceName, setName);
    if (!set) throw unprocessable(`parameter_set ${JSON.stringify(setName)} does not exist for service ${JSON.stringify(serviceName)}`);
    return set;
  }

  /** A service or set deleted between the check and the write is as missing as one never there. */
  async function guarded<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      const code = pgErrorCode(error);
      if (code === PG_UNIQUE_VIOLATION) throw conflict(SCHEDULE_EXISTS);
      if (code === PG_FOREIGN_KEY_VIOLATION) throw unprocessable('the service, parameter set or user was deleted meanwhile');
      throw error;
    }
  }

  return {
    async create(input: ScheduleInput, actor: RunActor): Promise<ScheduleRow> {
      const timeZone = input.timeZone ?? 'UTC';
      const timing = parseTiming({ cron: input.cron, timeZone });
      checkLimits(input);
      const service = await resolveService(input.serviceName);
      const set = await resolveSet(service.name, input.parameterSetName);
      const nextRunAt = timing.nextRun(clock())!;
      return guarded(() =>
        db.transaction(async (tx) => {
          const repo = schedulesRepository(tx);
          const id = await repo.insert({
            name: input.name,
            serviceId: service.id,
            parameterSetId: set?.id ?? null,
            cron: input.cron.trim(),
            timeZone,
            enabled: input.enabled ?? true,
            timeoutSeconds: input.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
            maxAttempts: input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
            createdBy: actor.userId,
            apiKeyId: actor.apiKeyId ?? null,
            nextRunAt,
          });
          if (id === undefined) throw conflict(SCHEDULE_EXISTS);
          await publish(tx, changed('created', id));
          return (await repo.findById(id))!;
        }),
      );
    },

    /**
     * Changes what is given. A new timing, or enabling a disabled schedule, plans the next beat
     * from now: beats missed while it was disabled are not run.
     */
    async update(name: string, update: ScheduleUpdate): Promise<ScheduleRow> {
      const current = await reads.find(name);
      if (!current) throw missingSchedule(name);
      checkLimits(update);
      const cron = update.cron ?? current.cron;
      const timeZone = update.timeZone ?? current.timeZone;
      const timing = parseTiming({ cron, timeZone });
      const changes: ScheduleChanges = {};
      if (update.serviceName !== undefined && update.serviceName !== current.serviceName) {
        changes.serviceId = (await resolveService(update.serviceName)).id;
        // A set belongs to its service: moving service drops the old one unless another is named.
        if (update.parameterSetName === undefined) changes.parameterSetId = null;
      }
      if (update.parameterSetName !== undefined) {
        changes.parameterSetId = (await resolveSet(update.serviceName ?? current.serviceName, update.parameterSetName))?.id ?? null;
      }
      if (update.cron !== undefined) changes.cron = update.cron.trim();
      if (update.timeZone !== undefined) changes.timeZone = update.timeZone;
      if (update.enabled !== undefined) changes.enabled = update.enabled;
      if (update.timeoutSeconds !== undefined) changes.timeoutSeconds = update.timeoutSeconds;
      if (update.maxAttempts !== undefined) changes.maxAttempts = update.maxAttempts;
      const retimed =
        (update.cron !== undefined && update.cron.trim() !== current.cron) || (update.timeZone ?? current.timeZone) !== current.timeZone;
      if (retimed || (update.enabled === true && !current.enabled)) changes.nextRunAt = timing.nextRun(clock())!;
      return guarded(() =>
        db.transaction(async (tx) => {
          const repo = schedulesRepository(tx);
          const id = await repo.update(name, changes);
          if (id === undefined) throw missingSchedule(name);
          await publish(tx, changed('updated', id));
          return (await repo.findById(id))!;
        }),
      );
    },

    async remove(name: string): Promise<void> {
      await db.transaction(async (tx) => {
        const id = await schedulesRepository(tx).remove(name);
        if (id === undefined) throw missingSchedule(name);
        await publish(tx, changed('deleted', id));
      });
    },

    /**
     * Runs a schedule now, once (disabled or not), with the window from its last beat to now;
     * its planned beats stay as they are. Returns the job's id.
     */
    async runNow(name: string): Promise<number> {
      const schedule = await reads.find(name);
      if (!schedule) throw missingSchedule(name);
      const payload: ScheduleRunPayload = {
        scheduleId: schedule.id,
        from: schedule.lastScheduledAt,
        to: clock().toISOString(),
        timeoutMs: schedule.timeoutSeconds * 1000,
        manual: true,
      };
      return jobs.enqueue(SCHEDULE_RUN_JOB, payload, { maxAttempts: schedule.maxAttempts });
    },

    find: (name: string) => reads.find(name),
    list: (page: { afterId?: number; limit?: number; serviceName?: string | null } = {}) => reads.list(page),

    /** The next fire times after now (or after its planned next run, if later), for people to check a cron expression. */
    upcoming(schedule: ScheduleRow, count = UPCOMING): string[] {
      const now = clock();
      const planned = new Date(schedule.nextRunAt);
      const after = new Date(Math.max(now.getTime(), planned.getTime() - 1));
      // As the database writes instants (mb_iso): no fraction when it is zero, and cron has none.
      return fireTimesAfter({ cron: schedule.cron, timeZone: schedule.timeZone }, after, count).map((d) =>
        d.toISOString().replace('.000Z', 'Z'),
      );
    },
  };
}

export type SchedulesService = ReturnType<typeof createSchedulesService>;
