/**
 * The issue list of a 422, pydantic-shaped ({type, loc, msg, input}), for a request part that
 * failed its schema. It is built only after the fast validator (ajv, allErrors off) has said
 * "invalid", and it is bounded: the data is walked once, iteratively, in document order; at
 * most MAX_LISTED_ISSUES issues are built and the rest only counted; every `input` is a small
 * preview. ajv with allErrors over a million failing elements makes millions of error objects
 * (and its union errors needed a quadratic search to narrow); here each array element costs
 * one small compiled check, and whole valid subtrees are skipped by one call.
 *
 * How it reads a failure: structure the schema describes (objects, arrays, unions of them) is
 * walked; a missing required field is a `missing` issue; anything else (a leaf, or a keyword of
 * a container such as minItems) becomes the first error of that sub-schema's own compiled
 * validator. So the list is never empty when the request failed.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { ValidationIssue } from '../errors.ts';
import { previewInput } from '../modules/shared/preview.ts';

/** At most this many issues are listed; one more entry then says how many there were. */
export const MAX_LISTED_ISSUES = 30;

export type Schema = Record<string, unknown>;
type Loc = (string | number)[];

/** Compiles (once per schema object) a validator that stops at the first error. */
export type Probe = (schema: Schema) => ValidateFunction;

type Task =
  | { kind: 'node'; schema: Schema; data: unknown; loc: Loc }
  | { kind: 'items'; schema: Schema; array: unknown[]; index: number; loc: Loc }
  /** After a container's children: if none of them failed, report the container's own error. */
  | { kind: 'container'; totalBefore: number; error: ErrorObject | undefined; data: unknown; loc: Loc };

const TYPE_MESSAGES: Record<string, [string, string]> = {
  string: ['string_type', 'Input should be a valid string'],
  integer: ['int_type', 'Input should be a valid integer'],
  number: ['float_type', 'Input should be a valid number'],
  boolean: ['bool_type', 'Input should be a valid boolean'],
  array: ['list_type', 'Input should be a valid list'],
  object: ['model_type', 'Input should be a valid dictionary or object'],
  null: ['none_required', 'Input should be None'],
};

const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (!isObject(v)) return false;
  const prototype = Object.getPrototypeOf(v);
  return prototype === Object.prototype || prototype === null;
};

function schemaTypes(schema: Schema): string[] {
  const { type } = schema;
  return typeof type === 'string' ? [type] : Array.isArray(type) ? (type as string[]) : [];
}

const describesObject = (schema: Schema) =>
  schemaTypes(schema).includes('object') || (schemaTypes(schema).length === 0 && isObject(schema.properties));
const describesArray = (schema: Schema) => schemaTypes(schema).includes('array') && isObject(schema.items);

/** Pydantic renders literals as 'a', 'b' or 'c'. */
function literalList(values: unknown[]): string {
  const texts = values.map((v) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v)));
  return texts.length <= 1 ? texts.join('') : `${texts.slice(0, -1).join(', ')} or ${texts[texts.length - 1]}`;
}

function plural(n: number, word: string) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function decodePointer(instancePath: string): Loc {
  if (instancePath === '') return [];
  return instancePath
    .split('/')
    .slice(1)
    .map((p) => {
      const key = p.replace(/~1/g, '/').replace(/~0/g, '~');
      return /^\d+$/.test(key) ? Number(key) : key;
    });
}

function valueAt(root: unknown, pointer: Loc): unknown {
  let current = root;
  for (const key of pointer) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** One ajv error (relative to `data`, found at `loc`) as a pydantic issue. */
export function issueFromError(error: ErrorObject, loc: Loc, data: unknown): ValidationIssue {
  const pointer = decodePointer(error.instancePath);
  const at = [...loc, ...pointer];
  const input = previewInput(valueAt(data, pointer));
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { type: 'missing', loc: [...at, String(params.missingProperty)], msg: 'Field required', input };
    case 'type': {
      const expected = String(params.type).split(',')[0];
      const [type, msg] = TYPE_MESSAGES[expected] ?? ['type_error', `Input should be ${expected}`];
      return { type, loc: at, msg, input };
    }
    case 'enum':
      return { type: 'enum', loc: at, msg: `Input should be ${literalList(params.allowedValues as unknown[])}`, input };
    case 'const':
      return { type: 'literal_error', loc: at, msg: `Input should be ${literalList([params.allowedValue])}`, input };
    case 'format': {
      const format = String(params.format);
      return {
        type: format.includes('datetime') || format === 'date-time' ? 'datetime_parsing' : 'value_error',
        loc: at,
        msg:
          format === 'zoned-datetime'
            ? 'Input should be an ISO-8601 datetime with a UTC offset, e.g. 2024-01-01T00:00:00Z'
            : format === 'dtbase-datetime'
              ? 'Input should be a valid ISO-8601 datetime'
              : `Input should be a valid ${format}`,
        input,
      };
    }
    case 'maxLength':
      return { type: 'string_too_long', loc: at, msg: `String should have at most ${plural(Number(params.limit), 'character')}`, input };
    case 'minLength':
      return { type: 'string_too_short', loc: at, msg: `String should have at least ${plural(Number(params.limit), 'character')}`, input };
    case 'maxItems':
      return { type: 'too_long', loc: at, msg: `List should have at most ${plural(Number(params.limit), 'item')}`, input };
    case 'minItems':
      return { type: 'too_short', loc: at, msg: `List should have at least ${plural(Number(params.limit), 'item')}`, input };
    case 'minimum':
      return { type: 'greater_than_equal', loc: at, msg: `Input should be greater than or equal to ${params.limit}`, input };
    case 'maximum':
      return { type: 'less_than_equal', loc: at, msg: `Input should be less than or equal to ${params.limit}`, input };
    case 'anyOf':
    case 'oneOf':
      return { type: 'union_error', loc: at, msg: 'Input does not match any of the allowed types (see the API docs at /docs)', input };
    default:
      return { type: 'value_error', loc: at, msg: `Input ${error.message ?? 'is invalid'}`, input };
  }
}

/** Issues listed so far, and how many were found in all. */
class IssueList {
  readonly listed: ValidationIssue[] = [];
  total = 0;

  add(make: () => ValidationIssue): void {
    this.total++;
    if (this.listed.length < MAX_LISTED_ISSUES) this.listed.push(make());
  }
}

/** The sub-schema of an object's key that `properties` does not name, if any. */
function extraKeySchema(schema: Schema, key: string, patterns: Map<string, RegExp>): Schema | undefined {
  if (isObject(schema.patternProperties)) {
    for (const [pattern, sub] of Object.entries(schema.patternProperties)) {
      let regex = patterns.get(pattern);
      if (!regex) {
        regex = new RegExp(pattern, 'u');
        patterns.set(pattern, regex);
      }
      if (regex.test(key)) return sub as Schema;
    }
  }
  return isObject(schema.additionalProperties) ? schema.additionalProperties : undefined;
}

/**
 * Every issue of `data` (at `part`) against `schema`, at most MAX_LISTED_ISSUES of them built,
 * plus the total. `data` is known to be invalid.
 */
export function collectIssues(schema: Schema, data: unknown, part: string, probe: Probe): { issues: ValidationIssue[]; total: number } {
  const list = new IssueList();
  const patterns = new Map<string, RegExp>();
  const stack: Task[] = [{ kind: 'node', schema, data, loc: [part] }];
  while (stack.length > 0) {
    const task = stack.pop()!;
    if (task.kind === 'items') {
      if (task.index < task.array.length) {
        const index = task.index++;
        stack.push(task);
        stack.push({ kind: 'node', schema: task.schema, data: task.array[index], loc: [...task.loc, index] });
      }
      continue;
    }
    if (task.kind === 'container') {
      if (list.total === task.totalBefore) {
        const { error, loc, data: value } = task;
        list.add(() =>
          error ? issueFromError(error, loc, value) : { type: 'value_error', loc, msg: 'Input is invalid', input: previewInput(value) },
        );
      }
      continue;
    }

    const { schema: node, data: value, loc } = task;
    const validate = probe(node);
    if (validate(value)) continue;
    const error = validate.errors?.[0];

    const union = (node.anyOf ?? node.oneOf) as Schema[] | undefined;
    if (Array.isArray(union)) {
      if (union.length > 0 && union.every((branch) => isObject(branch) && 'const' in branch)) {
        list.add(() => ({
          type: 'literal_error',
          loc,
          msg: `Input should be ${literalList(union.map((b) => b.const))}`,
          input: previewInput(value),
        }));
        continue;
      }
      // Like pydantic: an object (or list) that fits a branch's kind is reported against that
      // branch, field by field; anything else simply matches none of the types.
      const branch = union.find(
        (b) => isObject(b) && (isPlainObject(value) ? describesObject(b) : Array.isArray(value) && describesArray(b)),
      );
      if (branch) stack.push({ kind: 'node', schema: branch, data: value, loc });
      else
        list.add(() => ({
          type: 'union_error',
          loc,
          msg: 'Input does not match any of the allowed types (see the API docs at /docs)',
          input: previewInput(value),
        }));
      continue;
    }

    if (isPlainObject(value) && describesObject(node)) {
      stack.push({ kind: 'container', totalBefore: list.total, error, data: value, loc });
      const properties = isObject(node.properties) ? node.properties : {};
      for (const key of Array.isArray(node.required) ? (node.required as string[]) : []) {
        if (value[key] === undefined) {
          list.add(() => ({ type: 'missing', loc: [...loc, key], msg: 'Field required', input: previewInput(value) }));
        }
      }
      const children: Task[] = [];
      for (const key of Object.keys(value)) {
        const sub = Object.hasOwn(properties, key) ? properties[key] : extraKeySchema(node, key, patterns);
        if (isObject(sub) && value[key] !== undefined) children.push({ kind: 'node', schema: sub, data: value[key], loc: [...loc, key] });
      }
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
      continue;
    }

    if (Array.isArray(value) && describesArray(node)) {
      stack.push({ kind: 'container', totalBefore: list.total, error, data: value, loc });
      stack.push({ kind: 'items', schema: node.items as Schema, array: value, index: 0, loc });
      continue;
    }

    list.add(() =>
      error ? issueFromError(error, loc, value) : { type: 'value_error', loc, msg: 'Input is invalid', input: previewInput(value) },
    );
  }

  const issues = list.listed;
  if (list.total > issues.length) {
    issues.push({
      type: 'too_many_errors',
      loc: [part],
      msg: `${(list.total - issues.length).toLocaleString('en-US')} more issues not listed (${list.total.toLocaleString('en-US')} in total)`,
      input: null,
    });
  }
  return { issues, total: list.total };
}
