import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../errors.ts';
import { ref } from '../../http/schemas.ts';
import { PERMISSIONS } from '../auth/permissions.ts';
import type { UserRow } from '../users/users.repository.ts';
import { RoleSchema } from '../users/users.schemas.ts';
import type { UsersService } from '../users/users.service.ts';
import { NameParam, listErrors, readErrors, writeErrors } from './api.schemas.ts';
import { PageOf, PageQuerySchema, readPage, sendPage } from './pagination.ts';

const tags = ['users'];

/** Never the password hash: a user is its id, e-mail address, role and creation time. */
const UserSchema = Type.Object(
  { id: Type.Integer(), email: Type.String(), role: RoleSchema, created_at: Type.String({ format: 'date-time' }) },
  { $id: 'User' },
);
const UserPageSchema = PageOf(UserSchema);

const NewUserSchema = Type.Object(
  { email: Type.String(), password: Type.String(), role: Type.Optional(RoleSchema) },
  { description: 'A new user: a viewer unless `role` says more' },
);
const UserChangeSchema = Type.Object(
  { role: Type.Optional(RoleSchema), password: Type.Optional(Type.String()) },
  { additionalProperties: false },
);

/** Who the caller is and what it may do, for clients that adapt to it (the web app). */
const MeSchema = Type.Object(
  {
    user: UserSchema,
    permissions: Type.Array(Type.Union(PERMISSIONS.map((p) => Type.Literal(p)))),
    api_key: Type.Union([Type.Null(), Type.Object({ id: Type.Integer(), name: Type.String(), scope: Type.String() })]),
  },
  { $id: 'Me' },
);

/** The named schemas of the user resources. */
export const userApiSchemas = [UserSchema, UserPageSchema, MeSchema];

const toUser = (user: Pick<UserRow, 'id' | 'email' | 'role' | 'createdAt'>) => ({
  id: user.id,
  email: user.email,
  role: user.role,
  created_at: user.createdAt.toISOString(),
});

const EmailParams = Type.Object({ email: NameParam });

export const userApiRoutes: FastifyPluginAsyncTypebox<{ users: UsersService }> = async (app, { users }) => {
  const existing = async (email: string) => {
    const user = await users.findByEmail(email);
    if (!user) throw notFound(`User ${JSON.stringify(email)} does not exist`);
    return user;
  };

  app.get(
    '/me',
    {
      config: { access: 'authenticated' },
      schema: {
        tags,
        operationId: 'getMe',
        summary: 'The caller: its user, role, permissions, and the API key it uses if any',
        response: { 200: ref(MeSchema), ...listErrors },
      },
    },
    async (request) => {
      const principal = request.principal!;
      const key = principal.apiKey;
      return {
        user: toUser(await existing(principal.user.email)),
        permissions: [...principal.permissions],
        api_key: key ? { id: key.id, name: key.name, scope: key.scope } : null,
      };
    },
  );

  app.get(
    '/users',
    {
      config: { access: 'users:admin' },
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

  app.post(
    '/users',
    {
      config: { access: 'users:admin' },
      schema: {
        tags,
        operationId: 'createUser',
        summary: 'Create a user with a role (a viewer by default)',
        body: NewUserSchema,
        response: { 201: ref(UserSchema), ...writeErrors },
      },
    },
    async (request, reply) => {
      const { email, password, role } = request.body;
      return reply.status(201).send(toUser(await users.create(email, password, role ?? 'viewer')));
    },
  );

  app.get(
    '/users/:email',
    {
      config: { access: 'users:admin' },
      schema: {
        tags,
        operationId: 'getUser',
        summary: 'One user, by e-mail address',
        params: EmailParams,
        response: { 200: ref(UserSchema), ...readErrors },
      },
    },
    async (request) => toUser(await existing(request.params.email)),
  );

  app.patch(
    '/users/:email',
    {
      config: { access: 'users:admin' },
      schema: {
        tags,
        operationId: 'updateUser',
        summary: "Set a user's role or password",
        params: EmailParams,
        body: UserChangeSchema,
        response: { 200: ref(UserSchema), ...writeErrors },
      },
    },
    async (request) => {
      const { email } = request.params;
      await existing(email);
      await users.update(email, request.body);
      return toUser(await existing(email));
    },
  );

  app.delete(
    '/users/:email',
    {
      config: { access: 'users:admin' },
      schema: {
        tags,
        operationId: 'deleteUser',
        summary: 'Delete a user',
        params: EmailParams,
        response: { 204: Type.Null(), ...writeErrors },
      },
    },
    async (request, reply) => {
      await existing(request.params.email);
      await users.delete(request.params.email);
      return reply.status(204).send(null);
    },
  );
};
