import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError } from '../../../errors.ts';
import { authErrors } from '../../../http/schemas.ts';
import { MAX_CSV_RECORD_CHARS } from './csv-readings.ts';
import type { ReadingsIngestApiService } from './readings-ingest-api.service.ts';
import type { StreamFormat } from './readings-stream.ts';
import { sensorWriteCheck } from './sensor-write-check.ts';
import { ApiError, IngestJsonBody, IngestSummary, type IngestJsonBody as IngestJsonBodyType } from '../readings.schemas.ts';

const tags = ['readings'];

/** Media types parsed from the request stream, line by line, never buffered whole. */
const STREAM_FORMATS: Record<string, StreamFormat> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
};

const TextBody = (description: string) => ({ schema: Type.Unsafe<unknown>({ description }) });

/** POST /api/v1/readings: bulk ingest of many series in one request. */
export const readingsIngestApiRoutes: FastifyPluginAsyncTypebox<{ service: ReadingsIngestApiService }> = async (app, { service }) => {
  const bodyLimitBytes = app.initialConfig.bodyLimit ?? 1024 * 1024;

  // CSV and NDJSON reach the handler as the raw request stream.
  app.addContentTypeParser(Object.keys(STREAM_FORMATS), (request, payload, done) => {
    const declared = Number(request.headers['content-length']);
    if (declared > bodyLimitBytes) {
      done(new AppError('PAYLOAD_TOO_LARGE', `Request body is larger than the limit of ${bodyLimitBytes} bytes`), undefined);
      return;
    }
    done(null, payload);
  });

  app.post(
    '',
    {
      config: { access: 'readings:write' },
      schema: {
        tags,
        operationId: 'ingestReadings',
        summary: 'Insert readings of many series in one request',
        description: [
          'One transaction: either everything valid is stored or nothing is. Readings whose (sensor, measure, timestamp)',
          'exist already are skipped and counted as duplicates. Every timestamp needs a UTC offset and must lie in the',
          'UTC years 1 to 9999. Float values must be within ±1e300 (rollups add them up in double precision).',
          '',
          '* `application/json`: `{"series": [{"sensor", "measure", "units"?, "timestamps": [...], "values": [...]}]}`',
          '* `application/x-ndjson`: one JSON object per line, a series as above or one reading',
          '  `{"sensor", "measure", "timestamp", "value"}`',
          '* `text/csv`: the header `sensor,measure,timestamp,value`, then one reading per line',
          '',
          'NDJSON and CSV are read as a stream; an error names the line. A CSV record (quoted line breaks included)',
          `may be at most ${MAX_CSV_RECORD_CHARS.toLocaleString('en-US')} characters: a stray quote is a 422 naming the line its record`,
          'started on, not a wait for the end of the body.',
          '',
          'A device key (scope ingest) may write only its own sensors: a request naming any other sensor is refused with 403',
          'and stores nothing, wherever in the body that sensor appears.',
        ].join('\n'),
        body: {
          content: {
            'application/json': { schema: IngestJsonBody },
            'application/x-ndjson': TextBody('one series or one reading per line'),
            'text/csv': TextBody('sensor,measure,timestamp,value'),
          },
        },
        response: {
          200: IngestSummary,
          400: ApiError,
          413: ApiError,
          415: ApiError,
          422: ApiError,
          ...authErrors,
        },
      } as never,
    },
    async (request) => {
      const mediaType = request.headers['content-type']?.split(';')[0].trim().toLowerCase() ?? '';
      const format = STREAM_FORMATS[mediaType];
      // A device key writes its own sensors only: checked per sensor, before anything is committed.
      const mayWrite = sensorWriteCheck(request.principal!);
      if (format) return service.ingestStream(format, request.body as Readable, mayWrite);
      // Per-media-type body schemas validate only the media types they list: anything else
      // (Fastify parses text/plain on its own) or no body at all must be refused here.
      if (request.body === undefined) {
        throw new AppError('VALIDATION_FAILED', 'A request body is required: JSON, NDJSON or CSV readings');
      }
      if (mediaType !== 'application/json') {
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Send application/json, application/x-ndjson or text/csv, not ${mediaType}`);
      }
      return service.ingestJson(request.body as IngestJsonBodyType, mayWrite);
    },
  );
};
