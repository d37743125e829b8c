import { PG_FOREIGN_KEY_VIOLATION, PG_UNIQUE_VIOLATION, pgErrorCode } from '../../db/database.ts';
import { conflict } from '../../errors.ts';

/**
 * Runs `write` and turns a constraint violation that a concurrent request can cause (after the
 * service's own checks passed) into the same 409 the check would have given: a duplicate
 * (23505) or a row still referenced / gone (23503).
 */
export async function conflictOnViolation<T>(
  write: () => Promise<T>,
  details: { unique?: string; foreignKey?: string },
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const code = pgErrorCode(error);
    if (code === PG_UNIQUE_VIOLATION && details.unique) throw conflict(details.unique);
    if (code === PG_FOREIGN_KEY_VIOLATION && details.foreignKey) throw conflict(details.foreignKey);
    throw error;
  }
}
