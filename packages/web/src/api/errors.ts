import { MirrorbaseError } from '@mirrorbase/sdk';

interface ValidationIssue {
  loc?: unknown[];
  msg?: string;
}

/** An error from the API (or the network) in words a person can act on. */
export function describeError(error: unknown): string {
  if (error instanceof MirrorbaseError) {
    const body = error.body as { detail?: unknown } | string | undefined;
    const detail = typeof body === 'object' && body ? body.detail : body;
    if (Array.isArray(detail)) {
      // FastAPI-style validation errors: name the field and say what is wrong with it.
      return (detail as ValidationIssue[])
        .map((issue) => {
          const field = (issue.loc ?? []).filter((part) => part !== 'body').join('.');
          return field ? `${field}: ${issue.msg ?? 'invalid'}` : (issue.msg ?? 'invalid input');
        })
        .join('; ');
    }
    if (typeof detail === 'string' && detail) return statusPrefix(error.status) + detail;
    return statusPrefix(error.status) + error.message;
  }
  if (error instanceof TypeError) return 'The server could not be reached. Check your connection and try again.';
  if (error instanceof Error) return error.message;
  return String(error);
}

function statusPrefix(status: number): string {
  if (status === 401) return 'Not logged in: ';
  if (status === 403) return 'Not allowed: ';
  if (status === 404) return 'Not found: ';
  if (status === 409) return 'Conflict: ';
  if (status === 429) return 'Too many requests: ';
  if (status >= 500) return 'The server failed: ';
  return '';
}
