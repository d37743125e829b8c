import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError } from '../../errors.ts';
import { bearerToken } from '../../http/auth.ts';
import { Detail, ValidationFailed, ref } from '../../http/schemas.ts';
import { EmailPassword } from '../users/users.schemas.ts';
import type { UsersService } from '../users/users.service.ts';
import type { SessionsService } from './sessions.service.ts';
import { isApiKeyShaped } from '../api-keys/api-key-secret.ts';
import type { ApiKeyLookup } from '../api-keys/api-key-lookup.ts';
import type { TokenIssuer, TokenPair } from './tokens.ts';

const TokenPairSchema = Type.Object({ access_token: Type.String(), refresh_token: Type.String() }, { $id: 'TokenPair' });
const TokenPairRef = ref(TokenPairSchema);

/** The named schemas of DTBase's /auth routes. */
export const dtbaseAuthSchemas = [TokenPairSchema];
const tags = ['auth (DTBase)'];

const toDtbaseTokenPair = (pair: TokenPair) => ({ access_token: pair.accessToken, refresh_token: pair.refreshToken });

export interface DtbaseAuthRoutesOptions {
  users: UsersService;
  tokens: TokenIssuer;
  sessions: SessionsService;
  /** A log-in whose password is an API key of that user gets tokens that act as the key. */
  apiKeys: Pick<ApiKeyLookup, 'logIn'>;
}

/**
 * DTBase's /auth routes, with DTBase's shapes. Behind them, sessions: each login starts a
 * family of refresh tokens, each refresh token is exchanged once (rotation), and a used one
 * presented again revokes the user's tokens (sessions.service.ts). Logout is on the resource
 * API (POST /api/v1/auth/logout): these prefixes serve DTBase's routes only.
 */
export const dtbaseAuthRoutes: FastifyPluginAsyncTypebox<DtbaseAuthRoutesOptions> = async (app, { users, tokens, sessions, apiKeys }) => {
  app.post(
    '/login',
    {
      // Audited: each attempt, with the e-mail tried, and whether it succeeded.
      config: { access: 'public', audit: true },
      schema: {
        tags,
        operationId: 'dtbaseLogin',
        summary: 'Exchange e-mail and password for an access and a refresh token',
        description:
          "The password may be an API key of that user (mb_...): the tokens then act as the key, with the key's scope, " +
          'and stop working when the key is revoked or expires. This is how DTBase clients that only know e-mail and ' +
          'password (the Python BaseIngress) use a key.',
        body: EmailPassword,
        response: { 200: TokenPairRef, 401: Detail, 422: ValidationFailed },
      },
    },
    async (request) => {
      const { email, password } = request.body;
      // A key that is not this user's is tried as a password, and fails as a wrong one would.
      const keyPrincipal = isApiKeyShaped(password) ? await apiKeys.logIn(email, password) : undefined;
      if (keyPrincipal) {
        const owner = await users.findByEmail(email);
        if (!owner) throw new AppError('BAD_CREDENTIALS', 'Incorrect email or password');
        request.user = keyPrincipal.user;
        return toDtbaseTokenPair(await sessions.start(owner, { apiKeyId: keyPrincipal.apiKey!.id }));
      }
      const user = await users.authenticate(email, password);
      if (!user) throw new AppError('BAD_CREDENTIALS', 'Incorrect email or password');
      // Who signed in, for the audit log and the request's log line (a public route has no principal).
      request.user = { id: user.id, email: user.email, role: user.role };
      return toDtbaseTokenPair(await sessions.start(user));
    },
  );

  app.post(
    '/refresh',
    {
      config: { access: 'refresh', audit: true },
      schema: {
        tags,
        operationId: 'dtbaseRefresh',
        summary: 'Exchange a refresh token (as the bearer token) for a new token pair; each refresh token works once',
        description:
          'The refresh token presented is used up: the answer holds the next one. Presenting a used refresh token again revokes every token of the user (401).',
        security: [{ bearer: [] }],
        response: { 200: TokenPairRef, 401: Detail },
      },
    },
    // The auth hook has verified the token (a cached lookup now) and checked its type and user;
    // the tokens of an API key stay the key's (the refresh token carries its id).
    async (request) => toDtbaseTokenPair(await sessions.refresh(await tokens.verify(bearerToken(request)!))),
  );
};
