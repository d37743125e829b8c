import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { missingRecord } from '../../errors.ts';
import { Detail, ValidationFailed, authErrors } from '../../http/schemas.ts';
import type { ModelsService } from './models.service.ts';
import { toDtbaseMeasure, toDtbaseRun, toDtbaseRunOutputs, toDtbaseRunSensorMeasure, toDtbaseScenario } from './models.dtbase.ts';
import {
  InsertRunBody,
  ListRunsBody,
  MeasureBody,
  MeasureList,
  MeasureNameBody,
  ModelBody,
  ModelList,
  RunIdBody,
  RunList,
  RunOutputs,
  RunSensorMeasure,
  ScenarioBody,
  ScenarioList,
} from './models.schemas.ts';

const tags = ['model (DTBase)'];
const readAccess = { access: 'data:read' } as const;
const writeAccess = { access: 'data:write' } as const;

/** DTBase's /model routes: models, their scenarios, output measures, and runs with their outputs. */
export const dtbaseModelsRoutes: FastifyPluginAsyncTypebox<{ models: ModelsService }> = async (app, { models }) => {
  app.post(
    '/insert-model',
    {
      config: writeAccess,
      schema: {
        tags,
        operationId: 'dtbaseInsertModel',
        summary: 'Insert a model',
        body: ModelBody,
        response: { 201: Detail, 409: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request, reply) => {
      await models.insertModel(request.body.name);
      return reply.status(201).send({ detail: 'Model inserted' });
    },
  );

  app.get(
    '/list-models',
    {
      config: readAccess,
      schema: { tags, operationId: 'dtbaseListModels', summary: 'List models', response: { 200: ModelList, ...authErrors } },
    },
    async () => (await models.listModels()).map((m) => ({ name: m.name })),
  );

  app.post(
    '/delete-model',
    {
      config: writeAccess,
      schema: {
        tags,
        operationId: 'dtbaseDeleteModel',
        summary: 'Delete a model with its scenarios, runs and outputs',
        body: ModelBody,
        response: { 200: Detail, 400: Detail, 409: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request) => {
      await models.deleteModel(request.body.name);
      return { detail: 'Model deleted' };
    },
  );

  app.post(
    '/insert-model-scenario',
    {
      config: writeAccess,
      schema: {
        tags,
        operationId: 'dtbaseInsertModelScenario',
        summary: 'Insert a scenario of a model',
        body: ScenarioBody,
        response: { 201: Detail, 400: Detail, 409: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request, reply) => {
      await models.insertScenario(request.body.model_name, request.body.description ?? null);
      return reply.status(201).send({ detail: 'Model scenario inserted' });
    },
  );

  app.get(
    '/list-model-scenarios',
    {
      config: readAccess,
      schema: {
        tags,
        operationId: 'dtbaseListModelScenarios',
        summary: 'List model scenarios',
        response: { 200: ScenarioList, ...authErrors },
      },
    },
    async () => (await models.listScenarios()).map(toDtbaseScenario),
  );

  app.post(
    '/delete-model-scenario',
    {
      config: writeAccess,
      schema: {
        tags,
        operationId: 'dtbaseDeleteModelScenario',
        summary: 'Delete a model scenario with its runs and outputs',
        body: ScenarioBody,
        response: { 200: Detail, 400: Detail, 409: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request) => {
      await models.deleteScenario(request.body.model_name, request.body.description ?? null);
      return { detail: 'Model scenario deleted' };
    },
  );

  app.post(
    '/insert-model-measure',
    {
      config: writeAccess,
      schema: {
        tags,
        operationId: 'dtbaseInsertModelMeasure',
        summary: 'Insert a measure that model outputs are recorded in',
        body: MeasureBody,
        response: { 201: Detail, 409: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request, reply) => {
      await models.insertMeasure(request.body);
      return reply.status(201).send({ detail: 'Model measure inserted' });
    },
  );

  app.get(
    '/list-model-measures',
    {
      config: readAccess,
      schema: {
        tags,
        operationId: 'dtbaseListModelMeasures',
        summary: 'List model measures',
        response: { 200: MeasureList, ...authErrors },
      },
    },
    async () => (await models.listMeasures()).map(toDtbaseMeasure),
  );

  app.post(
    '/delete-model-measure',
    {
      config: writeAccess,
      schema: {
        tags,
        operationId: 'dtbaseDeleteModelMeasure',
        summary: 'Delete a model measure no run uses',
        body: MeasureNameBody,
        response: { 200: Detail, 400: Detail, 409: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request) => {
      await models.deleteMeasure(request.body.name);
      return { detail: 'Model measure deleted' };
    },
  );

  app.post(
    '/insert-model-run',
    {
      config: writeAccess,
      schema: {
        tags,
        operationId: 'dtbaseInsertModelRun',
        summary: 'Insert a model run with its outputs',
        body: InsertRunBody,
        response: { 201: Detail, 400: Detail, 409: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request, reply) => {
      const body = request.body;
      await models.insertRun({
        modelName: body.model_name,
        scenarioDescription: body.scenario_description,
        outputs: body.measures_and_values.map((m) => ({ measureName: m.measure_name, values: m.values, timestamps: m.timestamps })),
        timeCreated: body.time_created,
        createScenario: body.create_scenario,
        sensorUniqueId: body.sensor_unique_id,
        sensorMeasure: body.sensor_measure,
      });
      return reply.status(201).send({ detail: 'Model run inserted' });
    },
  );

  app.post(
    '/list-model-runs',
    {
      config: readAccess,
      schema: {
        tags,
        operationId: 'dtbaseListModelRuns',
        summary: 'List the runs of a model, by default those of the last seven days',
        body: ListRunsBody,
        response: { 200: RunList, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request) => {
      const runs = await models.listRecentRuns({
        modelName: request.body.model_name,
        from: request.body.dt_from,
        to: request.body.dt_to,
        scenario: request.body.scenario,
      });
      return runs.map(toDtbaseRun);
    },
  );

  app.post(
    '/get-model-run',
    {
      config: readAccess,
      schema: {
        tags,
        operationId: 'dtbaseGetModelRun',
        summary: 'The outputs of a model run by measure ({} for an unknown run)',
        body: RunIdBody,
        response: { 200: RunOutputs, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request) => toDtbaseRunOutputs(await models.listRunOutputs(request.body.run_id)),
  );

  app.post(
    '/get-model-run-sensor-measure',
    {
      config: readAccess,
      schema: {
        tags,
        operationId: 'dtbaseGetModelRunSensorMeasure',
        summary: 'The sensor and sensor measure a model run is compared with',
        body: RunIdBody,
        response: { 200: RunSensorMeasure, 400: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request) => {
      const run = await models.findRun(request.body.run_id);
      if (!run) throw missingRecord('No such model run');
      return toDtbaseRunSensorMeasure(run);
    },
  );
};
