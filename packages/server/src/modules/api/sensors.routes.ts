import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../errors.ts';
import type { SensorsService } from '../sensors/index.ts';
import { IdParam, NameParam, listErrors, readErrors } from './api.schemas.ts';
import { PageQuerySchema, readPage, sendPage } from './pagination.ts';
import type { SensorDetailsService } from './sensor-details.service.ts';
import {
  LocationSensorsResource,
  SensorDetailsResource,
  SensorMeasurePage,
  SensorPage,
  SensorQuery,
  SensorTypePage,
  SensorTypeResource,
  toCurrentLocation,
  toLocationSensor,
  toSensor,
  toSensorMeasure,
  toSensorType,
} from './sensors.schemas.ts';

const tags = ['sensors'];

/** Sensor types, sensor measures and sensors; a sensor by unique identifier is a composed read. */
export const sensorApiRoutes: FastifyPluginAsyncTypebox<{ sensors: SensorsService; sensorDetails: SensorDetailsService }> = async (
  app,
  { sensors, sensorDetails },
) => {
  app.get(
    '/sensor-types',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'listSensorTypes',
        summary: 'List sensor types with their measures',
        querystring: PageQuerySchema,
        response: { 200: SensorTypePage, ...listErrors },
      },
    },
    async (request, reply) => sendPage(reply, await readPage(request.query, (page) => sensors.listSensorTypes(page)), toSensorType),
  );

  app.get(
    '/sensor-types/:name',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'getSensorType',
        summary: 'One sensor type with its measures, by name',
        params: Type.Object({ name: NameParam }),
        response: { 200: SensorTypeResource, ...readErrors },
      },
    },
    async (request) => {
      const type = await sensors.findSensorType(request.params.name);
      if (!type) throw notFound(`Sensor type ${JSON.stringify(request.params.name)} does not exist`);
      return toSensorType(type);
    },
  );

  app.get(
    '/sensor-measures',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'listSensorMeasures',
        summary: 'List the measures sensors record',
        querystring: PageQuerySchema,
        response: { 200: SensorMeasurePage, ...listErrors },
      },
    },
    async (request, reply) => sendPage(reply, await readPage(request.query, (page) => sensors.listMeasures(page)), toSensorMeasure),
  );

  app.get(
    '/sensors',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'listSensors',
        summary: 'List sensors, optionally of one type',
        querystring: SensorQuery,
        response: { 200: SensorPage, ...listErrors },
      },
    },
    async (request, reply) => {
      const { type, ...paging } = request.query;
      return sendPage(reply, await readPage(paging, (page) => sensors.listSensors({ ...page, typeName: type })), toSensor);
    },
  );

  app.get(
    '/sensors/:uid',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'getSensor',
        summary: 'One sensor with its type, measures and their latest values, and its current location',
        params: Type.Object({ uid: NameParam }),
        response: { 200: SensorDetailsResource, ...readErrors },
      },
    },
    async (request) => {
      const details = await sensorDetails.getSensorDetails(request.params.uid);
      if (!details) throw notFound(`Sensor ${JSON.stringify(request.params.uid)} does not exist`);
      const { sensor, measures } = details;
      return {
        ...toSensor(sensor),
        type: { id: sensor.type.id, name: sensor.type.name, description: sensor.type.description },
        measures: measures.map((m) => ({ ...toSensorMeasure(m), latest: m.latest })),
        location: sensor.location && toCurrentLocation(sensor.location),
      };
    },
  );

  app.get(
    '/locations/:id/sensors',
    {
      config: { access: 'data:read' },
      schema: {
        tags: ['locations'],
        operationId: 'listLocationSensors',
        summary: 'The sensors installed at a location, past and present, newest installation first',
        description:
          'Every installation record at the location (POST /sensor/insert-sensor-location); current says whether the ' +
          'sensor is still there (no later installation elsewhere). Not paged: a place holds few installations.',
        params: Type.Object({ id: IdParam }),
        response: { 200: LocationSensorsResource, ...readErrors },
      },
    },
    async (request) => {
      const installations = await sensors.listInstallationsAt(request.params.id);
      if (!installations) throw notFound(`Location ${request.params.id} does not exist`);
      return { items: installations.map(toLocationSensor) };
    },
  );
};
