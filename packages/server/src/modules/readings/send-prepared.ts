import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PreparedText } from './prepared-text.ts';

/**
 * Sends prepared text: a whole answer as one body (with Content-Length), a paged one as a
 * stream with backpressure (the next page is read once the socket has taken the last one).
 * After the first byte the status is sent, so a failure can only cut the answer short: it is
 * logged as ours and the connection is closed without the final chunk, which a client sees
 * as an incomplete answer, never as a complete one. A client that goes away ends the stream;
 * that is no error of ours (Fastify notes it at info level).
 */
export function sendPrepared(request: FastifyRequest, reply: FastifyReply, contentType: string, text: PreparedText) {
  reply.type(contentType);
  if (text.whole !== undefined) return reply.send(text.whole);
  return reply.send(Readable.from(loggingFailures(text.chunks, request), { objectMode: false }));
}

async function* loggingFailures(chunks: AsyncIterable<Buffer | string>, request: FastifyRequest) {
  try {
    yield* chunks;
  } catch (error) {
    request.log.error({ err: error, reqId: request.id }, 'read failed after its answer began');
    throw error;
  }
}
