import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Detail, ValidationFailed, ref } from '../../http/schemas.ts';
import { EmailPassword } from '../users/users.schemas.ts';
import type { LoginService } from './login.service.ts';
import type { TokenIssuer, TokenPair } from './tokens.ts';

const TokenPairSchema = Type.Object({ access_token: Type.String(), refresh_token: Type.String() }, { $id: 'TokenPair' });
const TokenPairRef = ref(TokenPairSchema);

/** The named schemas of DTBase's /auth routes. */
export const dtbaseAuthSchemas = [TokenPairSchema];
const tags = ['auth (DTBase)'];

const toDtbaseTokenPair = (pair: TokenPair) => ({ access_token: pair.accessToken, refresh_token: pair.refreshToken });

export const dtbaseAuthRoutes: FastifyPluginAsyncTypebox<{ login: LoginService; tokens: TokenIssuer }> = async (app, { login, tokens }) => {
  app.post(
    '/login',
    {
      config: { access: 'public' },
      schema: {
        tags,
        operationId: 'dtbaseLogin',
        summary: 'Exchange e-mail and password for an access and a refresh token',
        description:
          'Failed logins are counted per account and per client address: past the limit, further attempts are ' +
          'answered 429 with Retry-After (seconds) until the window that began with the first failure ends.',
        body: EmailPassword,
        response: { 200: TokenPairRef, 401: Detail, 422: ValidationFailed, 429: Detail },
      },
    },
    async (request) => {
      const user = await login.login(request.body.email, request.body.password, request.ip);
      return toDtbaseTokenPair(await tokens.issuePair(user.email));
    },
  );

  app.post(
    '/refresh',
    {
      config: { access: 'refresh' },
      schema: {
        tags,
        operationId: 'dtbaseRefresh',
        summary: 'Exchange a refresh token (as the bearer token) for a new token pair',
        security: [{ bearer: [] }],
        response: { 200: TokenPairRef, 401: Detail },
      },
    },
    async (request) => toDtbaseTokenPair(await tokens.issuePair(request.user!.email)),
  );
};
