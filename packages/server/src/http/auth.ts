import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import type { TokenIssuer } from '../modules/auth/tokens.ts';

/**
 * Who may call a route. Every route must declare it (checked when the route is added), so
 * that no route is public by accident. Later: roles and API-key scopes.
 */
export type RouteAccess = 'public' | 'user' | 'refresh';

export interface AuthenticatedUser {
  id: number;
  email: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    user: AuthenticatedUser | null;
  }
}

export interface AuthPluginOptions {
  tokens: TokenIssuer;
  findUserByEmail: (email: string) => Promise<AuthenticatedUser | undefined>;
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const [scheme, token] = header.split(' ');
  return scheme?.toLowerCase() === 'bearer' && token ? token : undefined;
}

/**
 * Authentication in `onRequest`, i.e. before the body is even parsed: as in DTBase, a caller
 * without a token gets 401 whatever it sent.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, opts: AuthPluginOptions) => {
    app.decorateRequest('user', null);

    app.addHook('onRoute', (route) => {
      const access = (route.config as { access?: RouteAccess } | undefined)?.access;
      if (!access) throw new Error(`route ${route.method} ${route.url} does not declare who may call it (config.access)`);
    });

    app.addHook('onRequest', async (request) => {
      const access = request.routeOptions.config?.access;
      if (!access || access === 'public') return;
      const token = bearerToken(request);
      if (!token) throw new AppError('NOT_AUTHENTICATED', 'Not authenticated');
      const claims = await opts.tokens.verify(token);
      const user = await opts.findUserByEmail(claims.sub);
      if (!user) throw new AppError('INVALID_TOKEN', 'Could not validate credentials');
      const expected = access === 'refresh' ? 'refresh' : 'access';
      if (claims.tokenType !== expected) throw new AppError('WRONG_TOKEN_TYPE', 'Token of wrong type');
      request.user = user;
    });
  },
  { name: 'mirrorbase-auth' },
);
