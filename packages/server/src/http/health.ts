import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Queryable } from '../db/database.ts';

const Status = Type.Object({ status: Type.String() });

/** Liveness (the process answers) and readiness (the database answers), for probes. */
export const healthRoutes: FastifyPluginAsyncTypebox<{ db: Queryable }> = async (app, { db }) => {
  app.get('/healthz', {
    config: { access: 'public' },
    schema: { tags: ['health'], summary: 'The process is up', response: { 200: Status } },
  }, async () => ({ status: 'ok' }));

  app.get('/readyz', {
    config: { access: 'public' },
    schema: { tags: ['health'], summary: 'The database is reachable', response: { 200: Status, 503: Status } },
  }, async (_request, reply) => {
    try {
      await db.query('SELECT 1');
      return { status: 'ok' };
    } catch {
      return reply.status(503).send({ status: 'database unreachable' });
    }
  });
};
