import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';

/**
 * During shutdown, responses to requests still in flight say `Connection: close`. Otherwise
 * their keep-alive connections would stay open after the answer and hold `close()` until the
 * keep-alive timeout ran out.
 */
export const gracefulClosePlugin = fp(
  async (app: FastifyInstance) => {
    let closing = false;
    app.addHook('preClose', async () => {
      closing = true;
    });
    app.addHook('onSend', async (_request, reply) => {
      if (closing) reply.header('connection', 'close');
    });
  },
  { name: 'mirrorbase-graceful-close' },
);
