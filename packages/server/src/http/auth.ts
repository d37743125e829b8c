import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import type { TokenIssuer } from '../modules/auth/tokens.ts';
import type { SessionUser } from '../modules/auth/user-lookup.ts';
import {
  PERMISSIONS,
  ROLE_PERMISSIONS,
  userPrincipal,
  expiringAt,
  type Principal,
  type PrincipalUser,
  type RouteAccess,
} from '../modules/auth/permissions.ts';

export type { RouteAccess } from '../modules/auth/permissions.ts';

/** A signed-in user as routes see it (the principal's user). */
export type AuthenticatedUser = PrincipalUser;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route (see RouteAccess). */
    access?: RouteAccess;
    /**
     * The credential may also come as `?access_token=` (an access token or API key): for
     * streams opened by browsers' EventSource and WebSocket, which cannot send headers. The
     * request log shows the URL without it.
     */
    tokenInQuery?: boolean;
  }
  interface FastifyRequest {
    /** The caller once authenticated, also when it was then refused (null on public routes). */
    principal: Principal | null;
    /** The principal's user, for routes that only need who it is. */
    user: AuthenticatedUser | null;
  }
}

/**
 * Turns a request's credentials into a principal. Returns undefined when the credentials are
 * not of its kind (the next resolver is asked); throws a 401 when they are of its kind but bad.
 */
export type PrincipalResolver = (request: FastifyRequest, access: Exclude<RouteAccess, 'public'>) => Promise<Principal | undefined>;

export interface AuthPluginOptions {
  tokens: TokenIssuer;
  /** Cached (no database round trip per request) and kept in step across replicas by the events port. */
  findUserByEmail: (email: string) => Promise<SessionUser | undefined>;
  /** Tried before the bearer-token resolver, in order (API keys). */
  resolvers?: PrincipalResolver[];
  /**
   * The principal of a token that an API key was exchanged for (claim `api_key_id`): the key's,
   * or a 401 once the key is revoked or expired. Without it such tokens are refused.
   */
  keyTokenPrincipal?: (apiKeyId: number, user: AuthenticatedUser) => Promise<Principal>;
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return queryToken(request);
  const [scheme, token] = header.split(' ');
  return scheme?.toLowerCase() === 'bearer' && token ? token : undefined;
}

/** `?access_token=` on the routes that accept it (config.tokenInQuery), when there is no Authorization header. */
function queryToken(request: FastifyRequest): string | undefined {
  if (!request.routeOptions.config?.tokenInQuery) return undefined;
  const token = (request.query as Record<string, unknown> | undefined)?.access_token;
  return typeof token === 'string' && token !== '' ? token : undefined;
}

const VALID_ACCESS = new Set<string>(['public', 'authenticated', 'refresh', ...PERMISSIONS]);

/**
 * Authentication and authorisation in `onRequest`, i.e. before the body is even parsed: as in
 * DTBase, a caller without a token gets 401 whatever it sent, and a caller whose role or key
 * does not allow the route gets 403 before anything is read or changed.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, opts: AuthPluginOptions) => {
    app.decorateRequest('principal', null);
    app.decorateRequest('user', null);

    app.addHook('onRoute', (route) => {
      const access = (route.config as { access?: RouteAccess } | undefined)?.access;
      if (!access) throw new Error(`route ${route.method} ${route.url} does not declare who may call it (config.access)`);
      if (!VALID_ACCESS.has(access)) throw new Error(`route ${route.method} ${route.url} declares an unknown access "${access}"`);
    });

    /**
     * A bearer JWT of the expected type whose user still exists and which was issued after
     * the user's tokens_valid_after (logout, a new password and refresh-token reuse move it).
     */
    const tokenResolver: PrincipalResolver = async (request, access) => {
      const token = bearerToken(request);
      if (!token) return undefined;
      const claims = await opts.tokens.verify(token);
      const user = await opts.findUserByEmail(claims.sub);
      if (!user) throw new AppError('INVALID_TOKEN', 'Could not validate credentials');
      const expected = access === 'refresh' ? 'refresh' : 'access';
      if (claims.tokenType !== expected) throw new AppError('WRONG_TOKEN_TYPE', 'Token of wrong type');
      if (claims.issuedAtMs < user.tokensValidAfterMs) throw new AppError('TOKEN_REVOKED', 'Token has been revoked');
      const principalUser = { id: user.id, email: user.email, role: user.role };
      const expiresAtMs = claims.exp * 1000;
      if (claims.apiKeyId === undefined) return expiringAt(userPrincipal(principalUser), expiresAtMs);
      if (!opts.keyTokenPrincipal) throw new AppError('INVALID_TOKEN', 'Could not validate credentials');
      return expiringAt(await opts.keyTokenPrincipal(claims.apiKeyId, principalUser), expiresAtMs);
    };
    const resolvers = [...(opts.resolvers ?? []), tokenResolver];

    app.addHook('onRequest', async (request) => {
      const access = request.routeOptions.config?.access;
      if (!access || access === 'public') return;
      let principal: Principal | undefined;
      for (const resolve of resolvers) {
        principal = await resolve(request, access);
        if (principal) break;
      }
      if (!principal) throw new AppError('NOT_AUTHENTICATED', 'Not authenticated');
      // Known before the permission check: a refusal is logged and audited with who was refused.
      request.principal = principal;
      request.user = principal.user;
      if (access !== 'refresh' && access !== 'authenticated' && !principal.permissions.has(access)) {
        // A key is refused by its scope, or by its user's role (a key never does more than its user).
        const key = principal.apiKey;
        const who = !key
          ? `Your role (${principal.user.role})`
          : ROLE_PERMISSIONS[principal.user.role].has(access)
            ? `This API key (scope ${key.scope})`
            : `The role of this API key's user (${principal.user.role})`;
        throw new AppError('FORBIDDEN', `${who} does not allow this: it needs the permission ${access}`);
      }
    });
  },
  { name: 'mirrorbase-auth' },
);
