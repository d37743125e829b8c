import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core';
import { apiKeys } from './api-keys.ts';
import { createdAt, updatedAt } from './common.ts';
import { serviceParameterSets, services } from './services.ts';
import { users } from './users.ts';

/**
 * Cron schedules of services (modules/schedules). Each due run is enqueued on the job runner by
 * one replica; `last_scheduled_at` is the `from` of the next run's data window.
 */
export const serviceSchedules = pgTable(
  'service_schedule',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull().unique(),
    serviceId: integer('service_id')
      .notNull()
      .references(() => services.id, { onDelete: 'cascade' }),
    /** A schedule goes with its parameter set: left behind, it would call the service with other parameters. */
    parameterSetId: integer('parameter_set_id').references(() => serviceParameterSets.id, { onDelete: 'cascade' }),
    cron: text('cron').notNull(),
    timeZone: text('time_zone').notNull().default('UTC'),
    enabled: boolean('enabled').notNull().default(true),
    timeoutSeconds: integer('timeout_seconds').notNull().default(300),
    maxAttempts: integer('max_attempts').notNull().default(3),
    /** Whose credentials the runs carry (and the key's, when a key created it); they go with the schedule. */
    createdBy: integer('created_by')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    apiKeyId: integer('api_key_id').references(() => apiKeys.id, { onDelete: 'cascade' }),
    lastScheduledAt: timestamp('last_scheduled_at', { withTimezone: true }),
    nextRunAt: timestamp('next_run_at', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('service_schedule_due').on(t.nextRunAt).where(sql`enabled`),
    check('service_schedule_timeout_seconds_check', sql`${t.timeoutSeconds} > 0`),
    check('service_schedule_max_attempts_check', sql`${t.maxAttempts} > 0`),
  ],
);
