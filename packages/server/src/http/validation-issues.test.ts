import { Type, type TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import type { AppError, ValidationIssue } from '../errors.ts';
import { Datatype, Nullable, Value } from './schemas.ts';
import { MAX_LISTED_ISSUES } from './validation-issues.ts';
import { validatorCompiler } from './validation.ts';

/** What Fastify does with a route schema: compile it once, then call it with the parsed part. */
function check(schema: TSchema, data: unknown, httpPart = 'body'): ValidationIssue[] | true {
  const validate = validatorCompiler({ schema, httpPart, method: 'POST', url: '/x' }) as unknown as (
    d: unknown,
  ) => true | { error: AppError };
  const result = validate(data);
  if (result === true) return true;
  expect(result.error.statusCode).toBe(422);
  return result.error.issues!;
}

const issuesOf = (schema: TSchema, data: unknown, httpPart?: string) => {
  const result = check(schema, data, httpPart);
  if (result === true) throw new Error('expected the data to be refused');
  return result;
};

const Readings = Type.Object({ readings: Type.Array(Value), timestamps: Type.Array(Type.String({ format: 'dtbase-datetime' })) });

describe('validation issues', () => {
  it('lists one union_error per element of an array failing a union, never an empty list', () => {
    const issues = issuesOf(Readings, { readings: [{}, 1, {}], timestamps: [] });
    expect(issues).toEqual([
      {
        type: 'union_error',
        loc: ['body', 'readings', 0],
        msg: expect.stringMatching(/does not match any of the allowed types/),
        input: {},
      },
      {
        type: 'union_error',
        loc: ['body', 'readings', 2],
        msg: expect.stringMatching(/does not match any of the allowed types/),
        input: {},
      },
    ]);
  });

  it('lists at most a few dozen issues of a million failing elements, says how many there were, in linear time', () => {
    const started = performance.now();
    const issues = issuesOf(Readings, { readings: Array.from({ length: 1_000_000 }, () => ({})), timestamps: ['x'] });
    const seconds = (performance.now() - started) / 1000;
    expect(issues).toHaveLength(MAX_LISTED_ISSUES + 1);
    expect(issues.slice(0, MAX_LISTED_ISSUES).map((i) => i.loc)).toEqual(
      Array.from({ length: MAX_LISTED_ISSUES }, (_, i) => ['body', 'readings', i]),
    );
    expect(issues[MAX_LISTED_ISSUES]).toEqual({
      type: 'too_many_errors',
      loc: ['body'],
      msg: '999,971 more issues not listed (1,000,001 in total)',
      input: null,
    });
    // Cubic narrowing took 13 s for 1,600 elements; a linear walk does a million in well under that.
    expect(seconds).toBeLessThan(10);
  });

  it('names the allowed literals of a literal union, as pydantic does', () => {
    const issues = issuesOf(Type.Object({ measures: Type.Array(Type.Object({ name: Type.String(), datatype: Datatype })) }), {
      measures: [{ name: 'ok', datatype: 'float' }, { name: 'm', datatype: 'nope' }, { datatype: 3 }],
    });
    expect(issues).toEqual([
      {
        type: 'literal_error',
        loc: ['body', 'measures', 1, 'datatype'],
        msg: "Input should be 'string', 'float', 'integer' or 'boolean'",
        input: 'nope',
      },
      { type: 'missing', loc: ['body', 'measures', 2, 'name'], msg: 'Field required', input: { datatype: 3 } },
      {
        type: 'literal_error',
        loc: ['body', 'measures', 2, 'datatype'],
        msg: "Input should be 'string', 'float', 'integer' or 'boolean'",
        input: 3,
      },
    ]);
  });

  it('reports an object inside a union field by field, and anything else as matching none of the types', () => {
    const schema = Type.Object({
      location: Type.Union([Type.Object({ x: Type.Number(), y: Type.Number() }), Type.Array(Type.Number()), Type.Null()]),
    });
    expect(issuesOf(schema, { location: { x: 'a' } })).toEqual([
      { type: 'missing', loc: ['body', 'location', 'y'], msg: 'Field required', input: { x: 'a' } },
      { type: 'float_type', loc: ['body', 'location', 'x'], msg: 'Input should be a valid number', input: 'a' },
    ]);
    expect(issuesOf(schema, { location: [1, 'b'] })).toEqual([
      { type: 'float_type', loc: ['body', 'location', 1], msg: 'Input should be a valid number', input: 'b' },
    ]);
    expect(issuesOf(schema, { location: 5 })).toEqual([
      { type: 'union_error', loc: ['body', 'location'], msg: expect.any(String), input: 5 },
    ]);
  });

  it('reads a nullable field (type: [x, "null"]) as its type', () => {
    expect(issuesOf(Type.Object({ notes: Nullable(Type.String()) }), { notes: 5 })).toEqual([
      { type: 'string_type', loc: ['body', 'notes'], msg: 'Input should be a valid string', input: 5 },
    ]);
  });

  it('checks the values of a record (patternProperties) under their keys', () => {
    const issues = issuesOf(Type.Object({ coordinates: Type.Record(Type.String(), Value) }), { coordinates: { x: 1, y: [2], z: 'ok' } });
    expect(issues).toEqual([{ type: 'union_error', loc: ['body', 'coordinates', 'y'], msg: expect.any(String), input: [2] }]);
  });

  it("reports a container's own keywords (minItems, maxLength) when its elements are fine", () => {
    expect(issuesOf(Type.Object({ ids: Type.Array(Type.Integer(), { minItems: 1 }) }), { ids: [] })).toEqual([
      { type: 'too_short', loc: ['body', 'ids'], msg: 'List should have at least 1 item', input: [] },
    ]);
    expect(issuesOf(Type.Object({ name: Type.String({ maxLength: 3 }) }), { name: 'four' })).toEqual([
      { type: 'string_too_long', loc: ['body', 'name'], msg: 'String should have at most 3 characters', input: 'four' },
    ]);
  });

  it('lists every field of a body, in document order', () => {
    const schema = Type.Object({ email: Type.String(), password: Type.String(), admin: Type.Optional(Type.Boolean()) });
    expect(issuesOf(schema, { admin: 'yes', email: 5 })).toEqual([
      { type: 'missing', loc: ['body', 'password'], msg: 'Field required', input: { admin: 'yes', email: 5 } },
      { type: 'bool_type', loc: ['body', 'admin'], msg: 'Input should be a valid boolean', input: 'yes' },
      { type: 'string_type', loc: ['body', 'email'], msg: 'Input should be a valid string', input: 5 },
    ]);
  });

  it('answers a missing body with one missing issue', () => {
    expect(issuesOf(Type.Object({ a: Type.String() }), null)).toEqual([
      { type: 'missing', loc: ['body'], msg: 'Field required', input: null },
    ]);
  });

  it('keeps every echoed input small, however large the value sent', () => {
    const schema = Type.Object({ email: Type.String(), password: Type.String() });
    const huge = 'x'.repeat(5_000_000);
    const issues = issuesOf(schema, { email: huge, extra: Array.from({ length: 100_000 }, (_, i) => i) });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ type: 'missing', loc: ['body', 'password'] });
    const input = issues[0].input as { email: string; extra: unknown[] };
    expect(input.email).toBe(`${'x'.repeat(100)}… (5,000,000 characters)`);
    expect(input.extra).toHaveLength(11);
    expect(input.extra[10]).toBe('… 99,990 more');
    expect(JSON.stringify(issues).length).toBeLessThan(1000);
  });

  it('coerces query strings as the route validator does, reporting only what does not fit', () => {
    const query = Type.Object({
      limit: Type.Optional(Type.Integer({ minimum: 1 })),
      offset: Type.Optional(Type.Integer()),
      flag: Type.Optional(Type.Boolean()),
    });
    expect(check(query, { limit: '5', offset: '10', flag: 'true' }, 'querystring')).toBe(true);
    expect(issuesOf(query, { limit: 'x', offset: '10', flag: 'maybe' }, 'querystring')).toEqual([
      { type: 'int_type', loc: ['query', 'limit'], msg: 'Input should be a valid integer', input: 'x' },
      { type: 'bool_type', loc: ['query', 'flag'], msg: 'Input should be a valid boolean', input: 'maybe' },
    ]);
    expect(issuesOf(Type.Object({ id: Type.Integer({ maximum: 10 }) }), { id: '11' }, 'params')).toEqual([
      { type: 'less_than_equal', loc: ['path', 'id'], msg: 'Input should be less than or equal to 10', input: 11 },
    ]);
  });

  it('still fills defaults and drops unknown keys of a valid body', () => {
    const schema = Type.Object({ a: Type.Integer({ default: 7 }), b: Type.Optional(Type.String()) }, { additionalProperties: false });
    const data: Record<string, unknown> = { b: 'x', c: 1 };
    expect(check(schema, data)).toBe(true);
    expect(data).toEqual({ a: 7, b: 'x' });
  });
});
