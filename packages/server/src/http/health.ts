import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';

const Status = Type.Object({ status: Type.String() });

/** Liveness (the process answers) and readiness (the database answers), for probes. */
export const healthRoutes: FastifyPluginAsyncTypebox<{ ping: () => Promise<void> }> = async (app, { ping }) => {
  app.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: { tags: ['health'], operationId: 'getHealth', summary: 'The process is up', response: { 200: Status } },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      config: { access: 'public' },
      schema: {
        tags: ['health'],
        operationId: 'getReadiness',
        summary: 'The database is reachable',
        response: { 200: Status, 503: Status },
      },
    },
    async (_request, reply) => {
      try {
        await ping();
        return { status: 'ok' };
      } catch {
        return reply.status(503).send({ status: 'database unreachable' });
      }
    },
  );
};
