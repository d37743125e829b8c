import { index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Failed logins counted per account and per client address, in the database so that every
 * replica sees the same counts (src/modules/auth/login-throttle.ts). A row lives one short
 * window; the hourly prune job deletes the expired ones.
 */
export const loginThrottle = pgTable(
  'login_throttle',
  {
    /** `account:` or `address:` and a SHA-256 of the e-mail or address: no personal data at rest. */
    key: text('key').primaryKey(),
    failures: integer('failures').notNull(),
    windowEndsAt: timestamp('window_ends_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('login_throttle_window_ends_at_idx').on(t.windowEndsAt)],
);
