import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WRITE_PERMISSIONS, type Permission } from '../auth/permissions.ts';
import { auditTarget } from './audit-target.ts';
import type { AuditService } from './audit.service.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Whether calls of the route go to the audit log. By default those whose access is a
     * write permission (WRITE_PERMISSIONS) do, unless their method is GET or HEAD; `true` adds
     * a route that changes no data but matters to security (login, refresh).
     */
    audit?: boolean;
  }
}

/** The status recorded when the client left before it was answered (as the error handler answers it). */
const CLIENT_CLOSED = 499;
const MAX_REQUEST_ID_CHARS = 100;

const audited = Symbol('mirrorbase.audited');
type Tracked = FastifyRequest & { [audited]?: true };

/** GET and HEAD never change anything, whatever permission they need (an admin listing users reads). */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function isAudited(request: FastifyRequest): boolean {
  const config = request.routeOptions.config;
  if (!config) return false;
  if (config.audit !== undefined) return config.audit;
  return config.access !== undefined && WRITE_PERMISSIONS.has(config.access as Permission) && !SAFE_METHODS.has(request.method);
}

/**
 * Records every audited call once, when its answer is decided: in `onSend`, before the answer
 * leaves, so an entry is queued before the client can see the result (and a shutdown right
 * after the answer still writes it). Refusals are recorded the same way: a 401 or 403 from
 * the authentication hook, a 422 from validation, a 409 from a service. A client that leaves
 * before any answer is recorded with 499 when its connection closes.
 *
 * Registered before the auth plugin, so its `onRequest` hook is in place even for calls that
 * authentication refuses. Reads (routes without a write permission) cost one lookup, no more.
 */
export const auditCapturePlugin = fp(
  async (app: FastifyInstance, opts: { audit: AuditService }) => {
    const record = (request: FastifyRequest, status: number): Promise<void> | undefined => {
      (request as Tracked)[audited] = true;
      const principal = request.principal;
      // A login has no principal; its handler names the user it signed in (request.user).
      const user = principal?.user ?? request.user;
      return opts.audit.record({
        userId: user?.id ?? null,
        userEmail: user?.email ?? null,
        apiKeyId: principal?.apiKey?.id ?? null,
        apiKeyName: principal?.apiKey?.name ?? null,
        method: request.method,
        route: request.routeOptions.url ?? request.url.split('?')[0],
        operationId: (request.routeOptions.schema as { operationId?: string } | undefined)?.operationId ?? null,
        target: auditTarget(request.params, request.body),
        ip: request.ip ?? null,
        status,
        requestId: String(request.id).slice(0, MAX_REQUEST_ID_CHARS),
      });
    };

    app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      if (isAudited(request)) {
        reply.raw.once('close', () => {
          // Not recorded by onSend: the client left first, or a route answered on the raw response.
          if (!(request as Tracked)[audited]) void record(request, reply.raw.writableFinished ? reply.raw.statusCode : CLIENT_CLOSED);
        });
      }
      done();
    });

    app.addHook(
      'onSend',
      (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void) => {
        if ((request as Tracked)[audited] || !isAudited(request)) return done(null, payload);
        const backlog = record(request, reply.statusCode);
        // Only when the database has been failing for a while: the answer waits for room.
        if (backlog) void backlog.then(() => done(null, payload));
        else done(null, payload);
      },
    );

    // Before the database closes (main.ts closes the app first): what is queued is written.
    app.addHook('onClose', async () => {
      await opts.audit.close();
    });
  },
  { name: 'mirrorbase-audit-capture' },
);
