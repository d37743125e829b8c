import type { HttpMethod } from '../../db/schema/common.ts';
import type { OutboundCall } from '../../outbound/outbound-caller.ts';

export interface ServiceCall {
  url: string;
  method: HttpMethod;
  /** Sent as the JSON body; null or undefined sends no body. */
  parameters: unknown;
  /** Extra request headers (lower-case names), e.g. a schedule's data window (Mirrorbase-Window-From/To). */
  headers?: Record<string, string>;
  /** Aborts the call (a schedule's timeout). */
  signal?: AbortSignal;
}

/**
 * The service answered (with any status); `json` is null when its body is not JSON, or was
 * larger than the cap, which `note` then says.
 */
export interface ServiceAnswered {
  reached: true;
  statusCode: number;
  json: unknown;
  note?: string;
}

/**
 * No answer. `refusal`: the rule of the address policy that refused the service's address
 * (nothing was connected to). Otherwise the error is the same whatever went wrong, so that the
 * run log does not tell a closed port from a filtered one (the server log does).
 */
export interface ServiceUnreachable {
  reached: false;
  refusal?: string;
  /** What the run log records. */
  error: string;
}

export type ServiceCallResult = ServiceAnswered | ServiceUnreachable;
export type CallService = (call: ServiceCall) => Promise<ServiceCallResult>;

/** What a run whose answer was over the size cap records beside its status. */
export const ANSWER_TOO_LARGE = 'The answer was larger than MIRRORBASE_SERVICE_RESPONSE_LIMIT_MB and was not kept.';

/** Levels of nesting an answer may have to be kept (jsonb and withoutNul below go no deeper). */
export const MAX_ANSWER_DEPTH = 256;

/** What a run whose answer nested too deep records beside its status. */
export const ANSWER_TOO_DEEP = `The answer nested deeper than ${MAX_ANSWER_DEPTH} levels and was not kept.`;

/** What a run that got no answer records, whatever the reason. */
export const UNREACHABLE_ERROR = 'The service could not be reached.';

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

/** Whether `value` nests deeper than `limit` levels; iterative, so any depth is safe to ask about. */
function deeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (item === null || typeof item !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}

/** The answer as JSON (null when it is not JSON), or a note when it is JSON too deep to keep. */
function parseJson(text: string): { json: unknown; note?: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { json: null };
  }
  if (deeperThan(json, MAX_ANSWER_DEPTH)) return { json: null, note: ANSWER_TOO_DEEP };
  return { json: text.includes('\\u0000') ? withoutNul(json) : json };
}

/**
 * run-service's call, as DTBase makes it with `requests.<method>(url, json=parameters)`: the
 * parameters as a JSON body (with GET too), the answer kept when it is JSON. It goes through the
 * guarded outbound caller (src/outbound), which checks the address, follows redirects, and
 * bounds the time and the size of the answer. It never throws: a failure is a result to record.
 */
export function createServiceCaller(outbound: OutboundCall): CallService {
  return async ({ url, method, parameters, headers, signal }) => {
    // As requests does with json=None: no parameters, no body (and no content type).
    const body = parameters === null || parameters === undefined ? undefined : JSON.stringify(parameters);
    const result = await outbound({
      url,
      method,
      headers: { ...headers, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body }),
      ...(signal ? { signal } : {}),
    });
    if (result.outcome === 'refused') return { reached: false, refusal: result.rule, error: `Refused: ${result.rule}.` };
    if (result.outcome === 'unreachable') return { reached: false, error: UNREACHABLE_ERROR };
    if (result.body === undefined) {
      return { reached: true, statusCode: result.statusCode, json: null, note: ANSWER_TOO_LARGE };
    }
    const text = result.body.toString('utf8');
    return { reached: true, statusCode: result.statusCode, ...parseJson(text) };
  };
}
