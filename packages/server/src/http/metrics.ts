import { timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError } from '../errors.ts';
import type { Permission, Principal } from '../modules/auth/permissions.ts';
import type { Metrics } from '../observability/metrics.ts';
import { bearerToken, type PrincipalResolver } from './auth.ts';
import { authErrors } from './schemas.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route also takes MIRRORBASE_METRICS_TOKEN as its bearer credential (GET /metrics). */
    metricsToken?: boolean;
  }
}

/** Requests no route matched share one label: their URLs are the client's to invent. */
export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * Counts and times every answered request by method, route template and status code, for
 * GET /metrics. The template (`/api/v1/sensors/:id`), never the URL: one series per route.
 */
export const httpMetricsPlugin = fp(
  async (app: FastifyInstance, { metrics }: { metrics: Pick<Metrics, 'httpRequest'> }) => {
    app.addHook('onResponse', async (request, reply) => {
      metrics.httpRequest(request.method, request.routeOptions.url ?? UNMATCHED_ROUTE, reply.statusCode, reply.elapsedTime / 1000);
    });
  },
  { name: 'mirrorbase-http-metrics' },
);

/** Who a valid metrics token makes the caller: no user's rights, only the scrape. */
const METRICS_SCRAPER: Principal = Object.freeze({
  user: Object.freeze({ id: 0, email: 'metrics-token', role: 'viewer' as const }),
  apiKey: null,
  permissions: new Set<Permission>(),
});

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * First in the auth plugin's chain: on routes that accept it (GET /metrics), a bearer equal to
 * MIRRORBASE_METRICS_TOKEN is the metrics scraper. Any other credential goes on down the chain.
 */
export function metricsTokenResolver(token: string | undefined): PrincipalResolver {
  return async (request) => {
    if (token === undefined || !request.routeOptions.config?.metricsToken) return undefined;
    const bearer = bearerToken(request);
    return bearer !== undefined && sameSecret(bearer, token) ? METRICS_SCRAPER : undefined;
  };
}

/** The metrics token, or an admin (a person, or an API key of an admin that is not a device key). */
function mayReadMetrics(request: FastifyRequest): boolean {
  const principal = request.principal;
  if (principal === METRICS_SCRAPER) return true;
  return principal?.user.role === 'admin' && principal.apiKey?.scope !== 'ingest';
}

/** GET /metrics on the main port, in the authenticated context (a second port may serve it openly: metrics-listener.ts). */
export const metricsRoutes: FastifyPluginAsyncTypebox<{ metrics: Pick<Metrics, 'scrape'> }> = async (app, { metrics }) => {
  app.get(
    '/metrics',
    {
      config: { access: 'authenticated', metricsToken: true },
      schema: {
        tags: ['operations'],
        operationId: 'getMetrics',
        summary: 'Prometheus metrics of this server process',
        description: [
          'The Prometheus text format: requests by route and status, readings ingested by path, database pool use,',
          'job runs, stream subscribers, MQTT messages, process metrics. For an admin, or with',
          '`Authorization: Bearer <MIRRORBASE_METRICS_TOKEN>`. Each replica answers for itself.',
        ].join('\n'),
        response: {
          200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: Type.String() } } },
          ...authErrors,
        },
      } as never,
    },
    async (request, reply) => {
      if (!mayReadMetrics(request)) {
        throw new AppError('FORBIDDEN', 'Metrics are for admins, or for the bearer of the metrics token (MIRRORBASE_METRICS_TOKEN)');
      }
      const { contentType, body } = await metrics.scrape();
      return reply.type(contentType).send(body);
    },
  );
};
