import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Detail, ValidationFailed, authErrors } from '../../http/schemas.ts';
import { flattenLocation } from '../locations/locations.dtbase.ts';
import type { SensorsService } from './sensors.service.ts';
import type { MeasureRow, SensorTypeWithMeasures } from './sensors.repository.ts';
import {
  EditSensorBody,
  InsertSensorBody,
  InsertSensorLocationBody,
  ListSensorsBody,
  SensorLocationOut,
  SensorMeasureOut,
  SensorOut,
  SensorTypeBody,
  SensorTypeOut,
  TypeName,
  UniqueIdentifier,
} from './sensors.schemas.ts';

const tags = ['sensor (DTBase)'];

const measureOut = ({ name, units, datatype }: MeasureRow) => ({ name, units, datatype });
const typeOut = (type: SensorTypeWithMeasures) => ({
  name: type.name,
  description: type.description,
  measures: type.measures.map(measureOut),
});

/**
 * DTBase's /sensor routes for sensor metadata. The two readings routes (insert-sensor-readings,
 * sensor-readings) are registered at the same prefix by the readings module.
 */
export const dtbaseSensorsRoutes: FastifyPluginAsyncTypebox<{ sensors: SensorsService }> = async (app, { sensors }) => {
  app.post(
    '/insert-sensor-type',
    {
      config: { access: 'data:write' },
      schema: {
        tags,
        operationId: 'dtbaseInsertSensorType',
        summary: 'Create a sensor type; its measures are created or reused by name and units',
        body: SensorTypeBody,
        response: { 201: Detail, 409: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request, reply) => {
      await sensors.insertSensorType(request.body);
      return reply.status(201).send({ detail: 'Sensor type inserted' });
    },
  );

  app.post(
    '/insert-sensor',
    {
      config: { access: 'data:write' },
      schema: {
        tags,
        operationId: 'dtbaseInsertSensor',
        summary: 'Create a sensor of an existing type',
        body: InsertSensorBody,
        response: { 201: Detail, 400: Detail, 409: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request, reply) => {
      const { type_name, unique_identifier, name, notes } = request.body;
      await sensors.insertSensor({ typeName: type_name, uniqueIdentifier: unique_identifier, name, notes });
      return reply.status(201).send({ detail: 'Sensor inserted' });
    },
  );

  app.post(
    '/insert-sensor-location',
    {
      config: { access: 'data:write' },
      schema: {
        tags,
        operationId: 'dtbaseInsertSensorLocation',
        summary: 'Record that a sensor was installed at a location (default: now)',
        body: InsertSensorLocationBody,
        response: { 201: Detail, 400: Detail, 409: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request, reply) => {
      const { unique_identifier, schema_name, coordinates, installation_datetime } = request.body;
      await sensors.insertSensorLocation({
        uniqueIdentifier: unique_identifier,
        schemaName: schema_name,
        coordinates,
        installationDatetime: installation_datetime,
      });
      return reply.status(201).send({ detail: 'Sensor location inserted' });
    },
  );

  app.post(
    '/list-sensor-locations',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'dtbaseListSensorLocations',
        summary: "A sensor's installations, newest first",
        body: UniqueIdentifier,
        response: { 200: Type.Array(SensorLocationOut), 422: ValidationFailed, ...authErrors },
      },
    },
    async (request) =>
      (await sensors.listSensorLocations(request.body.unique_identifier)).map((row) => ({
        ...flattenLocation({ id: row.locationId, coordinates: row.coordinates }),
        installation_datetime: row.installationDatetime,
      })),
  );

  app.post(
    '/list-sensors',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'dtbaseListSensors',
        summary: 'List sensors, optionally of one type',
        body: ListSensorsBody,
        response: { 200: Type.Array(SensorOut), 422: ValidationFailed, ...authErrors },
      },
    },
    async (request) =>
      (await sensors.listSensors({ typeName: request.body.type_name ?? null })).map((s) => ({
        unique_identifier: s.uniqueIdentifier,
        name: s.name,
        notes: s.notes,
      })),
  );

  app.get(
    '/list-sensor-types',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'dtbaseListSensorTypes',
        summary: 'List sensor types with their measures',
        response: { 200: Type.Array(SensorTypeOut), ...authErrors },
      },
    },
    async () => (await sensors.listSensorTypes()).map(typeOut),
  );

  app.get(
    '/list-measures',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'dtbaseListMeasures',
        summary: 'List sensor measures',
        response: { 200: Type.Array(SensorMeasureOut), ...authErrors },
      },
    },
    async () => (await sensors.listMeasures()).map(measureOut),
  );

  app.post(
    '/delete-sensor',
    {
      config: { access: 'data:write' },
      schema: {
        tags,
        operationId: 'dtbaseDeleteSensor',
        summary: 'Delete a sensor with its installations and readings',
        body: UniqueIdentifier,
        response: { 200: Detail, 400: Detail, 409: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request) => {
      await sensors.deleteSensor(request.body.unique_identifier);
      return { detail: 'Sensor deleted' };
    },
  );

  app.post(
    '/delete-sensor-type',
    {
      config: { access: 'data:write' },
      schema: {
        tags,
        operationId: 'dtbaseDeleteSensorType',
        summary: 'Delete a sensor type that no sensor has',
        body: TypeName,
        response: { 200: Detail, 400: Detail, 409: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request) => {
      await sensors.deleteSensorType(request.body.type_name);
      return { detail: 'Sensor type deleted' };
    },
  );

  app.post(
    '/edit-sensor',
    {
      config: { access: 'data:write' },
      schema: {
        tags,
        operationId: 'dtbaseEditSensor',
        summary: "Set a sensor's name and notes",
        body: EditSensorBody,
        response: { 200: Detail, 400: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request) => {
      await sensors.editSensor(request.body.unique_identifier, { name: request.body.name, notes: request.body.notes });
      return { detail: 'Sensor edited' };
    },
  );
};
