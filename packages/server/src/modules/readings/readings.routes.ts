import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Detail, ValidationFailed, authErrors } from '../../http/schemas.ts';
import { sensorWriteCheck } from './ingest/sensor-write-check.ts';
import { InsertSensorReadings, SensorReadingList, SensorReadingsRange } from './readings.schemas.ts';
import type { DtbaseReadingsService } from './readings.service.ts';
import { sendPrepared } from './send-prepared.ts';

const tags = ['sensor (DTBase)'];

/** DTBase's readings routes under /sensor: insert one series, read one range. */
export const dtbaseReadingsRoutes: FastifyPluginAsyncTypebox<{ readings: DtbaseReadingsService }> = async (app, { readings }) => {
  app.post(
    '/insert-sensor-readings',
    {
      config: { access: 'readings:write' },
      schema: {
        tags,
        operationId: 'dtbaseInsertSensorReadings',
        summary: 'Insert readings of one measure of a sensor',
        description:
          'Readings whose (sensor, measure, timestamp) exist already are skipped. Timestamps without an offset are UTC ' +
          'and must lie in the UTC years 1 to 9999. Float values must be within ±1e300 (rollups add them up in double precision). ' +
          'A device key (scope ingest) may write only its own sensors (403 for any other).',
        body: InsertSensorReadings,
        response: { 201: Detail, 400: Detail, 413: Detail, 415: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request, reply) => {
      await readings.insert(request.body, sensorWriteCheck(request.principal!));
      return reply.status(201).send({ detail: 'Sensor readings inserted' });
    },
  );

  app.post(
    '/sensor-readings',
    {
      config: { access: 'readings:read' },
      schema: {
        tags,
        operationId: 'dtbaseSensorReadings',
        summary: 'Readings of one measure of a sensor between two datetimes (both inclusive)',
        body: SensorReadingsRange,
        response: { 200: SensorReadingList, 400: Detail, 415: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request, reply) => {
      // JSON text PostgreSQL wrote, page by page: sent as it is, never parsed.
      return sendPrepared(request, reply, 'application/json; charset=utf-8', await readings.range(request.body));
    },
  );
};
