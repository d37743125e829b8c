import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError, notFound } from '../../errors.ts';
import { Nullable, ZonedDatetime, ref } from '../../http/schemas.ts';
import { API_KEY_FORMAT } from '../api-keys/api-key-secret.ts';
import { MAX_KEY_NAME_CHARS, MAX_KEY_SENSORS, type ApiKey, type ApiKeysService } from '../api-keys/api-keys.service.ts';
import type { Principal } from '../auth/permissions.ts';
import { IdParam, listErrors, readErrors, writeErrors } from './api.schemas.ts';
import { PageOf, PageQuery, readPage, sendPage } from './pagination.ts';

const tags = ['keys'];

const ScopeSchema = Type.Union([Type.Literal('read'), Type.Literal('read-write'), Type.Literal('ingest')], {
  description:
    "read: read data and readings; read-write: also write data, readings and services; ingest: write readings of the key's " +
    "sensors only (a device key). Never more than the key's user's role allows; no key manages users or keys.",
});

const keyFields = {
  id: Type.Integer(),
  name: Type.String(),
  prefix: Type.String({ description: 'the characters after "mb_": enough to tell keys apart, not to use one' }),
  user: Type.String({ description: 'e-mail address of the user the key acts for' }),
  scope: ScopeSchema,
  sensors: Nullable(Type.Array(Type.String(), { description: 'the sensors an ingest key may write' })),
  expires_at: Nullable(Type.String({ format: 'date-time' })),
  last_used_at: Nullable(Type.String({ format: 'date-time', description: 'recorded about once a minute at most' })),
  created_at: Type.String({ format: 'date-time' }),
  revoked_at: Nullable(Type.String({ format: 'date-time' })),
};

/** A key as listed: never the secret, never its hash. */
const ApiKeySchema = Type.Object(keyFields, { $id: 'ApiKey' });
const ApiKeyPageSchema = PageOf(ApiKeySchema);
/** The answer to a creation: the key with its secret, the only time the secret is shown. */
const CreatedApiKeySchema = Type.Object(
  { ...keyFields, key: Type.String({ description: `the key itself, ${API_KEY_FORMAT}: shown this once, never again` }) },
  { $id: 'CreatedApiKey' },
);

const NewApiKeySchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: MAX_KEY_NAME_CHARS, description: "unique among the user's keys in use" }),
  scope: ScopeSchema,
  sensors: Type.Optional(
    Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      maxItems: MAX_KEY_SENSORS,
      description: 'ingest scope only (and required there): unique identifiers of the sensors the key may write',
    }),
  ),
  expires_at: Type.Optional(ZonedDatetime),
  user: Type.Optional(Type.String({ description: "the key's user, by e-mail address (admins only; the caller by default)" })),
});

const KeyListQuery = Type.Object({
  user: Type.Optional(Type.String({ minLength: 1, description: "admins: this user's keys" })),
  all: Type.Optional(Type.Boolean({ description: "admins: every user's keys" })),
  ...PageQuery,
});

/** The named schemas of the key resources. */
export const keyApiSchemas = [ApiKeySchema, ApiKeyPageSchema, CreatedApiKeySchema];

const iso = (date: Date | null) => (date ? date.toISOString() : null);

const toApiKey = (key: ApiKey) => ({
  id: key.id,
  name: key.name,
  prefix: key.prefix,
  user: key.owner,
  scope: key.scope,
  sensors: key.sensors,
  expires_at: iso(key.expiresAt),
  last_used_at: iso(key.lastUsedAt),
  created_at: key.createdAt.toISOString(),
  revoked_at: iso(key.revokedAt),
});

/**
 * Whose keys the caller may manage: its own, or, for an admin, anyone's. Keys never manage
 * keys (no key holds the `account` permission these routes need; checked here again so that a
 * future scope cannot change it by accident): a leaked key must not be able to mint more.
 */
function manager(principal: Principal | null) {
  if (!principal) throw new AppError('NOT_AUTHENTICATED', 'Not authenticated');
  if (principal.apiKey) throw new AppError('FORBIDDEN', 'An API key cannot manage API keys: sign in as the user');
  const isAdmin = principal.permissions.has('users:admin');
  return {
    email: principal.user.email,
    isAdmin,
    /** The e-mail address named, when the caller may act for it. */
    mayActFor(email: string, what: string) {
      if (email !== principal.user.email && !isAdmin) throw new AppError('FORBIDDEN', `Only an admin may ${what} another user's keys`);
      return email;
    },
  };
}

export const keyApiRoutes: FastifyPluginAsyncTypebox<{ keys: ApiKeysService }> = async (app, { keys }) => {
  app.post(
    '/keys',
    {
      config: { access: 'account' },
      schema: {
        tags,
        operationId: 'createApiKey',
        summary: 'Create an API key (answered once with its secret)',
        description:
          'A user creates keys for itself; an admin for any user (`user`). A key acts for its user and can never do more ' +
          "than the user's role allows, whatever its scope. Send it as `X-API-Key: mb_...` or `Authorization: Bearer mb_...`, " +
          'or log in with it as the password on /auth/login.',
        body: NewApiKeySchema,
        response: { 201: ref(CreatedApiKeySchema), ...writeErrors },
      },
    },
    async (request, reply) => {
      const caller = manager(request.principal);
      const { name, scope, sensors, expires_at: expiresAt, user } = request.body;
      const owner = user === undefined ? caller.email : caller.mayActFor(user, 'create');
      const created = await keys.create({
        owner,
        name,
        scope,
        sensors: sensors ?? null,
        expiresAt: expiresAt === undefined ? null : new Date(expiresAt),
      });
      return reply.status(201).send({ ...toApiKey(created.key), key: created.secret });
    },
  );

  app.get(
    '/keys',
    {
      config: { access: 'account' },
      schema: {
        tags,
        operationId: 'listApiKeys',
        summary: "List API keys: the caller's, or (admins) one user's or everyone's; revoked ones too",
        querystring: KeyListQuery,
        response: { 200: ref(ApiKeyPageSchema), ...listErrors, 404: readErrors[404] },
      },
    },
    async (request, reply) => {
      const caller = manager(request.principal);
      const { user, all, ...page } = request.query;
      if (all && !caller.isAdmin) throw new AppError('FORBIDDEN', "Only an admin may list every user's keys");
      if (all && user !== undefined) throw new AppError('VALIDATION_FAILED', 'Give either user or all, not both');
      const owner = all ? undefined : user === undefined ? caller.email : caller.mayActFor(user, 'list');
      const listed = await readPage(page, (p) => keys.list({ ...p, ...(owner === undefined ? {} : { owner }) }));
      return sendPage(reply, listed, toApiKey);
    },
  );

  app.delete(
    '/keys/:id',
    {
      config: { access: 'account' },
      schema: {
        tags,
        operationId: 'revokeApiKey',
        summary: 'Revoke an API key: it stops working at once, on every replica',
        params: Type.Object({ id: IdParam }),
        response: { 204: Type.Null(), ...writeErrors },
      },
    },
    async (request, reply) => {
      const caller = manager(request.principal);
      const key = await keys.find(request.params.id);
      // Another user's key is as missing as one that never existed, unless the caller is an admin.
      if (!key || (key.owner !== caller.email && !caller.isAdmin)) throw notFound(`API key ${request.params.id} does not exist`);
      await keys.revoke(key.id);
      return reply.status(204).send(null);
    },
  );
};
