import type { HttpMethod } from '../../db/schema/common.ts';

export interface ServiceCall {
  url: string;
  method: HttpMethod;
  /** Sent as the JSON body; null or undefined sends no body. */
  parameters: unknown;
}

/** The service answered (with any status); `json` is null when its body is not JSON. */
export interface ServiceAnswered {
  reached: true;
  statusCode: number;
  json: unknown;
}

/** No answer at all: connection refused, name not resolved, timed out, ... */
export interface ServiceUnreachable {
  reached: false;
  error: string;
}

export type ServiceCallResult = ServiceAnswered | ServiceUnreachable;
export type CallService = (call: ServiceCall) => Promise<ServiceCallResult>;

/**
 * GET requests carry no body, so the parameters of a GET travel in the query string when they
 * are an object: one `key=value` pair per entry, strings as they are, anything else as JSON.
 * An array has no names to put in a query string, so a GET with array parameters sends none.
 */
function urlWithQuery(url: string, parameters: unknown): string {
  if (parameters === null || typeof parameters !== 'object' || Array.isArray(parameters)) return url;
  const target = new URL(url);
  for (const [key, value] of Object.entries(parameters)) {
    target.searchParams.append(key, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return target.toString();
}

/** Why a call failed, in words: fetch hides the useful part (ECONNREFUSED ...) in `cause`. */
function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`;
  }
  if (error instanceof Error) {
    const cause = error.cause;
    if (cause instanceof Error && cause.message) return cause.message;
    if (cause && typeof cause === 'object' && 'code' in cause) return String((cause as { code: unknown }).code);
    return error.message;
  }
  return String(error);
}

/**
 * PostgreSQL's jsonb cannot hold the NUL character, which a service may well answer with; the
 * run is still logged, with each NUL in keys and strings replaced by U+FFFD.
 */
function withoutNul(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll('\u0000', '\uFFFD');
  if (Array.isArray(value)) return value.map(withoutNul);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replaceAll('\u0000', '\uFFFD'), withoutNul(v)]));
  }
  return value;
}

/** The answer as JSON, or null when it is not JSON. */
function parseJson(text: string): unknown {
  try {
    return withoutNul(JSON.parse(text));
  } catch {
    return null;
  }
}

/**
 * The outbound HTTP caller of run-service. Unlike DTBase's (which had none) every call has a
 * timeout, covering the whole exchange including reading the body, and never throws: an
 * unreachable service is a result the caller records.
 */
export function createServiceCaller(options: { timeoutMs: number }): CallService {
  const { timeoutMs } = options;
  return async ({ url, method, parameters }) => {
    const hasParameters = parameters !== null && parameters !== undefined;
    const sendsBody = method !== 'GET' && hasParameters;
    try {
      const response = await fetch(method === 'GET' ? urlWithQuery(url, parameters) : url, {
        method,
        headers: sendsBody ? { 'content-type': 'application/json', accept: 'application/json' } : { accept: 'application/json' },
        body: sendsBody ? JSON.stringify(parameters) : undefined,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      return { reached: true, statusCode: response.status, json: parseJson(text) };
    } catch (error) {
      return { reached: false, error: describeFailure(error, timeoutMs) };
    }
  };
}
