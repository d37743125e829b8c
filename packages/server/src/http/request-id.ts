import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * A caller's X-Request-Id is kept (a proxy's or a client's id ties our logs to theirs) only
 * when it is short and plain: letters, digits and `._:-`, at most 64 characters. Anything else
 * (line breaks, quotes, a kilobyte of text) would be written into every log line and the audit
 * log, so such a request gets an id of our own instead.
 */
const PLAIN_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function isPlainRequestId(value: unknown): value is string {
  return typeof value === 'string' && PLAIN_REQUEST_ID.test(value);
}

/** Fastify's genReqId: the caller's id when plain, else a random UUID (unique across replicas). */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return isPlainRequestId(given) ? given : randomUUID();
}
