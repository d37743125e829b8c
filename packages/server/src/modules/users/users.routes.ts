import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../errors.ts';
import { Detail, ValidationFailed, authErrors } from '../../http/schemas.ts';
import { EmailList, EmailOnly, EmailPassword, NewDtbaseUser } from './users.schemas.ts';
import type { UsersService } from './users.service.ts';

const tags = ['user (DTBase)'];

/**
 * DTBase's /user routes. Only admins manage users; DTBase let every user do it, and since
 * every DTBase user could do everything, create-user makes an admin unless the body names a
 * narrower `role`. Anyone signed in may change their own password; only admins another's.
 */
export const dtbaseUserRoutes: FastifyPluginAsyncTypebox<{ users: UsersService }> = async (app, { users }) => {
  app.get(
    '/list-users',
    {
      config: { access: 'users:admin' },
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
      config: { access: 'users:admin' },
      schema: {
        tags,
        operationId: 'dtbaseCreateUser',
        summary: 'Create a user (an admin unless the body names a role)',
        body: NewDtbaseUser,
        response: { 201: Detail, 409: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request, reply) => {
      await users.create(request.body.email, request.body.password, request.body.role ?? 'admin');
      return reply.status(201).send({ detail: 'User created' });
    },
  );

  app.post(
    '/delete-user',
    {
      config: { access: 'users:admin' },
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
      config: { access: 'account' },
      schema: {
        tags,
        operationId: 'dtbaseChangePassword',
        summary: "Set a user's password",
        body: EmailPassword,
        response: { 200: Detail, 400: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request) => {
      const principal = request.principal!;
      if (request.body.email !== principal.user.email && !principal.permissions.has('users:admin')) {
        throw new AppError('FORBIDDEN', "Only an admin may change another user's password");
      }
      await users.changePassword(request.body.email, request.body.password);
      return { detail: 'Password changed' };
    },
  );
};
