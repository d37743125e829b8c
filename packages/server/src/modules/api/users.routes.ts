import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../errors.ts';
import { ref } from '../../http/schemas.ts';
import type { UserRow } from '../users/users.repository.ts';
import type { UsersService } from '../users/users.service.ts';
import { NameParam, listErrors, readErrors } from './api.schemas.ts';
import { PageOf, PageQuerySchema, readPage, sendPage } from './pagination.ts';

const tags = ['users'];

/** Never the password hash: a user is its id, e-mail address and creation time. */
const UserSchema = Type.Object(
  { id: Type.Integer(), email: Type.String(), created_at: Type.String({ format: 'date-time' }) },
  { $id: 'User' },
);
const UserPageSchema = PageOf(UserSchema);

/** The named schemas of the user resources. */
export const userApiSchemas = [UserSchema, UserPageSchema];

const toUser = (user: UserRow) => ({ id: user.id, email: user.email, created_at: user.createdAt.toISOString() });

export const userApiRoutes: FastifyPluginAsyncTypebox<{ users: UsersService }> = async (app, { users }) => {
  app.get(
    '/users',
    {
      config: { access: 'user' },
      schema: {
        tags,
        operationId: 'listUsers',
        summary: 'List users',
        querystring: PageQuerySchema,
        response: { 200: ref(UserPageSchema), ...listErrors },
      },
    },
    async (request, reply) => sendPage(reply, await readPage(request.query, (page) => users.list(page)), toUser),
  );

  app.get(
    '/users/:email',
    {
      config: { access: 'user' },
      schema: {
        tags,
        operationId: 'getUser',
        summary: 'One user, by e-mail address',
        params: Type.Object({ email: NameParam }),
        response: { 200: ref(UserSchema), ...readErrors },
      },
    },
    async (request) => {
      const user = await users.findByEmail(request.params.email);
      if (!user) throw notFound(`User ${JSON.stringify(request.params.email)} does not exist`);
      return toUser(user);
    },
  );
};
