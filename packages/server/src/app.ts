import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import { authPlugin } from './http/auth.ts';
import { errorHandlerPlugin } from './http/error-handler.ts';
import { gracefulClosePlugin } from './http/graceful-close.ts';
import { healthRoutes } from './http/health.ts';
import { openapiPlugin } from './http/openapi.ts';
import { requestLogPlugin } from './http/request-log.ts';
import { validatorCompiler } from './http/validation.ts';
import { dtbaseAuthRoutes } from './modules/auth/auth.routes.ts';
import { createTokenIssuer } from './modules/auth/tokens.ts';
import { usersModule } from './modules/users/index.ts';
import { dtbaseUserRoutes } from './modules/users/users.routes.ts';
import { dtbaseLocationsRoutes } from './modules/locations/locations.routes.ts';
import { dtbaseSensorsRoutes } from './modules/sensors/sensors.routes.ts';
import { dtbaseReadingsRoutes } from './modules/readings/readings.routes.ts';
import { readingsIngestApiRoutes } from './modules/readings/ingest/readings-ingest-api.routes.ts';
import { readingsQueryApiRoutes } from './modules/readings/query/readings-query-api.routes.ts';
import { dtbaseModelsRoutes } from './modules/models/models.routes.ts';
import { dtbaseServicesRoutes } from './modules/services/services.routes.ts';
import { resourceApiRoutes } from './modules/api/api.routes.ts';
import { VERSION } from './version.ts';

export interface AppDeps {
  config: Config;
  db: Database;
  /** The resolved HS256 secret (from config, or generated for development). */
  jwtSecret: string;
  /** A pino logger; none means silent (tests). */
  logger?: FastifyBaseLogger;
  /** Seconds since the epoch, for token expiry; tests move it. */
  now?: () => number;
}

/** Builds the whole application from its inputs. Never listens: main.ts does, tests inject. */
export async function buildApp(deps: AppDeps) {
  const { config, db } = deps;
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    bodyLimit: config.bodyLimitBytes,
    // Fastify's own two lines per request are replaced by request-log.ts's single line.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: 'x-request-id',
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);

  await app.register(errorHandlerPlugin, { bodyLimitBytes: config.bodyLimitBytes });
  await app.register(requestLogPlugin);
  await app.register(gracefulClosePlugin);
  await app.register(openapiPlugin, { version: VERSION });
  await app.register(healthRoutes, { db });

  const users = usersModule(db);
  const tokens = createTokenIssuer({
    secret: deps.jwtSecret,
    accessTokenSeconds: config.accessTokenSeconds,
    refreshGraceSeconds: config.refreshGraceSeconds,
    now: deps.now,
  });

  // Everything below declares its access and passes through authentication.
  await app.register(async (api) => {
    await api.register(authPlugin, {
      tokens,
      findUserByEmail: async (email) => {
        const user = await users.findByEmail(email);
        return user && { id: user.id, email: user.email };
      },
    });
    await api.register(dtbaseAuthRoutes, { prefix: '/auth', users, tokens });
    await api.register(dtbaseUserRoutes, { prefix: '/user', users });
    await api.register(dtbaseLocationsRoutes, { prefix: '/location', db });
    // /sensor is served by two modules: sensor metadata, and readings (the time-series engine).
    await api.register(dtbaseSensorsRoutes, { prefix: '/sensor', db });
    await api.register(dtbaseReadingsRoutes, { prefix: '/sensor', db });
    await api.register(dtbaseModelsRoutes, { prefix: '/model', db });
    await api.register(dtbaseServicesRoutes, { prefix: '/service', db, config });
    await api.register(readingsIngestApiRoutes, { prefix: '/api/v1/readings', db });
    await api.register(readingsQueryApiRoutes, { prefix: '/api/v1/readings', db });
    await api.register(resourceApiRoutes, { prefix: '/api/v1', db, config });
  });

  return app;
}

export type App = Awaited<ReturnType<typeof buildApp>>;
