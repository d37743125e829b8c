import { pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt } from './common.ts';

/**
 * Secrets the replicas of one database must share and nobody configured: the development
 * token-signing secret, generated once (src/secrets.ts).
 */
export const mirrorbaseSecret = pgTable('mirrorbase_secret', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  createdAt: createdAt(),
});
