import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../errors.ts';
import type { UserRow } from '../users/users.repository.ts';
import type { UsersService } from '../users/users.service.ts';
import { UserResource } from '../users/users.schemas.ts';
import { NameParam, listErrors, readErrors } from './api.schemas.ts';
import { ListOf, PageQuerySchema, readPage, sendPage } from './pagination.ts';

const tags = ['users'];

/** Never the password hash: a user is its id, e-mail address and creation time. */
const toUser = (user: UserRow) => ({ id: user.id, email: user.email, created_at: user.createdAt.toISOString() });

export const userApiRoutes: FastifyPluginAsyncTypebox<{ users: UsersService }> = async (app, { users }) => {
  app.get('/users', {
    config: { access: 'user' },
    schema: { tags, summary: 'List users', querystring: PageQuerySchema, response: { 200: ListOf(UserResource), ...listErrors } },
  }, async (request, reply) => sendPage(reply, await readPage(request.query, (page) => users.list(page)), toUser));

  app.get('/users/:email', {
    config: { access: 'user' },
    schema: {
      tags, summary: 'One user, by e-mail address',
      params: Type.Object({ email: NameParam }),
      response: { 200: UserResource, ...readErrors },
    },
  }, async (request) => {
    const user = await users.findByEmail(request.params.email);
    if (!user) throw notFound(`User ${JSON.stringify(request.params.email)} does not exist`);
    return toUser(user);
  });
};
