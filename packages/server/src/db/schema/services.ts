import { sql } from 'drizzle-orm';
import { type AnyPgColumn, check, index, integer, jsonb, pgTable, serial, text, timestamp, unique } from 'drizzle-orm/pg-core';
import { apiKeys } from './api-keys.ts';
import { createdAt, httpMethod, updatedAt } from './common.ts';
import { serviceSchedules } from './schedules.ts';
import { users } from './users.ts';

export const services = pgTable('service', {
  id: serial('id').primaryKey(),
  name: text('name').notNull().unique(),
  url: text('url').notNull(),
  httpMethod: httpMethod('http_method').notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const serviceParameterSets = pgTable(
  'service_parameter_set',
  {
    id: serial('id').primaryKey(),
    serviceId: integer('service_id')
      .notNull()
      .references(() => services.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    parameters: jsonb('parameters').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [unique('service_parameter_set_service_name_key').on(t.serviceId, t.name)],
);

export const serviceRunLogs = pgTable(
  'service_run_log',
  {
    id: serial('id').primaryKey(),
    serviceId: integer('service_id')
      .notNull()
      .references(() => services.id, { onDelete: 'cascade' }),
    /** Kept after the set is deleted; DTBase deleted the run history with the set. */
    parameterSetId: integer('parameter_set_id').references(() => serviceParameterSets.id, { onDelete: 'set null' }),
    parameterSetName: text('parameter_set_name'),
    parameters: jsonb('parameters'),
    /** null when the service could not be reached at all (see `error`). */
    responseStatusCode: integer('response_status_code'),
    responseJson: jsonb('response_json'),
    error: text('error'),
    timestamp: timestamp('timestamp', { withTimezone: true }).notNull().defaultNow(),
    /** queued (in the background, not started), running, succeeded or failed (migration 0012). */
    status: text('status').notNull(),
    trigger: text('trigger').notNull().default('request'),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    /** What the service returned that was written back: per request, endpoint, status, count. */
    written: jsonb('written'),
    /** Whose credentials write what the service returns. */
    actorUserId: integer('actor_user_id').references(() => users.id, { onDelete: 'set null' }),
    actorApiKeyId: integer('actor_api_key_id').references(() => apiKeys.id, { onDelete: 'set null' }),
    /** The schedule (service_schedule.id) that made the run, if any; kept as null once it is deleted. */
    scheduleId: integer('schedule_id').references((): AnyPgColumn => serviceSchedules.id, { onDelete: 'set null' }),
  },
  (t) => [
    index('service_run_log_service_idx').on(t.serviceId, t.id),
    index('service_run_log_schedule_idx').on(t.scheduleId),
    check('service_run_log_status_check', sql`${t.status} IN ('queued', 'running', 'succeeded', 'failed')`),
    check('service_run_log_trigger_check', sql`${t.trigger} IN ('request', 'schedule')`),
  ],
);
