import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { PassThrough } from 'node:stream';
import { ApiError } from '../../http/schemas.ts';
import { PgToolError } from '../../db/pg-tools.ts';
import { AppError } from '../../errors.ts';
import type { BackupService } from './backup.service.ts';

/**
 * GET /api/v1/backup: the running server takes a backup of its database and streams it. For an
 * embedded (PGlite) database this is the only consistent way while the server runs: the server
 * holds the data folder, and only it can copy the database between two queries.
 */
export const backupApiRoutes: FastifyPluginAsyncTypebox<{ backup: BackupService }> = async (app, { backup }) => {
  app.get(
    '/backup',
    {
      config: { access: 'backup:read' },
      schema: {
        tags: ['backup'],
        operationId: 'downloadBackup',
        summary: 'Download a backup of the whole database (`mirrorbase backup --url` calls this)',
        description: [
          'A Mirrorbase backup file, as `mirrorbase backup` writes it and `mirrorbase restore` reads it: every table,',
          'readings, entities, users with their password hashes and API keys with their hashes. For admins (and their',
          'API keys of scope read or read-write). On PostgreSQL the server runs pg_dump, which must be installed beside',
          'it (the image has it); the dump is taken before the answer starts, so a failure is a 5xx, never a short file.',
        ].join('\n'),
        response: {
          200: {
            description: 'the backup file (magic header, JSON header, pg_dump or PGlite payload, SHA-256 trailer)',
            content: { 'application/octet-stream': { schema: Type.String({ format: 'binary' }) } },
          },
          401: ApiError,
          403: ApiError,
          409: ApiError,
          503: ApiError,
        },
      },
    },
    async (request, reply) => {
      let prepared: Awaited<ReturnType<BackupService['prepare']>>;
      try {
        prepared = await backup.prepare();
      } catch (error) {
        // pg_dump missing or failing is the deployment's doing, said as such (not a 500).
        if (error instanceof PgToolError) throw new AppError('UNAVAILABLE', `the backup could not be taken: ${error.message}`);
        throw error;
      }
      const body = new PassThrough();
      prepared
        .writeTo(body)
        .then(() => body.end())
        .catch((error: unknown) => {
          request.log.error({ err: error }, 'backup stream failed');
          body.destroy(error as Error);
        })
        .finally(() => void prepared.dispose());
      const stamp = prepared.header.createdAt.replace(/[:.]/g, '-');
      // A stream, which the 200 schema (a binary string, for the OpenAPI document) cannot type.
      return (reply as FastifyReply)
        .header('content-type', 'application/octet-stream')
        .header('content-disposition', `attachment; filename="mirrorbase-${stamp}.backup"`)
        .header('cache-control', 'no-store')
        .send(body);
    },
  );
};
