import { AppError } from '../errors.ts';
import { pgErrorCode } from '../db/database.ts';

/**
 * A safety net for input the services did not check before it reached PostgreSQL. Each known
 * SQLSTATE becomes a 4xx with a fixed sentence: the database's own message is never shown
 * (it can name tables and constraints). Anything not listed stays a 500, i.e. a bug.
 */
const DATABASE_ERRORS: Record<string, () => AppError> = {
  // class 22: data exceptions
  '22001': () => new AppError('VALIDATION_FAILED', 'A text value is too long (names and units take at most 100 characters)'),
  '22003': () => new AppError('VALIDATION_FAILED', 'A number is outside the range that can be stored'),
  '22007': () => new AppError('VALIDATION_FAILED', 'A date or time is not valid'),
  '22008': () => new AppError('VALIDATION_FAILED', 'A date or time is outside the range that can be stored'),
  '22021': () => new AppError('VALIDATION_FAILED', 'Text contains a character that cannot be stored (such as NUL)'),
  '22P05': () => new AppError('VALIDATION_FAILED', 'Text contains a character that cannot be stored (such as NUL)'),
  '22P02': () => new AppError('VALIDATION_FAILED', 'A value is not in a valid format'),
  '22023': () => new AppError('VALIDATION_FAILED', 'A parameter value is not valid'),
  '22P06': () => new AppError('VALIDATION_FAILED', 'A value is not in a valid format'),
  '2201B': () => new AppError('VALIDATION_FAILED', 'A pattern is not a valid regular expression'),
  // class 23: integrity constraints, when a race got past the services' own checks
  '23505': () => new AppError('CONFLICT', 'The record exists already'),
  '23503': () => new AppError('CONFLICT', 'The record is referenced by, or refers to, another record that prevents this change'),
  '23514': () => new AppError('VALIDATION_FAILED', 'A value is outside what can be stored'),
  // class 40: a concurrent transaction got in the way; nothing was written, a retry will do
  '40001': () => new AppError('UNAVAILABLE', 'The write collided with a concurrent one and was rolled back; retry it'),
  '40P01': () => new AppError('UNAVAILABLE', 'The write collided with a concurrent one and was rolled back; retry it'),
  // class 54: program limits (e.g. an index row too large for a huge text key)
  '54000': () => new AppError('VALIDATION_FAILED', 'A value is too large to store'),
  // PostgreSQL's jsonb parser gives up near 100,000 levels; bodies stop at MAX_JSON_DEPTH long before.
  '54001': () => new AppError('VALIDATION_FAILED', 'A value is nested too deeply to store'),
};

export function fromDatabaseError(error: unknown): AppError | undefined {
  const code = pgErrorCode(error);
  if (!code) return undefined;
  return DATABASE_ERRORS[code]?.();
}
