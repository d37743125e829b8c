import { PG_FOREIGN_KEY_VIOLATION, PG_UNIQUE_VIOLATION, pgErrorCode } from '../../db/database.ts';
import { conflict } from '../../errors.ts';

/** A 409 with this sentence, or a function making whatever error fits (e.g. a 400 missingRecord). */
export type ViolationAnswer = string | (() => Error);

const toError = (answer: ViolationAnswer) => (typeof answer === 'string' ? conflict(answer) : answer());

/**
 * The name of the constraint a PostgreSQL error names, if any: postgres.js calls the field
 * `constraint_name`, PGlite (pg-protocol's DatabaseError) `constraint`.
 */
export function violatedConstraint(error: unknown): string | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const { constraint_name: serverName, constraint: pgliteName } = error as { constraint_name?: unknown; constraint?: unknown };
  const name = serverName ?? pgliteName;
  return typeof name === 'string' ? name : undefined;
}

/**
 * Runs `write` and turns a constraint violation into the answer a check would have given: for a
 * duplicate (23505) or a row still referenced / already gone (23503). `constraints` answers by
 * the name of the violated constraint and wins over the two general answers; this is how a
 * delete that another module's foreign key refuses gets its own sentence, without this module
 * reading that module's table.
 */
export async function translateViolations<T>(
  write: () => Promise<T>,
  answers: { unique?: ViolationAnswer; foreignKey?: ViolationAnswer; constraints?: Record<string, ViolationAnswer> },
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const code = pgErrorCode(error);
    if (code !== PG_UNIQUE_VIOLATION && code !== PG_FOREIGN_KEY_VIOLATION) throw error;
    const constraint = violatedConstraint(error);
    const byName = constraint === undefined ? undefined : answers.constraints?.[constraint];
    if (byName) throw toError(byName);
    if (code === PG_UNIQUE_VIOLATION && answers.unique) throw toError(answers.unique);
    if (code === PG_FOREIGN_KEY_VIOLATION && answers.foreignKey) throw toError(answers.foreignKey);
    throw error;
  }
}
