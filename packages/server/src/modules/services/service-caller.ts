import http from 'node:http';
import https from 'node:https';
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

/** Why a call failed, in words (ECONNREFUSED, a timeout, ...). */
function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`;
  }
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/** A service's answer larger than this is not kept in the run log (its status still is). */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

interface RawAnswer {
  statusCode: number;
  /** undefined when the body was larger than MAX_ANSWER_BYTES. */
  body: string | undefined;
}

/**
 * One HTTP exchange through node:http(s). Not fetch: DTBase calls services with
 * `requests.<method>(url, json=parameters)`, which sends the JSON body with GET too, and fetch
 * refuses a body on GET.
 */
function exchange(url: URL, method: HttpMethod, body: string | undefined, signal: AbortSignal): Promise<RawAnswer> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      url,
      {
        method,
        signal,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
        });
        response.on('end', () =>
          resolve({
            statusCode: response.statusCode ?? 0,
            body: size <= MAX_ANSWER_BYTES ? Buffer.concat(chunks).toString('utf8') : undefined,
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
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
    // As requests does with json=None: no parameters, no body (and no content type).
    const body = parameters === null || parameters === undefined ? undefined : JSON.stringify(parameters);
    try {
      const answer = await exchange(new URL(url), method, body, AbortSignal.timeout(timeoutMs));
      return { reached: true, statusCode: answer.statusCode, json: answer.body === undefined ? null : parseJson(answer.body) };
    } catch (error) {
      return { reached: false, error: describeFailure(error, timeoutMs) };
    }
  };
}
