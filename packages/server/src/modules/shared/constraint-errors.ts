import { PG_FOREIGN_KEY_VIOLATION, PG_UNIQUE_VIOLATION, pgErrorCode } from '../../db/database.ts';
import { conflict } from '../../errors.ts';

/** A 409 with this sentence, or a function making whatever error fits (e.g. a 400 missingRecord). */
export type ViolationAnswer = string | (() => Error);

const toError = (answer: ViolationAnswer) => (typeof answer === 'string' ? conflict(answer) : answer());

/**
 * Runs `write` and turns a constraint violation that a concurrent request can cause (after the
 * service's own checks passed) into the answer the check would have given: for a duplicate
 * (23505) or a row still referenced / already gone (23503).
 */
export async function translateViolations<T>(
  write: () => Promise<T>,
  answers: { unique?: ViolationAnswer; foreignKey?: ViolationAnswer },
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const code = pgErrorCode(error);
    if (code === PG_UNIQUE_VIOLATION && answers.unique) throw toError(answers.unique);
    if (code === PG_FOREIGN_KEY_VIOLATION && answers.foreignKey) throw toError(answers.foreignKey);
    throw error;
  }
}
