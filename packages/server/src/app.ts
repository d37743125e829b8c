import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from './config.ts';
import { authPlugin } from './http/auth.ts';
import { errorHandlerPlugin } from './http/error-handler.ts';
import { gracefulClosePlugin } from './http/graceful-close.ts';
import { hardeningPlugin } from './http/hardening.ts';
import { registerWebApp } from './http/web-app.ts';
import { healthRoutes } from './http/health.ts';
import { openapiPlugin } from './http/openapi.ts';
import { requestLogPlugin } from './http/request-log.ts';
import { requestIdOf } from './http/request-id.ts';
import { httpMetricsPlugin, metricsRoutes, metricsTokenResolver } from './http/metrics.ts';
import { tracingPlugin } from './http/tracing.ts';
import { startTracing } from './observability/tracing.ts';
import { addNamedSchemas, sharedSchemas } from './http/schemas.ts';
import { lazySerializerFactory } from './http/lazy-compilers.ts';
import { validatorCompiler } from './http/validation.ts';
import { apiKeyResolver } from './modules/api-keys/api-key-resolver.ts';
import { dtbaseAuthRoutes, dtbaseAuthSchemas } from './modules/auth/auth.routes.ts';
import { dtbaseUserRoutes } from './modules/users/users.routes.ts';
import { dtbaseLocationsRoutes } from './modules/locations/locations.routes.ts';
import { dtbaseLocationSchemas } from './modules/locations/locations.schemas.ts';
import { dtbaseSensorsRoutes } from './modules/sensors/sensors.routes.ts';
import { dtbaseSensorSchemas } from './modules/sensors/sensors.schemas.ts';
import { dtbaseReadingsRoutes } from './modules/readings/readings.routes.ts';
import { readingsIngestApiRoutes } from './modules/readings/ingest/readings-ingest-api.routes.ts';
import { readingsQueryApiRoutes } from './modules/readings/query/readings-query-api.routes.ts';
import { dtbaseModelsRoutes } from './modules/models/models.routes.ts';
import { dtbaseModelSchemas } from './modules/models/models.schemas.ts';
import { dtbaseServicesRoutes } from './modules/services/services.routes.ts';
import { dtbaseServiceSchemas } from './modules/services/services.schemas.ts';
import { resourceApiRoutes, resourceApiSchemas } from './modules/api/api.routes.ts';
import { auditCapturePlugin } from './modules/audit/audit.capture.ts';
import { auditApiRoutes, auditApiSchemas } from './modules/audit/audit.routes.ts';
import { mqttApiRoutes, mqttApiSchemas } from './mqtt/mqtt.routes.ts';
import { realtimeRoutes } from './realtime/realtime.routes.ts';
import type { Services } from './services.ts';
import { VERSION } from './version.ts';

export interface AppDeps {
  config: Config;
  /** Every service, built once by createServices (services.ts). */
  services: Services;
  /** A pino logger; none means silent (tests). */
  logger?: FastifyBaseLogger;
}

/** Fastify's trustProxy; a number of proxies becomes the hop test Fastify applies to numbers (its types omit them). */
function trustProxyOption(trust: Config['trustProxy']): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return typeof trust === 'boolean' ? trust : [...trust];
}

/** Builds the whole application from its inputs. Never listens: main.ts does, tests inject. */
export async function buildApp(deps: AppDeps) {
  const { config, services } = deps;
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    bodyLimit: config.bodyLimitBytes,
    // Fastify's own two lines per request are replaced by request-log.ts's single line.
    logController: new LogController({ disableRequestLogging: true }),
    // X-Request-Id: the caller's when short and plain, else our own (request-id.ts); every log
    // line of the request carries it as reqId, and the response sends it back.
    requestIdHeader: false,
    genReqId: requestIdOf,
    return503OnClosing: true,
    // request.ip (the audit log, per-address limits): X-Forwarded-For only from trusted proxies.
    trustProxy: trustProxyOption(config.trustProxy),
    // Response serialisers compiled on first use: a start stays well under 3 s (lazy-compilers.ts).
    schemaController: { compilersFactory: { buildSerializer: lazySerializerFactory() } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);

  await app.register(errorHandlerPlugin, { bodyLimitBytes: config.bodyLimitBytes });
  await app.register(requestLogPlugin);
  await app.register(httpMetricsPlugin, { metrics: services.metrics });
  // OpenTelemetry only when a collector is named: its packages are not even loaded otherwise.
  const { otlpEndpoint, serviceName } = config.observability;
  if (otlpEndpoint) {
    await app.register(tracingPlugin, { tracer: await startTracing({ endpoint: otlpEndpoint, serviceName, version: VERSION }) });
  }
  await app.register(gracefulClosePlugin);
  // Before any route, so its headers and limits cover every one (the docs and probes included).
  await app.register(hardeningPlugin, { config });
  await app.register(openapiPlugin, { version: VERSION });
  // Every named schema (the OpenAPI document's components/schemas), once, at the root: a
  // Fastify context that adds schemas of its own rebuilds its validator from the default
  // factory, which would bypass validation.ts's compiler for its routes.
  addNamedSchemas(app, [
    ...sharedSchemas,
    ...dtbaseAuthSchemas,
    ...dtbaseLocationSchemas,
    ...dtbaseSensorSchemas,
    ...dtbaseModelSchemas,
    ...dtbaseServiceSchemas,
    ...resourceApiSchemas,
    ...auditApiSchemas,
    ...mqttApiSchemas,
  ]);
  await app.register(healthRoutes, { ping: services.ping });
  registerWebApp(app, config.webRoot);

  // Everything below declares its access and passes through authentication.
  await app.register(async (api) => {
    // Before authentication, so that the calls it refuses are audited too.
    await api.register(auditCapturePlugin, { audit: services.audit });
    const keys = services.apiKeyLookup;
    await api.register(authPlugin, {
      tokens: services.tokens,
      findUserByEmail: services.userLookup.findByEmail,
      resolvers: [metricsTokenResolver(config.observability.metricsToken), apiKeyResolver(keys)],
      keyTokenPrincipal: (apiKeyId, user) => keys.principalForToken(apiKeyId, user.email),
    });
    // Uses of keys are recorded by writes no request waits for: they finish before the database closes.
    api.addHook('onClose', () => keys.flush());
    // Streams never end by themselves: closing the app ends them (event: close, server_shutdown) first.
    api.addHook('preClose', () => services.streams.close());
    await api.register(dtbaseAuthRoutes, {
      prefix: '/auth',
      login: services.login,
      tokens: services.tokens,
      sessions: services.sessions,
    });
    await api.register(dtbaseUserRoutes, { prefix: '/user', users: services.users });
    await api.register(dtbaseLocationsRoutes, { prefix: '/location', locations: services.locations });
    // /sensor is served by two modules: sensor metadata, and readings (the time-series engine).
    await api.register(dtbaseSensorsRoutes, { prefix: '/sensor', sensors: services.sensors });
    await api.register(dtbaseReadingsRoutes, { prefix: '/sensor', readings: services.readings.dtbase });
    await api.register(dtbaseModelsRoutes, { prefix: '/model', models: services.models });
    await api.register(dtbaseServicesRoutes, { prefix: '/service', services: services.registry });
    await api.register(readingsIngestApiRoutes, { prefix: '/api/v1/readings', service: services.readings.ingestApi });
    await api.register(readingsQueryApiRoutes, { prefix: '/api/v1/readings', readings: services.readings.query });
    await api.register(realtimeRoutes, { prefix: '/api/v1/readings', hub: services.streams, maxClients: config.streamMaxClients });
    await api.register(resourceApiRoutes, { prefix: '/api/v1', services });
    await api.register(auditApiRoutes, { prefix: '/api/v1', audit: services.audit });
    await api.register(mqttApiRoutes, { prefix: '/api/v1', mqtt: services.mqtt });
    await api.register(metricsRoutes, { metrics: services.metrics });
  });

  // What services return is written through these very routes, as the run's actor.
  services.inProcess.bind(async ({ path, body, token }) => {
    const res = await app.inject({
      method: 'POST',
      url: path,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify(body ?? null),
    });
    let json: unknown = null;
    try {
      json = res.json();
    } catch {
      // Not JSON: the status says enough.
    }
    return { statusCode: res.statusCode, json };
  });

  return app;
}

export type App = Awaited<ReturnType<typeof buildApp>>;
