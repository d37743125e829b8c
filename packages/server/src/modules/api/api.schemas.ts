/** Schemas shared by every route of the resource API. */
import { Type } from '@sinclair/typebox';
import { ApiError, ApiValidationFailed } from '../../http/schemas.ts';

export { ApiError, ApiValidationFailed };

/** The failures every GET of the resource API can answer with, besides 200. */
export const readErrors = { 401: ApiError, 403: ApiError, 404: ApiError, 422: ApiValidationFailed } as const;

/** Lists answer 404 only when the list hangs below a missing resource; 422 for a bad query. */
export const listErrors = { 401: ApiError, 403: ApiError, 422: ApiValidationFailed } as const;

/** What a write of the resource API may answer besides its success. */
export const writeErrors = { 400: ApiError, 401: ApiError, 403: ApiError, 404: ApiError, 409: ApiError, 422: ApiValidationFailed } as const;

/** A natural key in the path (a name, a unique identifier, an e-mail address). */
export const NameParam = Type.String({ minLength: 1 });

/** Ids are int4 in the database: a larger number names nothing and would not fit a parameter. */
export const IdParam = Type.Integer({ minimum: -2147483648, maximum: 2147483647 });

/** A timestamp the database rendered (mb_iso, or a Date), as ISO-8601 UTC. */
export const Timestamp = Type.String({ description: 'ISO-8601 UTC, e.g. 2024-01-01T00:00:00Z' });
