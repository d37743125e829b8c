import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError } from '../../errors.ts';
import { Nullable, ref } from '../../http/schemas.ts';
import { NameParam, Timestamp, listErrors, readErrors, writeErrors } from '../api/api.schemas.ts';
import { PageOf, PageQuery, PageQuerySchema, readPage, sendPage } from '../api/pagination.ts';
import { ServiceRunPage, toRun } from '../api/services.routes.ts';
import type { ServicesService } from '../services/index.ts';
import { runActor } from '../services/run-actor.ts';
import {
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_TIMEOUT_SECONDS,
  MAX_ATTEMPTS,
  MAX_TIMEOUT_SECONDS,
  UPCOMING,
  type ScheduleRow,
  type SchedulesService,
} from './schedules.service.ts';

const tags = ['schedules'];

const CRON_DESCRIPTION =
  'cron expression: 5 fields (minute hour day-of-month month day-of-week, e.g. "0 6 * * 3" for Wednesdays at 06:00), ' +
  'or 6 with seconds first (e.g. "*/30 * * * * *"); ranges, lists, steps, names (MON, JAN), L and # as croner reads them';
const ZONE_DESCRIPTION = 'IANA time zone the cron expression is read in (e.g. "Europe/London"; daylight saving applies)';

const ScheduleResource = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    service: Type.String({ description: 'name of the service called' }),
    parameter_set: Nullable(Type.String({ description: 'name of its parameter set, sent as the JSON body' })),
    cron: Type.String({ description: CRON_DESCRIPTION }),
    time_zone: Type.String({ description: ZONE_DESCRIPTION }),
    enabled: Type.Boolean(),
    timeout_seconds: Type.Integer({ description: 'a run that takes longer is aborted and counts as a failed attempt' }),
    max_attempts: Type.Integer({ description: 'a failed run (no answer, or a non-2xx one) is retried with a doubling backoff' }),
    created_by: Type.Integer({ description: 'id of the user whose credentials the runs carry' }),
    api_key_id: Nullable(Type.Integer({ description: 'the API key that created the schedule, if any: the runs carry its scope too' })),
    last_scheduled_at: Nullable(
      Type.String({ description: "the beat of the last enqueued run: the next run's window starts here (ISO-8601 UTC)" }),
    ),
    next_run_at: Timestamp,
    next_runs: Type.Array(Type.String(), { description: `the next ${UPCOMING} fire times (ISO-8601 UTC)` }),
    created_at: Timestamp,
    updated_at: Nullable(Type.String({ description: 'ISO-8601 UTC; null when never edited' })),
  },
  { $id: 'Schedule' },
);
const SchedulePage = PageOf(ScheduleResource);

const ScheduleName = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '^\\S(.*\\S)?$',
  description: 'unique; no leading or trailing space',
});
const TimeoutSeconds = Type.Integer({ minimum: 1, maximum: MAX_TIMEOUT_SECONDS });
const Attempts = Type.Integer({ minimum: 1, maximum: MAX_ATTEMPTS });

const NewSchedule = Type.Object(
  {
    name: ScheduleName,
    service: Type.String({ minLength: 1 }),
    parameter_set: Type.Optional(Nullable(Type.String({ minLength: 1 }))),
    cron: Type.String({ minLength: 1, maxLength: 200, description: CRON_DESCRIPTION }),
    time_zone: Type.Optional(Type.String({ minLength: 1, maxLength: 100, default: 'UTC', description: ZONE_DESCRIPTION })),
    enabled: Type.Optional(Type.Boolean({ default: true })),
    timeout_seconds: Type.Optional({ ...TimeoutSeconds, default: DEFAULT_TIMEOUT_SECONDS }),
    max_attempts: Type.Optional({ ...Attempts, default: DEFAULT_MAX_ATTEMPTS }),
  },
  { additionalProperties: false },
);

const ScheduleChange = Type.Object(
  {
    service: Type.Optional(
      Type.String({ minLength: 1, description: 'another service (its parameter set is dropped unless one is named)' }),
    ),
    parameter_set: Type.Optional(Nullable(Type.String({ minLength: 1 }))),
    cron: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: CRON_DESCRIPTION })),
    time_zone: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: ZONE_DESCRIPTION })),
    enabled: Type.Optional(Type.Boolean()),
    timeout_seconds: Type.Optional(TimeoutSeconds),
    max_attempts: Type.Optional(Attempts),
  },
  { additionalProperties: false, minProperties: 1 },
);

const RunQueued = Type.Object(
  { job_id: Type.Integer({ description: 'the job of the run; its service run appears under /schedules/{name}/runs' }) },
  { $id: 'ScheduleRunQueued' },
);

/** The named schemas of the schedule resources. */
export const scheduleApiSchemas = [ScheduleResource, SchedulePage, RunQueued];

const Params = Type.Object({ name: NameParam });
const ListQuery = Type.Object({ ...PageQuery, service: Type.Optional(Type.String({ minLength: 1, description: "only this service's" })) });

/** Cron schedules of services: `/api/v1/schedules`. */
export const scheduleApiRoutes: FastifyPluginAsyncTypebox<{ schedules: SchedulesService; registry: ServicesService }> = async (
  app,
  { schedules, registry },
) => {
  const toSchedule = (s: ScheduleRow) => ({
    id: s.id,
    name: s.name,
    service: s.serviceName,
    parameter_set: s.parameterSetName,
    cron: s.cron,
    time_zone: s.timeZone,
    enabled: s.enabled,
    timeout_seconds: s.timeoutSeconds,
    max_attempts: s.maxAttempts,
    created_by: s.createdBy,
    api_key_id: s.apiKeyId,
    last_scheduled_at: s.lastScheduledAt,
    next_run_at: s.nextRunAt,
    next_runs: schedules.upcoming(s),
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  });

  async function existing(name: string) {
    const schedule = await schedules.find(name);
    if (!schedule) throw new AppError('NOT_FOUND', `Schedule ${JSON.stringify(name)} does not exist`);
    return schedule;
  }

  app.get(
    '/schedules',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'listSchedules',
        summary: 'List schedules',
        querystring: ListQuery,
        response: { 200: ref(SchedulePage), ...listErrors },
      },
    },
    async (request, reply) => {
      const { service, ...paging } = request.query;
      return sendPage(reply, await readPage(paging, (p) => schedules.list({ ...p, serviceName: service ?? null })), toSchedule);
    },
  );

  app.post(
    '/schedules',
    {
      config: { access: 'services:write' },
      schema: {
        tags,
        operationId: 'createSchedule',
        summary: 'Schedule a service: call it on a cron expression, with a parameter set',
        description:
          "Each run is made once across replicas, with the creator's credentials (and its API key's scope, when a key " +
          'created it), carrying headers Mirrorbase-Window-From (absent on the first run) and Mirrorbase-Window-To: the ' +
          "previous and this run's scheduled times. Beats missed while no server ran are made up by one run. " +
          '422 for an invalid cron expression or time zone, or an unknown service or parameter set.',
        body: NewSchedule,
        response: { 201: ref(ScheduleResource), ...writeErrors },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const created = await schedules.create(
        {
          name: b.name,
          serviceName: b.service,
          parameterSetName: b.parameter_set ?? null,
          cron: b.cron,
          ...(b.time_zone !== undefined ? { timeZone: b.time_zone } : {}),
          ...(b.enabled !== undefined ? { enabled: b.enabled } : {}),
          ...(b.timeout_seconds !== undefined ? { timeoutSeconds: b.timeout_seconds } : {}),
          ...(b.max_attempts !== undefined ? { maxAttempts: b.max_attempts } : {}),
        },
        // The runs act as whoever created the schedule, as a run asked for now acts as its caller.
        runActor(request),
      );
      return reply.status(201).send(toSchedule(created));
    },
  );

  app.get(
    '/schedules/:name',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'getSchedule',
        summary: 'One schedule, by name, with its next fire times',
        params: Params,
        response: { 200: ref(ScheduleResource), ...readErrors },
      },
    },
    async (request) => toSchedule(await existing(request.params.name)),
  );

  app.patch(
    '/schedules/:name',
    {
      config: { access: 'services:write' },
      schema: {
        tags,
        operationId: 'updateSchedule',
        summary: 'Change a schedule (a new timing, or enabling it, plans the next beat from now)',
        params: Params,
        body: ScheduleChange,
        response: { 200: ref(ScheduleResource), ...writeErrors },
      },
    },
    async (request) => {
      const b = request.body;
      const updated = await schedules.update(request.params.name, {
        ...(b.service !== undefined ? { serviceName: b.service } : {}),
        ...(b.parameter_set !== undefined ? { parameterSetName: b.parameter_set } : {}),
        ...(b.cron !== undefined ? { cron: b.cron } : {}),
        ...(b.time_zone !== undefined ? { timeZone: b.time_zone } : {}),
        ...(b.enabled !== undefined ? { enabled: b.enabled } : {}),
        ...(b.timeout_seconds !== undefined ? { timeoutSeconds: b.timeout_seconds } : {}),
        ...(b.max_attempts !== undefined ? { maxAttempts: b.max_attempts } : {}),
      });
      return toSchedule(updated);
    },
  );

  app.delete(
    '/schedules/:name',
    {
      config: { access: 'services:write' },
      schema: {
        tags,
        operationId: 'deleteSchedule',
        summary: 'Delete a schedule (its run log stays, no longer tied to it)',
        params: Params,
        response: { 204: Type.Null(), ...writeErrors },
      },
    },
    async (request, reply) => {
      await schedules.remove(request.params.name);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/schedules/:name/run',
    {
      config: { access: 'services:write' },
      schema: {
        tags,
        operationId: 'runScheduleNow',
        summary: 'Run a schedule once now (even when disabled), in the background',
        description: "The window runs from its last beat to now; its planned beats are unchanged. With the schedule's timeout and retries.",
        params: Params,
        response: { 202: ref(RunQueued), ...writeErrors },
      },
    },
    async (request, reply) => reply.status(202).send({ job_id: await schedules.runNow(request.params.name) }),
  );

  app.get(
    '/schedules/:name/runs',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'listScheduleRuns',
        summary: 'The service runs a schedule made (oldest first)',
        params: Params,
        querystring: PageQuerySchema,
        response: { 200: ref(ServiceRunPage), ...readErrors },
      },
    },
    async (request, reply) => {
      const schedule = await existing(request.params.name);
      return sendPage(reply, await readPage(request.query, (p) => registry.listRuns({ ...p, scheduleId: schedule.id })), toRun);
    },
  );
};
