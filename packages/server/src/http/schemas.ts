/** TypeBox building blocks shared by the route schemas of every module. */
import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { VALUE_DATATYPES, HTTP_METHODS } from '../db/schema/enum-values.ts';

/**
 * Named schemas: each is registered once under its `$id` (app.addSchema, at the root: see
 * app.ts) and routes point at it with `ref(schema)`, so the OpenAPI document lists it under
 * components/schemas by that name (openapi.ts) and generated clients get a named type.
 *
 * Refs belong in response schemas: request bodies, query strings and params stay inline,
 * because the request validator (validation.ts) compiles each route's schema on its own.
 */
export type NamedSchema = TSchema;

/** `{"$ref": "<$id>"}`, typed as the schema it names. */
export function ref<T extends TSchema>(schema: T): TUnsafe<Static<T>> {
  if (typeof schema.$id !== 'string') throw new Error('ref() needs a schema with an $id');
  return Type.Unsafe<Static<T>>(Type.Ref(schema.$id));
}

/** Registers named schemas in `app`; Fastify refuses a second schema of the same $id. */
export function addNamedSchemas(app: FastifyInstance, schemas: readonly NamedSchema[]): void {
  for (const schema of schemas) app.addSchema(schema);
}

export const ValidationIssueSchema = Type.Object(
  {
    type: Type.String(),
    loc: Type.Array(Type.Union([Type.String(), Type.Integer()])),
    msg: Type.String(),
    input: Type.Unknown(),
  },
  { $id: 'ValidationIssue' },
);
export const ValidationIssue = ref(ValidationIssueSchema);

/** `{"detail": "..."}`: DTBase's answer for messages and errors alike. */
export const DetailSchema = Type.Object({ detail: Type.String() }, { $id: 'Detail' });
export const Detail = ref(DetailSchema);

/** 422: pydantic-shaped issue list for schema failures, or one sentence for semantic ones. */
export const ValidationFailedSchema = Type.Object(
  { detail: Type.Union([Type.Array(ValidationIssue), Type.String()]) },
  { $id: 'ValidationFailed' },
);
export const ValidationFailed = ref(ValidationFailedSchema);

const ErrorCode = Type.String({ description: 'stable error code for programs, e.g. NOT_FOUND, VALIDATION_FAILED' });

/** An error on the resource API: a sentence for people and a stable code for programs. */
export const ApiErrorSchema = Type.Object({ detail: Type.String(), code: Type.Optional(ErrorCode) }, { $id: 'ApiError' });
export const ApiError = ref(ApiErrorSchema);

/** 422 on the resource API: the pydantic-style issue list for a request that does not fit, or one sentence. */
export const ApiValidationFailedSchema = Type.Object(
  { detail: Type.Union([Type.Array(ValidationIssue), Type.String()]), code: Type.Optional(ErrorCode) },
  { $id: 'ApiValidationFailed' },
);
export const ApiValidationFailed = ref(ApiValidationFailedSchema);

/** The named schemas every part of the application may refer to, registered at the root. */
export const sharedSchemas: NamedSchema[] = [
  ValidationIssueSchema,
  DetailSchema,
  ValidationFailedSchema,
  ApiErrorSchema,
  ApiValidationFailedSchema,
];

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
export const authErrors = { 401: Detail, 403: Detail } as const;
