import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../errors.ts';
import { HttpMethodSchema, Nullable, ref } from '../../http/schemas.ts';
import type { ParameterSetRow, ServiceRow, ServiceRunRow, ServicesService } from '../services/index.ts';
import { REDACTED_URL } from '../services/services.schemas.ts';
import { IdParam, NameParam, Timestamp, listErrors, readErrors, writeErrors } from './api.schemas.ts';
import { runActor } from '../services/run-actor.ts';
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
    status: Type.Union(
      ['queued', 'running', 'succeeded', 'failed'].map((v) => Type.Literal(v)),
      {
        description:
          'succeeded: the service answered 2xx and whatever data it returned was written; failed: no answer, another ' +
          'status, data that could not be read, or a returned request that failed (see error and written)',
      },
    ),
    trigger: Type.Union([Type.Literal('request'), Type.Literal('schedule')]),
    started_at: Nullable(Type.String({ description: 'ISO-8601 UTC; null while queued' })),
    finished_at: Nullable(Type.String({ description: 'ISO-8601 UTC; null until finished' })),
    duration_ms: Nullable(Type.Integer({ description: 'finished_at - started_at' })),
    written: Nullable(
      Type.Array(
        Type.Object({
          endpoint: Type.String(),
          status: Nullable(Type.Integer({ description: "the route's status; null when the request was not sent (see error)" })),
          count: Type.Integer({ description: 'readings or records written' }),
          error: Type.Optional(Type.String()),
        }),
        { description: 'what the service returned and was written, request by request (null: it returned no data)' },
      ),
    ),
  },
  { $id: 'ServiceRun' },
);

const ServicePage = PageOf(ServiceResource);
const ParameterSetPage = PageOf(ParameterSetResource);
export const ServiceRunPage = PageOf(ServiceRunResource);

/** The named schemas of the service resources. */
export const serviceApiSchemas = [ServiceResource, ParameterSetResource, ServiceRunResource, ServicePage, ParameterSetPage, ServiceRunPage];

const ServiceParams = Type.Object({ name: NameParam });
const RunQuery = Type.Object({
  ...PageQuery,
  parameter_set: Type.Optional(Type.String({ description: 'name of a parameter set' })),
  order: Type.Optional(
    Type.Union([Type.Literal('oldest'), Type.Literal('newest')], {
      default: 'oldest',
      description: 'oldest first (the default) or newest first; a cursor pages on in the order it was made in',
    }),
  ),
});

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
  status: r.status,
  trigger: r.trigger,
  started_at: r.startedAt,
  finished_at: r.finishedAt,
  duration_ms: r.durationMs,
  written: r.written as never,
});

const RunRequest = Type.Object(
  {
    parameter_set: Type.Optional(Nullable(Type.String({ description: 'name of a parameter set of the service' }))),
    parameters: Type.Optional(
      Type.Union([Type.Object({}, { additionalProperties: true }), Type.Array(Type.Unknown()), Type.Null()], {
        description: "sent to the service (placeholders resolved); when given it wins over the set's",
      }),
    ),
    async: Type.Optional(Type.Boolean({ description: 'run in the background: 202 at once with the run id' })),
  },
  { additionalProperties: false },
);
const RunQueuedResource = Type.Object({ id: Type.Integer(), status: Type.Literal('queued') });

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
        summary: 'The log of the runs of a service, oldest first (or newest, by ?order=), optionally of one parameter set',
        params: ServiceParams,
        querystring: RunQuery,
        response: { 200: ref(ServiceRunPage), ...readErrors },
      },
    },
    async (request, reply) => {
      const service = await requireService(request.params.name);
      const { parameter_set: parameterSetName, order, ...paging } = request.query;
      const newestFirst = order === 'newest';
      const page = await readPage(paging, (p) => services.listRuns({ ...p, serviceName: service.name, parameterSetName, newestFirst }));
      return sendPage(reply, page, toRun);
    },
  );

  app.post(
    '/services/:name/runs',
    {
      config: { access: 'services:write' },
      schema: {
        tags,
        operationId: 'runService',
        summary: 'Run a service now (201 with the finished run) or in the background (202 with its id)',
        description:
          'The run is recorded whatever happens: an unreachable service, another status than 2xx or data that could not ' +
          'be written make a failed run (201, status failed, error says why), not an error of this call. Data the service ' +
          "returns is written through this server's routes with the caller's credentials (role and key scope apply), at " +
          'most 1,000 requests per answer. Placeholders: {"$readings": {"sensor", "measure", "window": "P7D"}} (or from/to), ' +
          `{"$window": "from" | "to"}; an unknown sensor or measure, or a bad duration, is a 422 naming where it is.`,
        params: ServiceParams,
        body: RunRequest,
        response: { 201: ref(ServiceRunResource), 202: RunQueuedResource, ...writeErrors },
      },
    },
    async (request, reply) => {
      const service = await requireService(request.params.name);
      const { parameter_set: set, parameters, async: background } = request.body;
      if (set != null && !(await services.findParameterSet(service.name, set))) {
        throw notFound(`Service ${JSON.stringify(service.name)} has no parameter set ${JSON.stringify(set)}`);
      }
      const run = { serviceName: service.name, parameterSetName: set ?? null, parameters, actor: runActor(request) };
      if (background === true) {
        const id = await services.queueRun(run);
        return reply.status(202).send({ id, status: 'queued' as const });
      }
      const outcome = await services.runAndRecord(run);
      const row = await services.findRun(outcome.runId);
      if (!row) throw notFound(`Service ${JSON.stringify(service.name)} was deleted during the run`);
      return reply.status(201).send(toRun(row));
    },
  );

  app.get(
    '/service-runs',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'listRecentServiceRuns',
        summary: 'The runs of every service, newest first',
        description:
          'The run log across services (GET /api/v1/services/{name}/runs gives one service, oldest first). Paged by next_cursor.',
        querystring: PageQuerySchema,
        response: { 200: ref(ServiceRunPage), ...listErrors },
      },
    },
    async (request, reply) =>
      sendPage(reply, await readPage(request.query, ({ afterId, limit }) => services.listRecentRuns({ beforeId: afterId, limit })), toRun),
  );

  app.get(
    '/services/:name/runs/:id',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'getServiceRun',
        summary: 'One run of a service: its status, duration, response, error and what was written',
        params: Type.Object({ name: NameParam, id: IdParam }),
        response: { 200: ref(ServiceRunResource), ...readErrors },
      },
    },
    async (request) => {
      const { name, id } = request.params;
      const run = await services.findRun(id);
      if (!run || run.serviceName !== name) throw notFound(`Service ${JSON.stringify(name)} has no run ${id}`);
      return toRun(run);
    },
  );
};
