import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../errors.ts';
import { HttpMethodSchema, Nullable, ref } from '../../http/schemas.ts';
import type { ParameterSetRow, ServiceRow, ServiceRunRow, ServicesService } from '../services/index.ts';
import { REDACTED_URL } from '../services/services.schemas.ts';
import { NameParam, Timestamp, listErrors, readErrors } from './api.schemas.ts';
import { PageOf, PageQuery, PageQuerySchema, readPage, sendPage } from './pagination.ts';

const tags = ['services'];

const ServiceResource = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    url: Type.String({ description: REDACTED_URL }),
    http_method: HttpMethodSchema,
    created_at: Timestamp,
  },
  { $id: 'Service' },
);

const ParameterSetResource = Type.Object(
  {
    id: Type.Integer(),
    service: Type.String({ description: 'name of the service' }),
    name: Type.String(),
    parameters: Type.Unknown({ description: 'the JSON sent to the service' }),
    created_at: Timestamp,
    updated_at: Nullable(Type.String({ description: 'ISO-8601 UTC; null when never edited' })),
  },
  { $id: 'ParameterSet' },
);

export const ServiceRunResource = Type.Object(
  {
    id: Type.Integer(),
    service: Type.String(),
    parameter_set: Nullable(Type.String({ description: 'name of the parameter set used, if any (kept after the set is deleted)' })),
    parameters: Type.Unknown(),
    response_status_code: Nullable(Type.Integer({ description: 'null when the service could not be reached (see error)' })),
    response_json: Type.Unknown(),
    error: Nullable(
      Type.String({
        description:
          'why there is no answer: the address rule that refused the call, or "The service could not be reached." ' +
          'whatever the reason (the server log has it); or a note that the answer was too large to keep',
      }),
    ),
    timestamp: Timestamp,
  },
  { $id: 'ServiceRun' },
);

const ServicePage = PageOf(ServiceResource);
const ParameterSetPage = PageOf(ParameterSetResource);
export const ServiceRunPage = PageOf(ServiceRunResource);

/** The named schemas of the service resources. */
export const serviceApiSchemas = [ServiceResource, ParameterSetResource, ServiceRunResource, ServicePage, ParameterSetPage, ServiceRunPage];

const ServiceParams = Type.Object({ name: NameParam });
const RunQuery = Type.Object({ ...PageQuery, parameter_set: Type.Optional(Type.String({ description: 'name of a parameter set' })) });

const toService = (s: ServiceRow) => ({ id: s.id, name: s.name, url: s.url, http_method: s.httpMethod, created_at: s.createdAt });
const toParameterSet = (p: ParameterSetRow) => ({
  id: p.id,
  service: p.serviceName,
  name: p.name,
  parameters: p.parameters,
  created_at: p.createdAt,
  updated_at: p.updatedAt,
});
export const toRun = (r: ServiceRunRow) => ({
  id: r.id,
  service: r.serviceName,
  parameter_set: r.parameterSetName,
  parameters: r.parameters,
  response_status_code: r.responseStatusCode,
  response_json: r.responseJson,
  error: r.error,
  timestamp: r.timestamp,
});

/** Services by name, with their parameter sets and the log of their runs below them. */
export const serviceApiRoutes: FastifyPluginAsyncTypebox<{ services: ServicesService }> = async (app, { services }) => {
  async function requireService(name: string) {
    const service = await services.findService(name);
    if (!service) throw notFound(`Service ${JSON.stringify(name)} does not exist`);
    return service;
  }

  app.get(
    '/services',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'listServices',
        summary: 'List services',
        querystring: PageQuerySchema,
        response: { 200: ref(ServicePage), ...listErrors },
      },
    },
    async (request, reply) => sendPage(reply, await readPage(request.query, (page) => services.listServices(page)), toService),
  );

  app.get(
    '/services/:name',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'getService',
        summary: 'One service, by name',
        params: ServiceParams,
        response: { 200: ref(ServiceResource), ...readErrors },
      },
    },
    async (request) => toService(await requireService(request.params.name)),
  );

  app.get(
    '/services/:name/parameter-sets',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'listParameterSets',
        summary: 'List the parameter sets of a service',
        params: ServiceParams,
        querystring: PageQuerySchema,
        response: { 200: ref(ParameterSetPage), ...readErrors },
      },
    },
    async (request, reply) => {
      const service = await requireService(request.params.name);
      const page = await readPage(request.query, (p) => services.listParameterSets({ ...p, serviceName: service.name }));
      return sendPage(reply, page, toParameterSet);
    },
  );

  app.get(
    '/services/:name/parameter-sets/:set',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'getParameterSet',
        summary: 'One parameter set of a service, by name',
        params: Type.Object({ name: NameParam, set: NameParam }),
        response: { 200: ref(ParameterSetResource), ...readErrors },
      },
    },
    async (request) => {
      const { name, set } = request.params;
      await requireService(name);
      const parameterSet = await services.findParameterSet(name, set);
      if (!parameterSet) throw notFound(`Service ${JSON.stringify(name)} has no parameter set ${JSON.stringify(set)}`);
      return toParameterSet(parameterSet);
    },
  );

  app.get(
    '/services/:name/runs',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'listServiceRuns',
        summary: 'The log of the runs of a service, oldest first, optionally of one parameter set',
        params: ServiceParams,
        querystring: RunQuery,
        response: { 200: ref(ServiceRunPage), ...readErrors },
      },
    },
    async (request, reply) => {
      const service = await requireService(request.params.name);
      const { parameter_set: parameterSetName, ...paging } = request.query;
      const page = await readPage(paging, (p) => services.listRuns({ ...p, serviceName: service.name, parameterSetName }));
      return sendPage(reply, page, toRun);
    },
  );
};
