import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, serial, text, timestamp, uniqueIndex, varchar } from 'drizzle-orm/pg-core';
import { createdAt } from './common.ts';
import { users } from './users.ts';

/**
 * API keys: credentials a user (or an admin for it) creates for programs and devices. Only a
 * SHA-256 hash of the key is kept: keys are long and random, so a fast hash is enough and a
 * request costs no slow hash (src/modules/api-keys/api-key-secret.ts).
 */
export const apiKeys = pgTable(
  'api_key',
  {
    id: serial('id').primaryKey(),
    /** The user the key acts for; its role bounds what the key may do. */
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: varchar('name', { length: 100 }).notNull(),
    /** The key's first random characters, shown in listings so a person can tell keys apart. */
    prefix: text('prefix').notNull(),
    /** SHA-256 of the whole key, hex. */
    secretHash: text('secret_hash').notNull().unique(),
    /** read, read-write or ingest (src/modules/auth/permissions.ts). */
    scope: text('scope').notNull(),
    /** An ingest key's sensors (unique identifiers), the only ones it may write; null for other scopes. */
    sensors: text('sensors').array(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    /** Written at most about once a minute per key and process, off the request path. */
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    createdAt: createdAt(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    // Unique among the keys still in use: the name of a revoked key may be given again.
    uniqueIndex('api_key_user_name_key').on(t.userId, t.name).where(sql`${t.revokedAt} IS NULL`),
    index('api_key_user_idx').on(t.userId, t.id),
    check('api_key_scope_check', sql`${t.scope} IN ('read', 'read-write', 'ingest')`),
    check(
      'api_key_sensors_check',
      sql`(${t.scope} = 'ingest') = (${t.sensors} IS NOT NULL) AND (${t.sensors} IS NULL OR cardinality(${t.sensors}) > 0)`,
    ),
  ],
);
