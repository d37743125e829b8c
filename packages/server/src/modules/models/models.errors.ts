import { PG_FOREIGN_KEY_VIOLATION, PG_UNIQUE_VIOLATION, pgErrorCode } from '../../db/database.ts';
import { conflict } from '../../errors.ts';

export const MODEL_MISSING = 'Model does not exist';
export const SCENARIO_MISSING = 'Model scenario does not exist';

/**
 * Runs `write` and turns the given PostgreSQL constraint violations into API errors. The
 * checks before each write answer the ordinary cases; this covers a concurrent request that
 * slips in between check and write.
 */
export async function translateViolations<T>(
  write: () => Promise<T>,
  errors: { unique?: string; foreignKey?: () => Error },
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const code = pgErrorCode(error);
    if (code === PG_UNIQUE_VIOLATION && errors.unique) throw conflict(errors.unique);
    if (code === PG_FOREIGN_KEY_VIOLATION && errors.foreignKey) throw errors.foreignKey();
    throw error;
  }
}
