/**
 * The closed catalog of errors the API can answer with. Each has a stable code (for programs)
 * and an HTTP status; the `detail` text is for people and, on the DTBase-compatible routes,
 * matches DTBase's own wording so that existing clients keep working.
 */
export const ERROR_STATUS = {
  NOT_AUTHENTICATED: 401,
  TOKEN_EXPIRED: 401,
  INVALID_TOKEN: 401,
  WRONG_TOKEN_TYPE: 401,
  /** Issued before its user's tokens_valid_after (logout, new password), or a reused refresh token. */
  TOKEN_REVOKED: 401,
  BAD_CREDENTIALS: 401,
  /** An API key that is malformed, unknown, revoked or expired (the detail says which). */
  INVALID_API_KEY: 401,
  FORBIDDEN: 403,
  /** The outbound address policy refused the address of a service (loopback, private, ...). */
  DESTINATION_REFUSED: 403,
  NOT_FOUND: 404,
  /** DTBase answers 400 for a missing record; kept on the compatible routes. */
  MISSING_RECORD: 400,
  BAD_REQUEST: 400,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  VALIDATION_FAILED: 422,
  /** Throttled (failed logins, the per-address request limit); the answer carries Retry-After. */
  TOO_MANY_REQUESTS: 429,
  UPSTREAM_FAILED: 502,
  UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** One entry of a pydantic-style 422 body, which DTBase clients know how to read. */
export interface ValidationIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
}

export class AppError extends Error {
  readonly statusCode: number;
  /** Sent as the Retry-After header (seconds): when a throttled call may be tried again. */
  retryAfterSeconds?: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly issues?: ValidationIssue[],
  ) {
    super(detail);
    this.statusCode = ERROR_STATUS[code];
  }
}

export const notFound = (detail: string) => new AppError('NOT_FOUND', detail);
export const missingRecord = (detail: string) => new AppError('MISSING_RECORD', detail);
export const conflict = (detail: string) => new AppError('CONFLICT', detail);
export const badRequest = (detail: string) => new AppError('BAD_REQUEST', detail);

/** A 429 that says when to try again, in its detail and in Retry-After. */
export function tooManyRequests(detail: string, retryAfterSeconds: number): AppError {
  const error = new AppError('TOO_MANY_REQUESTS', detail);
  error.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return error;
}

/** A 422 for a value that is well-formed JSON but does not fit (datatype, lengths, enum). */
export const unprocessable = (detail: string) => new AppError('VALIDATION_FAILED', detail);
