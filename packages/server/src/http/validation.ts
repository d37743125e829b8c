import AjvModule, { type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import type { ValidationIssue } from '../errors.ts';

const DATE = String.raw`\d{4}-\d{2}-\d{2}`;
const TIME = String.raw`\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?`;
const OFFSET = String.raw`(?:Z|[+-]\d{2}(?::?\d{2})?)`;
const DTBASE_DATETIME = new RegExp(`^${DATE}(?:[T ]${TIME}${OFFSET}?)?$`);
const ZONED_DATETIME = new RegExp(`^${DATE}[T ]${TIME}${OFFSET}$`);

/** Checks the calendar too (no 2023-02-30), which the regular expression cannot. */
function isRealDate(text: string): boolean {
  const [y, m, d] = text.slice(0, 10).split('-').map(Number);
  // setUTCFullYear, not Date.UTC: Date.UTC reads the years 0-99 as 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(y, m - 1, d);
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return false;
  const time = /[T ](\d{2}):(\d{2})(?::(\d{2}))?/.exec(text);
  if (time && (Number(time[1]) > 23 || Number(time[2]) > 59 || Number(time[3] ?? 0) > 59)) return false;
  return y >= 1 && y <= 9999;
}

export const isDtbaseDatetime = (s: string) => DTBASE_DATETIME.test(s) && isRealDate(s);
export const isZonedDatetime = (s: string) => ZONED_DATETIME.test(s) && isRealDate(s);

// ajv ships CommonJS with a default export; under NodeNext the class sits on .default.
const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as unknown as typeof AjvModule.default;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as typeof addFormatsModule.default;

function makeAjv(coerceTypes: false | 'array') {
  const ajv = new Ajv({
    coerceTypes,
    useDefaults: true,
    removeAdditional: true,
    allErrors: true,
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

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : textAjv).compile(schema as object) as never;

const TYPE_MESSAGES: Record<string, [string, string]> = {
  string: ['string_type', 'Input should be a valid string'],
  integer: ['int_type', 'Input should be a valid integer'],
  number: ['float_type', 'Input should be a valid number'],
  boolean: ['bool_type', 'Input should be a valid boolean'],
  array: ['list_type', 'Input should be a valid list'],
  object: ['model_type', 'Input should be a valid dictionary or object'],
  null: ['none_required', 'Input should be None'],
};

function valueAt(root: unknown, pointer: string[]): unknown {
  let current = root;
  for (const key of pointer) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function issueFor(error: ErrorObject, part: string, data: unknown): ValidationIssue {
  const pointer = error.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const loc: (string | number)[] = [part, ...pointer.map((p) => (/^\d+$/.test(p) ? Number(p) : p))];
  const input = valueAt(data, pointer);
  switch (error.keyword) {
    case 'required':
      return { type: 'missing', loc: [...loc, error.params.missingProperty], msg: 'Field required', input };
    case 'type': {
      const expected = String(error.params.type).split(',')[0];
      const [type, msg] = TYPE_MESSAGES[expected] ?? ['type_error', `Input should be ${expected}`];
      return { type, loc, msg, input };
    }
    case 'enum':
      return { type: 'enum', loc, msg: `Input should be one of ${error.params.allowedValues.map((v: unknown) => JSON.stringify(v)).join(', ')}`, input };
    case 'const':
      return { type: 'literal_error', loc, msg: `Input should be ${JSON.stringify(error.params.allowedValue)}`, input };
    case 'format':
      return {
        type: error.params.format.includes('datetime') ? 'datetime_parsing' : 'value_error',
        loc,
        msg: error.params.format === 'zoned-datetime'
          ? 'Input should be an ISO-8601 datetime with a UTC offset, e.g. 2024-01-01T00:00:00Z'
          : error.params.format === 'dtbase-datetime'
            ? 'Input should be a valid ISO-8601 datetime'
            : `Input should be a valid ${error.params.format}`,
        input,
      };
    case 'anyOf':
      return { type: 'union_error', loc, msg: 'Input does not match any of the allowed types (see the API docs at /docs)', input };
    default:
      return { type: 'value_error', loc, msg: `Input ${error.message ?? 'is invalid'}`, input };
  }
}

/**
 * A failed union (anyOf) reports every branch. When some branch got further than its type
 * check (a missing field inside an object, say), those deeper errors are the useful ones;
 * otherwise one "matches none of the types" issue says it best.
 */
function narrowUnionErrors(errors: ErrorObject[]): ErrorObject[] {
  const dropped = new Set<ErrorObject>();
  for (const union of errors.filter((e) => e.keyword === 'anyOf')) {
    const branch = errors.filter((e) => e !== union && e.schemaPath.startsWith(`${union.schemaPath}/`));
    const deeper = branch.filter((e) => e.instancePath !== union.instancePath || e.keyword === 'required');
    for (const e of branch) if (!deeper.includes(e)) dropped.add(e);
    if (deeper.length > 0) dropped.add(union);
  }
  return errors.filter((e) => !dropped.has(e));
}

/** Turns ajv errors into pydantic's 422 issue list, one issue per field. */
export function toValidationIssues(errors: ErrorObject[], part: string, data: unknown): ValidationIssue[] {
  // A body that is missing altogether is one issue, as in FastAPI.
  if (part === 'body' && (data === undefined || data === null)) {
    return [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }];
  }
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  const specific = narrowUnionErrors(errors);
  for (const error of specific) {
    const issue = issueFor(error, part, data);
    const key = JSON.stringify(issue.loc);
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}
