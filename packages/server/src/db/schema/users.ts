import { sql } from 'drizzle-orm';
import { check, pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core';
import { createdAt, updatedAt } from './common.ts';

export const users = pgTable(
  'users',
  {
    id: serial('id').primaryKey(),
    email: text('email').notNull().unique(),
    /** argon2id PHC string ($argon2id$v=19$...). */
    passwordHash: text('password_hash').notNull(),
    /** admin, editor or viewer (src/modules/auth/permissions.ts). Users from before roles existed are admins: they could do everything. */
    role: text('role').notNull().default('admin'),
    /**
     * Tokens issued before this instant (their `iat_ms` claim) are refused: logout, a new
     * password and reuse of a rotated refresh token move it forward. Milliseconds, as the claim.
     */
    tokensValidAfter: timestamp('tokens_valid_after', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [check('users_role_check', sql`${t.role} IN ('admin', 'editor', 'viewer')`)],
);
