import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../errors.ts';
import type { ModelsService } from '../models/index.ts';
import { IdParam, NameParam, listErrors, readErrors } from './api.schemas.ts';
import {
  ModelMeasurePage,
  ModelPage,
  ModelResource,
  ModelRunPage,
  OBSERVATION_POINTS_DEFAULT,
  RunDetails,
  RunDetailsQuery,
  RunQuery,
  ScenarioPage,
  ScenarioQuery,
  toModel,
  toModelMeasure,
  toOutput,
  toRun,
  toScenario,
} from './models.schemas.ts';
import { PageQuerySchema, readPage, sendPage } from './pagination.ts';
import type { RunDetailsService } from './run-details.service.ts';

const tags = ['models'];

/** Models, their scenarios, model measures and runs; a run by id is a composed read. */
export const modelApiRoutes: FastifyPluginAsyncTypebox<{ models: ModelsService; runDetails: RunDetailsService }> = async (
  app,
  { models, runDetails },
) => {
  app.get(
    '/models',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'listModels',
        summary: 'List models',
        querystring: PageQuerySchema,
        response: { 200: ModelPage, ...listErrors },
      },
    },
    async (request, reply) => sendPage(reply, await readPage(request.query, (page) => models.listModels(page)), toModel),
  );

  app.get(
    '/models/:name',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'getModel',
        summary: 'One model, by name',
        params: Type.Object({ name: NameParam }),
        response: { 200: ModelResource, ...readErrors },
      },
    },
    async (request) => {
      const model = await models.findModel(request.params.name);
      if (!model) throw notFound(`Model ${JSON.stringify(request.params.name)} does not exist`);
      return toModel(model);
    },
  );

  app.get(
    '/scenarios',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'listScenarios',
        summary: 'List model scenarios, optionally of one model',
        querystring: ScenarioQuery,
        response: { 200: ScenarioPage, ...listErrors },
      },
    },
    async (request, reply) => {
      const { model, ...paging } = request.query;
      return sendPage(reply, await readPage(paging, (page) => models.listScenarios({ ...page, modelName: model })), toScenario);
    },
  );

  app.get(
    '/model-measures',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'listModelMeasures',
        summary: 'List the measures model outputs are recorded in',
        querystring: PageQuerySchema,
        response: { 200: ModelMeasurePage, ...listErrors },
      },
    },
    async (request, reply) => sendPage(reply, await readPage(request.query, (page) => models.listMeasures(page)), toModelMeasure),
  );

  app.get(
    '/runs',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'listModelRuns',
        summary: 'List model runs, by model, scenario and time created (from/to inclusive)',
        querystring: RunQuery,
        response: { 200: ModelRunPage, ...listErrors },
      },
    },
    async (request, reply) => {
      const { model, scenario, from, to, ...paging } = request.query;
      const page = await readPage(paging, (p) => models.listRuns({ ...p, modelName: model, scenario, from, to }));
      return sendPage(reply, page, toRun);
    },
  );

  app.get(
    '/runs/:id',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'getModelRun',
        summary: 'One model run with its outputs and the matching observations, column-wise',
        description:
          'outputs: one {measure, units, datatype, timestamps, values} per output measure. observations: ' +
          "the readings of the run's sensor measure over the time range of its outputs (null when the run names " +
          'no sensor measure or has no output values).',
        params: Type.Object({ id: IdParam }),
        querystring: RunDetailsQuery,
        response: { 200: RunDetails, ...readErrors },
      },
    },
    async (request) => {
      const details = await runDetails.getRunDetails(request.params.id, {
        maxPoints: request.query.max_points ?? OBSERVATION_POINTS_DEFAULT,
      });
      if (!details) throw notFound(`Model run ${request.params.id} does not exist`);
      return { ...toRun(details.run), outputs: details.outputs.map(toOutput), observations: details.observations };
    },
  );
};
