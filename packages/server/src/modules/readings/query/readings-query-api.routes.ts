import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { readErrors } from '../../api/api.schemas.ts';
import { sendPrepared } from '../send-prepared.ts';
import type { ReadingsQueryService } from './readings-query.service.ts';
import { LatestAnswer, LatestQuery, ReadingsQuery, ReadingsSeries } from './readings-query.schemas.ts';

const tags = ['readings'];

const wantsCsv = (format: string | undefined, accept: string | undefined) =>
  format === 'csv' || (format === undefined && /\btext\/csv\b/.test(accept ?? ''));

/** GET /api/v1/readings and /latest: the read half of the time-series engine. */
export const readingsQueryApiRoutes: FastifyPluginAsyncTypebox<{ readings: ReadingsQueryService }> = async (app, { readings }) => {
  app.get(
    '/',
    {
      config: { access: 'readings:read' },
      schema: {
        tags,
        operationId: 'readReadings',
        summary: 'Read one series over a time range: raw, downsampled (max_points) or in calendar buckets',
        description:
          'Column-wise JSON ({"timestamps": [...], "values": [...]}) built by the database. ' +
          'Raw answers hold at most 1,000,000 points (422 beyond) and stream page by page. With Accept: text/csv ' +
          'or format=csv, the raw points stream as CSV ("timestamp,value"), without a cap.',
        querystring: ReadingsQuery,
        response: { 200: ReadingsSeries, ...readErrors },
      },
    },
    async (request, reply) => {
      if (wantsCsv(request.query.format, request.headers.accept)) {
        const { filename, chunks } = await readings.csv(request.query);
        reply.header('content-disposition', `attachment; filename="${filename}"`);
        return sendPrepared(request, reply, 'text/csv; charset=utf-8', { chunks });
      }
      // Text PostgreSQL wrote, whole or page by page; sent as it is, never serialised.
      return sendPrepared(request, reply, 'application/json; charset=utf-8', await readings.open(request.query));
    },
  );

  app.get(
    '/latest',
    {
      config: { access: 'readings:read' },
      schema: {
        tags,
        operationId: 'readLatestReadings',
        summary: 'The latest value of each measure of a sensor, or of every sensor of a type',
        querystring: LatestQuery,
        response: { 200: LatestAnswer, ...readErrors },
      },
    },
    async (request) => readings.latest(request.query),
  );
};
