import { index, integer, pgTable, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './users.ts';

const instant = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/**
 * Every refresh token issued, so that each can be used once (src/modules/auth/sessions.service.ts).
 * A login starts a family; each refresh marks its token used and adds the next one to the
 * family. A used token presented again revokes the family. Rows are deleted once expired.
 */
export const refreshTokens = pgTable(
  'refresh_token',
  {
    /** The token's `jti` claim. */
    id: uuid('id').primaryKey(),
    familyId: uuid('family_id').notNull(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    issuedAt: instant('issued_at').notNull(),
    /** The token's `exp`. */
    expiresAt: instant('expires_at').notNull(),
    /** When it was exchanged for its successor (`replaced_by`). */
    usedAt: instant('used_at'),
    replacedBy: uuid('replaced_by'),
    /** When its family was revoked for reuse. */
    revokedAt: instant('revoked_at'),
  },
  (t) => [
    index('refresh_token_family_idx').on(t.familyId),
    index('refresh_token_user_idx').on(t.userId),
    index('refresh_token_expires_idx').on(t.expiresAt),
  ],
);
