/**
 * Services that return data: a 2xx JSON answer that is
 *   (a) an array of [endpoint, payload] pairs (what DTBase's BaseIngress builds),
 *   (b) {"requests": [[endpoint, payload], ...]}, or
 *   (c) readings in the JSON format of POST /api/v1/readings ({"series": [...]})
 * is written through this server's own routes, in order, as the run's actor. Any other answer
 * is only logged. At most MAX_RETURNED_REQUESTS requests per answer: beyond, none is written.
 */
import { clipText } from '../shared/preview.ts';

export const MAX_RETURNED_REQUESTS = 1000;

export type ServiceRequest = [endpoint: string, payload: unknown];

export type ReturnedData = { kind: 'none' } | { kind: 'requests'; requests: ServiceRequest[] } | { kind: 'invalid'; error: string };

/** What one written request did, as the run log records it (`written`). */
export interface WrittenRequest {
  endpoint: string;
  /** The route's status; null when the request was not made (see error). */
  status: number | null;
  /** Readings (or records) written: the route's `inserted` count when it reports one, else the payload's readings, else 1. */
  count: number;
  error?: string;
}

const isPair = (item: unknown): item is ServiceRequest => Array.isArray(item) && item.length === 2 && typeof item[0] === 'string';

function pairs(items: readonly unknown[], where: string): ReturnedData {
  const bad = items.findIndex((item) => !isPair(item));
  if (bad >= 0) return { kind: 'invalid', error: `${where} item ${bad} is not an [endpoint, payload] pair` };
  if (items.length > MAX_RETURNED_REQUESTS) {
    return {
      kind: 'invalid',
      error: `The service returned ${items.length} requests; at most ${MAX_RETURNED_REQUESTS} are written per answer, so none was.`,
    };
  }
  return items.length === 0 ? { kind: 'none' } : { kind: 'requests', requests: items as ServiceRequest[] };
}

/** Which of the shapes above an answer has. */
export function returnedData(json: unknown): ReturnedData {
  if (Array.isArray(json)) {
    // An array none of whose items looks like a pair is some other answer, only logged.
    return json.some(isPair) ? pairs(json, 'The answer:') : { kind: 'none' };
  }
  if (json === null || typeof json !== 'object') return { kind: 'none' };
  const body = json as Record<string, unknown>;
  if ('requests' in body) {
    if (!Array.isArray(body.requests))
      return { kind: 'invalid', error: 'The answer\'s "requests" must be an array of [endpoint, payload] pairs.' };
    return pairs(body.requests, 'The answer\'s "requests":');
  }
  if (Array.isArray(body.series)) return { kind: 'requests', requests: [['/api/v1/readings', body]] };
  return { kind: 'none' };
}

/** Surfaces a returned request may write to; never the service registry itself (a service could run itself forever). */
const WRITABLE_PREFIXES = ['/location/', '/sensor/', '/model/', '/api/v1/'];
const REFUSED_PREFIXES = ['/api/v1/services'];

/** Why `endpoint` is not a path a returned request may be POSTed to, or undefined. */
export function endpointProblem(endpoint: string): string | undefined {
  const problem = "not a path of this server's API (such as /sensor/insert-sensor-readings or /api/v1/readings)";
  if (!endpoint.startsWith('/') || endpoint.startsWith('//')) return problem;
  let url: URL;
  try {
    url = new URL(endpoint, 'http://in-process.invalid');
  } catch {
    return problem;
  }
  // ".." segments, backslashes and the like are normalised away by URL: refuse what changes.
  if (url.host !== 'in-process.invalid' || url.pathname !== endpoint.split(/[?#]/)[0] || endpoint.includes('#')) return problem;
  if (!WRITABLE_PREFIXES.some((p) => url.pathname.startsWith(p))) return problem;
  if (REFUSED_PREFIXES.some((p) => url.pathname === p || url.pathname.startsWith(`${p}/`))) {
    return "the service registry cannot be called from a service's answer";
  }
  return undefined;
}

export interface InProcessAnswer {
  statusCode: number;
  json: unknown;
}

function countOf(payload: unknown, answer: unknown): number {
  const inserted = (answer as { inserted?: unknown } | null)?.inserted;
  if (typeof inserted === 'number') return inserted;
  const readings = (payload as { readings?: unknown } | null)?.readings;
  return Array.isArray(readings) ? readings.length : 1;
}

function errorOf(answer: unknown, status: number): string {
  const detail = (answer as { detail?: unknown } | null)?.detail;
  if (typeof detail === 'string') return clipText(detail);
  if (Array.isArray(detail)) return clipText(JSON.stringify(detail));
  return `answered ${status}`;
}

/**
 * POSTs the requests in order through `post` and records each. A 409 (already exists) on a
 * create counts as done, as DTBase's base classes treat it. A failed request does not stop
 * the ones after it (each is independent, as DTBase's loop posts them all).
 */
export async function writeRequests(
  requests: readonly ServiceRequest[],
  post: (endpoint: string, payload: unknown) => Promise<InProcessAnswer>,
): Promise<WrittenRequest[]> {
  const written: WrittenRequest[] = [];
  for (const [rawEndpoint, payload] of requests) {
    const endpoint = clipText(rawEndpoint);
    const problem = endpointProblem(rawEndpoint);
    if (problem) {
      written.push({ endpoint, status: null, count: 0, error: problem });
      continue;
    }
    let answer: InProcessAnswer;
    try {
      answer = await post(rawEndpoint, payload);
    } catch (error) {
      written.push({ endpoint, status: null, count: 0, error: error instanceof Error ? clipText(error.message) : 'failed' });
      continue;
    }
    const { statusCode, json } = answer;
    if (statusCode >= 200 && statusCode < 300) written.push({ endpoint, status: statusCode, count: countOf(payload, json) });
    else if (statusCode === 409) written.push({ endpoint, status: statusCode, count: 0 });
    else written.push({ endpoint, status: statusCode, count: 0, error: errorOf(json, statusCode) });
  }
  return written;
}

export const isWritten = (w: WrittenRequest) => w.status !== null && ((w.status >= 200 && w.status < 300) || w.status === 409);
