import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError } from '../../errors.ts';
import { Detail, ValidationFailed, ref } from '../../http/schemas.ts';
import { EmailPassword } from '../users/users.schemas.ts';
import type { UsersService } from '../users/users.service.ts';
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
  /** A log-in whose password is an API key of that user gets tokens that act as the key. */
  apiKeys: Pick<ApiKeyLookup, 'logIn'>;
}

export const dtbaseAuthRoutes: FastifyPluginAsyncTypebox<DtbaseAuthRoutesOptions> = async (app, { users, tokens, apiKeys }) => {
  app.post(
    '/login',
    {
      config: { access: 'public' },
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
      if (keyPrincipal) return toDtbaseTokenPair(await tokens.issuePair({ email, apiKeyId: keyPrincipal.apiKey!.id }));
      const user = await users.authenticate(email, password);
      if (!user) throw new AppError('BAD_CREDENTIALS', 'Incorrect email or password');
      return toDtbaseTokenPair(await tokens.issuePair({ email: user.email }));
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
    async (request) => {
      // Tokens of an API key stay the key's (the refresh token carried its id: see http/auth.ts).
      const apiKey = request.principal!.apiKey;
      return toDtbaseTokenPair(await tokens.issuePair({ email: request.user!.email, ...(apiKey ? { apiKeyId: apiKey.id } : {}) }));
    },
  );
};
