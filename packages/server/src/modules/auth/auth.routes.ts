import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { bearerToken } from '../../http/auth.ts';
import { Detail, ValidationFailed, ref } from '../../http/schemas.ts';
import { EmailPassword } from '../users/users.schemas.ts';
import type { LoginService } from './login.service.ts';
import type { SessionsService } from './sessions.service.ts';
import type { TokenIssuer, TokenPair } from './tokens.ts';

const TokenPairSchema = Type.Object({ access_token: Type.String(), refresh_token: Type.String() }, { $id: 'TokenPair' });
const TokenPairRef = ref(TokenPairSchema);

/** The named schemas of DTBase's /auth routes. */
export const dtbaseAuthSchemas = [TokenPairSchema];
const tags = ['auth (DTBase)'];

const toDtbaseTokenPair = (pair: TokenPair) => ({ access_token: pair.accessToken, refresh_token: pair.refreshToken });

export interface DtbaseAuthRoutesOptions {
  /** Throttled password checks; a password that is an API key of that user logs in as the key. */
  login: LoginService;
  tokens: TokenIssuer;
  sessions: SessionsService;
}

/**
 * DTBase's /auth routes, with DTBase's shapes. Behind them, sessions: each login starts a
 * family of refresh tokens, each refresh token is exchanged once (rotation), and a used one
 * presented again revokes the user's tokens (sessions.service.ts). Logout is on the resource
 * API (POST /api/v1/auth/logout): these prefixes serve DTBase's routes only.
 */
export const dtbaseAuthRoutes: FastifyPluginAsyncTypebox<DtbaseAuthRoutesOptions> = async (app, { login, tokens, sessions }) => {
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
          'password (the Python BaseIngress) use a key. ' +
          'Failed logins are counted per account and per client address: past the limit, further attempts are ' +
          'answered 429 with Retry-After (seconds) until the window that began with the first failure ends.',
        body: EmailPassword,
        response: { 200: TokenPairRef, 401: Detail, 422: ValidationFailed, 429: Detail },
      },
    },
    async (request) => {
      const { user, keyPrincipal } = await login.login(request.body.email, request.body.password, request.ip);
      // Who signed in, for the audit log and the request's log line (a public route has no
      // principal): the user, and the key when the password was one.
      request.user = { id: user.id, email: user.email, role: user.role };
      if (keyPrincipal) request.principal = keyPrincipal;
      return toDtbaseTokenPair(await sessions.start(user, keyPrincipal?.apiKey ? { apiKeyId: keyPrincipal.apiKey.id } : {}));
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
