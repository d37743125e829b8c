import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { keyMayHold } from '../modules/auth/permissions.ts';
import type { RouteAccess } from './auth.ts';
import { MAX_JSON_DEPTH } from './json-body.ts';
import { MAX_LISTED_ISSUES } from './validation-issues.ts';

/**
 * The OpenAPI document is generated from the route schemas (never written by hand), served
 * live at /openapi.json, with the interactive explorer at /docs.
 */
export const openapiPlugin = fp(
  async (app: FastifyInstance, opts: { version: string }) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Mirrorbase',
          version: opts.version,
          description:
            "Backend for digital twins and sensor data. The DTBase-compatible API keeps DTBase's paths and shapes; " +
            'the resource API lives under /api/v1. Log in with POST /auth/login and use the access token as a Bearer token, ' +
            'or send an API key (POST /api/v1/keys) as `X-API-Key: mb_...` or `Authorization: Bearer mb_...`.\n\n' +
            `Limits on every route: a JSON body may nest arrays and objects at most ${MAX_JSON_DEPTH} levels deep (422 ` +
            `json_too_deep beyond); a 422 lists at most ${MAX_LISTED_ISSUES} issues, followed by one too_many_errors ` +
            'issue that gives the total; values quoted back in errors are cut to 100 characters.',
        },
        components: {
          securitySchemes: {
            bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
            apiKey: {
              type: 'apiKey',
              in: 'header',
              name: 'X-API-Key',
              description: 'An API key (mb_...), also accepted as `Authorization: Bearer mb_...`',
            } as const,
          },
        },
      },
      // Shared schemas appear under components/schemas by their $id (the default names them def-0, def-1, ...).
      refResolver: {
        buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
      },
      transform: ({ schema, url, route }) => {
        const access = (route.config as { access?: RouteAccess } | undefined)?.access;
        if (!schema) return { schema, url };
        // An API key is offered where some key scope holds the permission ('authenticated' included).
        const schemes: Record<string, string[]>[] =
          access === 'authenticated' || (access && keyMayHold(access)) ? [{ bearer: [] }, { apiKey: [] }] : [{ bearer: [] }];
        const security = access && access !== 'public' && !('security' in schema) ? { security: schemes } : {};
        // Who may call it, as the route declares it: a permission, 'public', 'authenticated' or 'refresh'.
        return { schema: { ...schema, ...security, 'x-mirrorbase-access': access }, url };
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { persistAuthorization: true } });
    app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());
    // FastAPI serves these two as well; DTBase users may have them bookmarked.
    app.get('/docs/oauth2-redirect', { config: { access: 'public' }, schema: { hide: true } }, (_request, reply) =>
      reply.redirect('/docs/static/oauth2-redirect.html'),
    );
    app.get('/redoc', { config: { access: 'public' }, schema: { hide: true } }, (_request, reply) => reply.redirect('/docs'));
  },
  { name: 'mirrorbase-openapi' },
);
