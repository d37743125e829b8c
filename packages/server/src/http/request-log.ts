import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';

/** One structured line per request, written when the response has gone out. */
export const requestLogPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('onResponse', async (request, reply) => {
      request.log.info(
        {
          method: request.method,
          url: request.url,
          statusCode: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 10) / 10,
          user: request.user?.email,
        },
        'request completed',
      );
    });
  },
  { name: 'mirrorbase-request-log' },
);
