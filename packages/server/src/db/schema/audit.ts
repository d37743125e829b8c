import { bigserial, index, integer, pgTable, smallint, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * The audit log (src/modules/audit/): one row per write, login or refresh, allowed or refused.
 * Append-only: a trigger of the same migration refuses UPDATE and TRUNCATE, and DELETE except
 * by the retention prune of rows older than a day.
 *
 * Who and which key are copied as they were at the time, without foreign keys: the history
 * outlives users and keys that are deleted later.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    // bigint: one row per write request adds up to more than int4 holds within years.
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** When the answer was decided (the server's clock). */
    at: timestamp('at', { withTimezone: true }).notNull(),
    userId: integer('user_id'),
    userEmail: text('user_email'),
    apiKeyId: integer('api_key_id'),
    apiKeyName: text('api_key_name'),
    method: text('method').notNull(),
    /** The route pattern, e.g. /api/v1/users/:email. */
    route: text('route').notNull(),
    operationId: text('operation_id'),
    /** What the call named (a sensor, a user...), as `field=value` pairs; never a secret. */
    target: text('target'),
    ip: text('ip'),
    status: smallint('status').notNull(),
    requestId: text('request_id'),
  },
  (t) => [index('audit_log_at_idx').on(t.at), index('audit_log_user_idx').on(t.userEmail, t.id)],
);
