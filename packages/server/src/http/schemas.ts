/** TypeBox building blocks shared by the route schemas of every module. */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { VALUE_DATATYPES, HTTP_METHODS } from '../db/schema/enum-values.ts';

/** `{"detail": "..."}`: DTBase's answer for messages and errors alike. */
export const Detail = Type.Object({ detail: Type.String() }, { $id: 'Detail' });

export const ValidationIssue = Type.Object({
  type: Type.String(),
  loc: Type.Array(Type.Union([Type.String(), Type.Integer()])),
  msg: Type.String(),
  input: Type.Unknown(),
});

/** 422: pydantic-shaped issue list for schema failures, or one sentence for semantic ones. */
export const ValidationFailed = Type.Object(
  { detail: Type.Union([Type.Array(ValidationIssue), Type.String()]) },
  { $id: 'ValidationFailed' },
);

/**
 * A field that may be null. Rendered as `type: ["x", "null"]` rather than anyOf, which keeps
 * validation errors to one line per field.
 */
export function Nullable<T extends TSchema>(schema: T) {
  const { type, ...rest } = schema as TSchema & { type?: string };
  if (typeof type === 'string') {
    return Type.Unsafe<Static<T> | null>({ ...rest, type: [type, 'null'] });
  }
  return Type.Union([schema, Type.Null()]);
}

/** A value of a location coordinate, a reading or a model output. Checked against its datatype later. */
export const Value = Type.Union([Type.Number(), Type.Boolean(), Type.String()], {
  description: 'float, integer, boolean or string, as the measure or identifier declares',
});

export const Datatype = Type.Union(
  VALUE_DATATYPES.map((d) => Type.Literal(d)),
  { description: 'one of string, integer, float, boolean' },
);

export const HttpMethodSchema = Type.Union(HTTP_METHODS.map((m) => Type.Literal(m)));

/**
 * A datetime as DTBase accepts it: ISO-8601, with or without a UTC offset (none means UTC),
 * or a date alone (midnight UTC).
 */
export const DtDatetime = Type.String({ format: 'dtbase-datetime', examples: ['2024-01-01T00:00:00Z'] });

/** A datetime on the resource API: an explicit offset is required, so no reading is ever misplaced. */
export const ZonedDatetime = Type.String({ format: 'zoned-datetime', examples: ['2024-01-01T00:00:00Z'] });

/** Standard responses for any route that needs an access token. */
export const authErrors = { 401: Detail } as const;
