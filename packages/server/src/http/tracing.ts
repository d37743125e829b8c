import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RequestSpan, RequestTracer } from '../observability/tracing.ts';
import { UNMATCHED_ROUTE } from './metrics.ts';

const spanOf = Symbol('mirrorbase.requestSpan');
type Traced = FastifyRequest & { [spanOf]?: RequestSpan };

/**
 * A server span per request (observability/tracing.ts), named by the route's template, and the
 * trace id on every log line of the request, so a log line leads to its trace.
 */
export const tracingPlugin = fp(
  async (app: FastifyInstance, { tracer }: { tracer: RequestTracer }) => {
    const end = (request: FastifyRequest, reply: FastifyReply) =>
      (request as Traced)[spanOf]?.end({
        route: request.routeOptions.url ?? UNMATCHED_ROUTE,
        statusCode: reply.statusCode,
        requestId: String(request.id),
      });

    app.addHook('onRequest', async (request, reply) => {
      const span = tracer.startRequest(request.method, request.routeOptions.url ?? UNMATCHED_ROUTE, request.headers);
      (request as Traced)[spanOf] = span;
      request.log = request.log.child({ traceId: span.traceId });
      // A client that leaves early gets no onResponse; its span still ends.
      reply.raw.once('close', () => end(request, reply));
    });
    app.addHook('onResponse', async (request, reply) => end(request, reply));
    // Spans still batched go out before the process ends.
    app.addHook('onClose', () => tracer.shutdown());
  },
  { name: 'mirrorbase-tracing' },
);
