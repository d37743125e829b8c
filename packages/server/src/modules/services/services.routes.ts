import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Detail, ValidationFailed, authErrors } from '../../http/schemas.ts';
import type { ServicesService } from './services.service.ts';
import { runActor } from './run-actor.ts';
import { toDtbaseParameterSet, toDtbaseService, toDtbaseServiceRun } from './services.dtbase.ts';
import {
  ParameterSetBody,
  ParameterSetFilterBody,
  ParameterSetKeyBody,
  ParameterSetList,
  RunFilterBody,
  RunList,
  RunQueued,
  RunServiceBody,
  ServiceBody,
  ServiceList,
  ServiceNameBody,
} from './services.schemas.ts';

const tags = ['service (DTBase)'];

/**
 * DTBase's clients send no body at all when their filters are empty; treat a missing (or null)
 * body as `{}` before validation, which would otherwise ask for one.
 */
async function absentBodyIsEmpty(request: FastifyRequest) {
  if (request.body === undefined || request.body === null) request.body = {};
}

/**
 * FastAPI reads an empty body sent as application/json as "no body" too; Fastify's JSON parser
 * refuses it. Within the calling context only, an empty JSON body parses to nothing.
 */
function acceptEmptyJsonBody(app: FastifyInstance) {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body.length === 0) return done(null, undefined);
    return parseJson(request, body as string, done);
  });
}

/** DTBase's /service routes: the registry of external services and their runs. */
export const dtbaseServicesRoutes: FastifyPluginAsyncTypebox<{ services: ServicesService }> = async (app, { services }) => {
  app.post(
    '/insert-service',
    {
      config: { access: 'services:write' },
      schema: {
        tags,
        operationId: 'dtbaseInsertService',
        summary: 'Register a service',
        body: ServiceBody,
        response: { 201: Detail, 409: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request, reply) => {
      const { name, url, http_method } = request.body;
      await services.insertService({ name, url, httpMethod: http_method });
      return reply.status(201).send({ detail: 'Service created successfully.' });
    },
  );

  app.get(
    '/list-services',
    {
      config: { access: 'data:read' },
      schema: { tags, operationId: 'dtbaseListServices', summary: 'List the services', response: { 200: ServiceList, ...authErrors } },
    },
    async () => (await services.listServices()).map(toDtbaseService),
  );

  app.post(
    '/delete-service',
    {
      config: { access: 'services:write' },
      schema: {
        tags,
        operationId: 'dtbaseDeleteService',
        summary: 'Delete a service with its parameter sets and runs',
        body: ServiceNameBody,
        response: { 200: Detail, 400: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request) => {
      await services.deleteService(request.body.name);
      return { detail: 'Service deleted successfully.' };
    },
  );

  app.post(
    '/insert-parameter-set',
    {
      config: { access: 'services:write' },
      schema: {
        tags,
        operationId: 'dtbaseInsertParameterSet',
        summary: 'Store a named set of parameters for a service',
        body: ParameterSetBody,
        response: { 201: Detail, 400: Detail, 409: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request, reply) => {
      const { service_name, name, parameters } = request.body;
      await services.insertParameterSet({ serviceName: service_name, name, parameters });
      return reply.status(201).send({ detail: 'Parameter set created successfully.' });
    },
  );

  app.post(
    '/delete-parameter-set',
    {
      config: { access: 'services:write' },
      schema: {
        tags,
        operationId: 'dtbaseDeleteParameterSet',
        summary: 'Delete a parameter set (its past runs stay in the log)',
        body: ParameterSetKeyBody,
        response: { 200: Detail, 400: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request) => {
      await services.deleteParameterSet(request.body.service_name, request.body.name);
      return { detail: 'Parameter set deleted successfully.' };
    },
  );

  app.post(
    '/edit-parameter-set',
    {
      config: { access: 'services:write' },
      schema: {
        tags,
        operationId: 'dtbaseEditParameterSet',
        summary: "Replace a parameter set's parameters",
        body: ParameterSetBody,
        response: { 200: Detail, 400: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request) => {
      const { service_name, name, parameters } = request.body;
      await services.editParameterSet({ serviceName: service_name, name, parameters });
      return { detail: 'Parameter set edited successfully.' };
    },
  );

  app.post(
    '/run-service',
    {
      config: { access: 'services:write' },
      schema: {
        tags,
        operationId: 'dtbaseRunService',
        summary: 'Call a service and log the run',
        description:
          'Answers 200 whatever status the service answers with; 403 when the address (or that of a redirect) is ' +
          'loopback, link-local, private or otherwise not public and MIRRORBASE_SERVICE_ALLOWED_HOSTS does not allow it ' +
          '(nothing is connected to); 502, the same for every reason, when it cannot be reached or does not answer in ' +
          'time. The run is logged in each case (with a null status code unless it answered). Redirects are followed. ' +
          'Placeholders ($readings, $window) in the parameters are resolved at call time (422 when one names an unknown ' +
          'series). When the service answers with data ([endpoint, payload] pairs, {"requests": [...]} or readings in the ' +
          "POST /api/v1/readings format), it is written through this server's routes with the caller's credentials and " +
          'recorded in the run log. With async: true, 202 at once with the run id (the run happens on the job runner).',
        body: RunServiceBody,
        response: { 200: Detail, 202: RunQueued, 400: Detail, 422: ValidationFailed, 502: Detail, ...authErrors },
      },
    },
    async (request, reply) => {
      const { service_name, parameter_set_name, parameters } = request.body;
      const run = { serviceName: service_name, parameterSetName: parameter_set_name, parameters, actor: runActor(request) };
      if (request.body.async === true) {
        const id = await services.queueRun(run);
        return reply.status(202).send({ detail: 'Service run queued.', id, status: 'queued' as const });
      }
      await services.runService(run);
      return { detail: 'Service called successfully.' };
    },
  );

  // The two listings whose body is optional.
  await app.register(async (context) => {
    acceptEmptyJsonBody(context);
    const lists = context.withTypeProvider<TypeBoxTypeProvider>();

    lists.post(
      '/list-parameter-sets',
      {
        config: { access: 'data:read' },
        preValidation: absentBodyIsEmpty,
        schema: {
          tags,
          operationId: 'dtbaseListParameterSets',
          summary: 'List parameter sets, of one service or all',
          description: 'The body may be left out.',
          body: ParameterSetFilterBody,
          response: { 200: ParameterSetList, 422: ValidationFailed, ...authErrors },
        },
      },
      async (request) => (await services.listParameterSets({ serviceName: request.body.service_name })).map(toDtbaseParameterSet),
    );

    lists.post(
      '/list-runs',
      {
        config: { access: 'data:read' },
        preValidation: absentBodyIsEmpty,
        schema: {
          tags,
          operationId: 'dtbaseListRuns',
          summary: 'List the logged runs, optionally of one service and/or parameter set',
          description: 'The body may be left out. parameter_set_name alone matches sets of that name in any service.',
          body: RunFilterBody,
          response: { 200: RunList, 422: ValidationFailed, ...authErrors },
        },
      },
      async (request) => {
        const runs = await services.listRuns({ serviceName: request.body.service_name, parameterSetName: request.body.parameter_set_name });
        return runs.map(toDtbaseServiceRun);
      },
    );
  });
};
