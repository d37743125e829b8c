import AjvModule, { type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { AppError, type ValidationIssue } from '../errors.ts';
import { collectIssues, issueFromError, MAX_LISTED_ISSUES, type Probe, type Schema } from './validation-issues.ts';

const DATE = String.raw`\d{4}-\d{2}-\d{2}`;
const TIME = String.raw`\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?`;
const OFFSET = String.raw`(?:Z|[+-]\d{2}(?::?\d{2})?)`;
const DTBASE_DATETIME = new RegExp(`^${DATE}(?:[T ]${TIME}${OFFSET}?)?$`);
const ZONED_DATETIME = new RegExp(`^${DATE}[T ]${TIME}${OFFSET}$`);

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Two ASCII digits at `i` as a number (the pattern has matched them already). */
const twoDigits = (text: string, i: number) => (text.charCodeAt(i) - 48) * 10 + text.charCodeAt(i + 1) - 48;

/**
 * Checks the calendar too (no 2023-02-30, no 24:00), which the regular expression cannot, for
 * the UTC years 1 to 9999. It runs once per timestamp of every insert (10,000 per request), so
 * it reads the digits at their fixed places rather than building a Date: 0.1 µs, not 1 µs.
 */
function isRealDate(text: string): boolean {
  const year = twoDigits(text, 0) * 100 + twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1]) return false;
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) return false;
  // YYYY-MM-DD[T ]HH:MM[:SS...]: the time, when there is one, sits at fixed places too.
  if (text.length > 10 && (twoDigits(text, 11) > 23 || twoDigits(text, 14) > 59)) return false;
  return !(text.charCodeAt(16) === 58 && twoDigits(text, 17) > 59);
}

export const isDtbaseDatetime = (s: string) => DTBASE_DATETIME.test(s) && isRealDate(s);
export const isZonedDatetime = (s: string) => ZONED_DATETIME.test(s) && isRealDate(s);

// ajv ships CommonJS with a default export; under NodeNext the class sits on .default.
const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as unknown as typeof AjvModule.default;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as typeof addFormatsModule.default;

function makeAjv(coerceTypes: false | 'array') {
  const ajv = new Ajv({
    coerceTypes,
    useDefaults: true,
    removeAdditional: true,
    // Pass or fail only: the first error ends the check, so a body with a million bad
    // elements costs no more than one with a single bad element. collectIssues builds the
    // (bounded) list of issues afterwards, for failed requests only.
    allErrors: false,
    // Sub-schemas are compiled on their own (collectIssues' probes); one carrying an $id
    // must not clash with the route schema that contains it.
    addUsedSchema: false,
    strict: false,
  });
  addFormats(ajv);
  ajv.addFormat('dtbase-datetime', { type: 'string', validate: isDtbaseDatetime });
  ajv.addFormat('zoned-datetime', { type: 'string', validate: isZonedDatetime });
  ajv.addKeyword({ keyword: 'x-example' });
  return ajv;
}

// Bodies are JSON and typed already: like pydantic, a number is not a string. Query strings
// and paths are text, so they are coerced.
const bodyAjv = makeAjv(false);
const textAjv = makeAjv('array');

const probeFor =
  (ajv: InstanceType<typeof Ajv>): Probe =>
  (schema) =>
    ajv.compile(schema);

/** The 422 of a request part that failed its schema: pydantic-shaped issues, a bounded list. */
export function validationError(schema: Schema, data: unknown, part: string, probe: Probe): AppError {
  // A body that is missing altogether is one issue, as in FastAPI.
  if (part === 'body' && (data === undefined || data === null)) {
    return new AppError('VALIDATION_FAILED', 'Field required', [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }]);
  }
  const { issues } = collectIssues(schema, data, part, probe);
  return new AppError('VALIDATION_FAILED', 'Request validation failed', issues);
}

const PART_NAMES: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

/**
 * Fastify's validator compiler. A failed check returns the finished 422 (an AppError) as
 * Fastify's `{ error }`, which the error handler renders like any other AppError.
 */
export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodyAjv : textAjv;
  // Compiled on the route's first request, not at start-up (~0.3 s of a start for every route;
  // see lazy-compilers.ts for why start-up time matters).
  let validate: ((data: unknown) => boolean) | undefined;
  const part = PART_NAMES[httpPart ?? 'body'] ?? String(httpPart);
  const probe = probeFor(ajv);
  return ((data: unknown) => {
    validate ??= ajv.compile(schema as object);
    return validate(data) ? true : { error: validationError(schema as Schema, data, part, probe) };
  }) as never;
};

/**
 * Issues for ajv errors that reached the error handler some other way (a validator that is not
 * ours): mapped one to one, at most MAX_LISTED_ISSUES of them.
 */
export function toValidationIssues(errors: readonly ErrorObject[], part: string, data: unknown): ValidationIssue[] {
  if (part === 'body' && (data === undefined || data === null)) {
    return [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }];
  }
  const issues = errors.slice(0, MAX_LISTED_ISSUES).map((error) => issueFromError(error, [part], data));
  return issues.length > 0 ? issues : [{ type: 'value_error', loc: [part], msg: 'Input is invalid', input: null }];
}
