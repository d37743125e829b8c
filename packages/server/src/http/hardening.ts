import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import type { Config } from '../config.ts';
import { tooManyRequests } from '../errors.ts';

/** Probes come from one address (the kubelet, a load balancer) many times a minute: never limited. */
const PROBE_PATHS = new Set(['/healthz', '/readyz']);

/** A browser app's development server on this machine (Vite's http://localhost:5173, ...). */
const LOOPBACK_ORIGIN = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/;

/**
 * The Content-Security-Policy of every answer. What the pages this server serves need, and no
 * more: the Swagger UI at /docs (scripts and styles from /docs/static, inline styles, data:
 * images) and the web app (same-origin scripts, fetch and WebSocket to this server). No
 * upgrade-insecure-requests: Mirrorbase is often reached over plain HTTP on a local network,
 * where that directive would send the page's own scripts to an https:// that is not there.
 */
const CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    'default-src': ["'self'"],
    'base-uri': ["'self'"],
    'connect-src': ["'self'"],
    'font-src': ["'self'", 'data:'],
    'form-action': ["'self'"],
    'frame-ancestors': ["'self'"],
    'img-src': ["'self'", 'data:', 'blob:'],
    'object-src': ["'none'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'", "'unsafe-inline'"],
  },
};

/**
 * The security headers helmet writes for these options, worked out once. @fastify/helmet runs
 * helmet(options) on every request, parsing the policy again each time: that halved the rate of
 * /healthz (53,000 -> 24,000 requests/s). No header here depends on the request (no nonces),
 * so the same set is stamped on every answer.
 */
export function securityHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: unknown;
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    failure = error;
  });
  if (failure) throw failure;
  return Object.freeze(headers);
}

function corsOrigin(origins: Config['corsOrigins']): '*' | RegExp | string[] {
  if (origins === '*') return '*';
  if (origins === 'loopback') return LOOPBACK_ORIGIN;
  return [...origins];
}

/**
 * HTTP hardening for every route, registered at the root before any route: security headers
 * (helmet), cross-origin access for the configured origins only (cors), and a per-address
 * request limit (rate-limit).
 *
 * The request limit is counted in each process's memory, not in the database: it guards a
 * process's own capacity against one address's flood, and a database write per request would
 * cost more than the requests it guards. With N replicas an address may send N times the limit.
 * Failed logins, where a count must hold across replicas, are throttled in PostgreSQL
 * (modules/auth/login-throttle.ts).
 */
export const hardeningPlugin = fp(
  async (app: FastifyInstance, opts: { config: Pick<Config, 'corsOrigins' | 'rateLimitPerMinute'> }) => {
    const { config } = opts;
    const headers = securityHeaders({
      contentSecurityPolicy: CONTENT_SECURITY_POLICY,
      // Tokens and links must not leak to other sites through the Referer header.
      referrerPolicy: { policy: 'no-referrer' },
    });
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(headers);
      done();
    });

    const origins = config.corsOrigins;
    if (origins === '*' || origins === 'loopback' || origins.length > 0) {
      await app.register(cors, {
        origin: corsOrigin(origins),
        methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
        allowedHeaders: ['authorization', 'content-type', 'accept', 'x-api-key', 'x-request-id'],
        exposedHeaders: ['content-range', 'content-disposition', 'location', 'retry-after', 'x-request-id'],
        // Bearer tokens, no cookies: credentials are never needed cross-origin.
        credentials: false,
        maxAge: 600,
      });
    }

    if (config.rateLimitPerMinute > 0) {
      // Not global: its hook is added here, at the root, so it runs before authentication
      // (a flood is refused before any token is checked).
      await app.register(rateLimit, {
        global: false,
        // Nothing on the answers within the limit: headers on every response cost the hot path.
        addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
      });
      const max = config.rateLimitPerMinute;
      app.addHook(
        'onRequest',
        app.rateLimit({
          max,
          timeWindow: 60_000,
          allowList: (request: FastifyRequest) => PROBE_PATHS.has(request.routeOptions.url ?? ''),
          errorResponseBuilder: (_request, context) => {
            const seconds = Math.ceil(context.ttl / 1000);
            return tooManyRequests(
              `Too many requests from your address (at most ${max} a minute): try again in ${seconds} second${seconds === 1 ? '' : 's'}`,
              seconds,
            );
          },
        }),
      );
    }
  },
  { name: 'mirrorbase-hardening' },
);
