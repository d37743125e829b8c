import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Detail, ValidationFailed, authErrors } from '../../http/schemas.ts';
import { EmailList, EmailOnly, EmailPassword } from './users.schemas.ts';
import type { UsersService } from './users.service.ts';

const tags = ['user (DTBase)'];

/** DTBase's /user routes. Any signed-in user may manage users, as in DTBase (roles come later). */
export const dtbaseUserRoutes: FastifyPluginAsyncTypebox<{ users: UsersService }> = async (app, { users }) => {
  app.get(
    '/list-users',
    {
      config: { access: 'user' },
      schema: {
        tags,
        operationId: 'dtbaseListUsers',
        summary: 'List the e-mail addresses of all users',
        response: { 200: EmailList, ...authErrors },
      },
    },
    async () => users.listEmails(),
  );

  app.post(
    '/create-user',
    {
      config: { access: 'user' },
      schema: {
        tags,
        operationId: 'dtbaseCreateUser',
        summary: 'Create a user',
        body: EmailPassword,
        response: { 201: Detail, 409: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request, reply) => {
      await users.create(request.body.email, request.body.password);
      return reply.status(201).send({ detail: 'User created' });
    },
  );

  app.post(
    '/delete-user',
    {
      config: { access: 'user' },
      schema: {
        tags,
        operationId: 'dtbaseDeleteUser',
        summary: 'Delete a user',
        body: EmailOnly,
        response: { 200: Detail, 400: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request) => {
      await users.delete(request.body.email);
      return { detail: 'User deleted' };
    },
  );

  app.post(
    '/change-password',
    {
      config: { access: 'user' },
      schema: {
        tags,
        operationId: 'dtbaseChangePassword',
        summary: "Set a user's password",
        body: EmailPassword,
        response: { 200: Detail, 400: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request) => {
      await users.changePassword(request.body.email, request.body.password);
      return { detail: 'Password changed' };
    },
  );
};
