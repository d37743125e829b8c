import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const logged = Symbol('mirrorbase.requestLogged');
type Tracked = FastifyRequest & { [logged]?: true };

/**
 * Whether the client is gone: it closed the connection before its request was read entirely,
 * or before the answer was.
 */
const clientGone = (request: FastifyRequest, reply: FastifyReply) =>
  request.raw.aborted || (!reply.raw.writableFinished && reply.raw.destroyed);

/**
 * Whether `error` only says that the client went away mid-request (the request stream was
 * aborted or reset under a parser, or a write found the socket closed). That is the client's
 * doing, not a failure of ours: the request is logged as aborted, at info.
 */
export function isClientAbort(error: unknown, request: FastifyRequest): boolean {
  if (!request.raw.aborted && !request.raw.socket?.destroyed) return false;
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'EPIPE' || (error as Error)?.message === 'aborted';
}

/** A URL with its access_token parameter's value hidden: logs must not hold credentials. */
export function withoutQueryToken(url: string): string {
  return url.replace(/([?&]access_token=)[^&#]*/g, '$1[redacted]');
}

/**
 * The response's X-Request-Id, and one structured line per request, written when the response has gone out ("request
 * completed"), or when the client left before it did ("request aborted").
 */
export const requestLogPlugin = fp(
  async (app: FastifyInstance) => {
    const line = (request: FastifyRequest, reply: FastifyReply, msg: string, statusCode?: number) => {
      (request as Tracked)[logged] = true;
      request.log.info(
        {
          method: request.method,
          url: request.routeOptions.config?.tokenInQuery ? withoutQueryToken(request.url) : request.url,
          ...(statusCode === undefined ? {} : { statusCode }),
          ms: Math.round(reply.elapsedTime * 10) / 10,
          user: request.user?.email,
        },
        msg,
      );
    };

    app.addHook('onRequest', async (request, reply) => {
      // The id every log line of this request carries (reqId): the caller can quote it.
      reply.header('x-request-id', request.id);
      // Fires for every response, finished or not; onResponse does not when the client left.
      reply.raw.once('close', () => {
        if (!(request as Tracked)[logged] && !reply.raw.writableFinished) line(request, reply, 'request aborted');
      });
    });
    app.addHook('onResponse', async (request, reply) => {
      if ((request as Tracked)[logged]) return;
      if (clientGone(request, reply)) line(request, reply, 'request aborted');
      else line(request, reply, 'request completed', reply.statusCode);
    });
  },
  { name: 'mirrorbase-request-log' },
);
