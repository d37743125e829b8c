import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../errors.ts';
import type { SessionsService } from '../auth/sessions.service.ts';
import { ApiError, ApiValidationFailed, NameParam } from './api.schemas.ts';

/**
 * Ending sessions. Tokens come from DTBase's /auth/login and /auth/refresh, which both APIs'
 * clients use; logout lives here because /auth serves DTBase's routes only. Either way every
 * token of the user is refused from then on, on every replica: per-session logout would need
 * a check of the session on each request, which the token check avoids (no database read).
 */
export const sessionApiRoutes: FastifyPluginAsyncTypebox<{ sessions: SessionsService }> = async (app, { sessions }) => {
  app.post(
    '/auth/logout',
    {
      config: { access: 'account' },
      schema: {
        tags: ['auth'],
        operationId: 'logout',
        summary: 'Log out: end every session of the caller (its access and refresh tokens stop working, on every replica)',
        response: { 204: Type.Null(), 401: ApiError, 403: ApiError, 422: ApiValidationFailed },
      },
    },
    async (request, reply) => {
      // A user deleted meanwhile has no tokens left to end.
      await sessions.endAll(request.principal!.user.email);
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/users/:email/sessions',
    {
      config: { access: 'users:admin' },
      schema: {
        tags: ['users'],
        operationId: 'endUserSessions',
        summary: "End every session of a user (a lost device, a leaked token) without changing the user's password",
        params: Type.Object({ email: NameParam }),
        response: { 204: Type.Null(), 401: ApiError, 403: ApiError, 404: ApiError, 422: ApiValidationFailed },
      },
    },
    async (request, reply) => {
      if (!(await sessions.endAll(request.params.email))) throw notFound(`User ${JSON.stringify(request.params.email)} does not exist`);
      return reply.status(204).send(null);
    },
  );
};
