import { STATUS_CODES } from 'node:http';
import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import { toValidationIssues } from './validation.ts';
import { fromDatabaseError } from './database-errors.ts';
import { jsonBodyProblem, MAX_JSON_DEPTH } from './json-body.ts';
import { isClientAbort } from './request-log.ts';

const RESOURCE_API_PREFIX = '/api/';

/**
 * A streamed body refused part-way (a bad CSV line, the body limit) is left unread, and Node
 * then neither reads the rest nor frees the connection: the client's upload stalls and a
 * graceful shutdown waits for it forever. Closing the connection after the answer ends both.
 */
function closeIfBodyUnread(request: FastifyRequest, reply: FastifyReply) {
  if (request.raw.complete === false) reply.header('connection', 'close');
}

/** Renders an AppError. The resource API adds the stable code; DTBase routes keep DTBase's exact body. */
function sendAppError(error: AppError, request: FastifyRequest, reply: FastifyReply) {
  if (error.code === 'NOT_AUTHENTICATED') reply.header('www-authenticate', 'Bearer');
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  closeIfBodyUnread(request, reply);
  const body: Record<string, unknown> = { detail: error.issues ?? error.detail };
  if (request.url.startsWith(RESOURCE_API_PREFIX)) body.code = error.code;
  return reply.status(error.statusCode).send(body);
}

/** Fastify's own errors that are the client's fault, mapped to what DTBase would answer. */
function fromFastifyError(error: FastifyError, request: FastifyRequest, limit: number): AppError | undefined {
  if (error.validation) {
    const part = error.validationContext ?? 'body';
    const data = part === 'body' ? request.body : part === 'querystring' ? request.query : request.params;
    const issues = toValidationIssues(
      error.validation as never,
      part === 'querystring' ? 'query' : part === 'params' ? 'path' : part,
      data,
    );
    return new AppError('VALIDATION_FAILED', 'Request validation failed', issues);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('VALIDATION_FAILED', 'JSON decode error', [
        { type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error', input: {} },
      ]);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('VALIDATION_FAILED', 'Field required', [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }]);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE', `Request body is larger than the limit of ${limit} bytes`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', `Unsupported content type: ${request.headers['content-type'] ?? 'none'}`);
  }
  if (error instanceof SyntaxError && error.statusCode === 400) {
    return new AppError('VALIDATION_FAILED', 'JSON decode error', [
      { type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error', input: {} },
    ]);
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    // Fastify's own messages are written for clients; another library's may name its internals
    // (a file, a query), so it gets the status's standard phrase instead.
    const detail = error.code?.startsWith('FST_') ? error.message : (STATUS_CODES[status] ?? 'Bad Request');
    return new AppError(status === 404 ? 'NOT_FOUND' : status === 429 ? 'TOO_MANY_REQUESTS' : 'BAD_REQUEST', detail);
  }
  return undefined;
}

const CANDIDATE_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * One place where every failure becomes a response: AppErrors as they are, client mistakes
 * caught by Fastify as 4xx, and anything else as a logged 500 that leaks nothing.
 */
export const errorHandlerPlugin = fp(
  async (app: FastifyInstance, opts: { bodyLimitBytes: number }) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (isClientAbort(error, request)) {
        // The client left: nobody reads this answer; request-log.ts logs the request as aborted.
        request.log.debug({ err: error }, 'client went away');
        return reply.status(499).send({ detail: 'Client Closed Request' });
      }
      if (error instanceof AppError) return sendAppError(error, request, reply);
      const clientError = fromFastifyError(error, request, opts.bodyLimitBytes);
      if (clientError) return sendAppError(clientError, request, reply);
      const refusedByDatabase = fromDatabaseError(error);
      if (refusedByDatabase) {
        // Worth a look: a service let through a value the database then refused.
        request.log.warn({ pgCode: (error as { code?: string }).code, reqId: request.id }, 'database refused a value');
        return sendAppError(refusedByDatabase, request, reply);
      }
      request.log.error({ err: error, reqId: request.id }, 'unexpected error');
      closeIfBodyUnread(request, reply);
      return reply.status(500).send({ detail: 'Internal Server Error' });
    });

    // PostgreSQL text cannot hold NUL, and no body needs to be nested deeper than
    // MAX_JSON_DEPTH: refuse both up front, for every route, with a clear 422.
    app.addHook('preValidation', async (request) => {
      const problem = request.body === undefined ? undefined : jsonBodyProblem(request.body);
      if (problem === 'nul') {
        throw new AppError('VALIDATION_FAILED', 'Text must not contain the NUL character (\\u0000)');
      }
      if (problem === 'too-deep') {
        const msg = `JSON must not be nested more than ${MAX_JSON_DEPTH} levels deep (arrays and objects within one another)`;
        throw new AppError('VALIDATION_FAILED', msg, [{ type: 'json_too_deep', loc: ['body'], msg, input: null }]);
      }
      if (request.url.includes('%00')) {
        throw new AppError('VALIDATION_FAILED', 'The URL must not contain the NUL character (%00)');
      }
    });

    app.setNotFoundHandler((request, reply) => {
      const path = request.url.split('?')[0];
      const allowed = CANDIDATE_METHODS.filter((method) => app.hasRoute({ url: path, method }));
      if (allowed.length > 0) {
        return reply.status(405).header('allow', allowed.join(', ')).send({ detail: 'Method Not Allowed' });
      }
      return reply.status(404).send({ detail: 'Not Found' });
    });
  },
  { name: 'mirrorbase-error-handler' },
);
