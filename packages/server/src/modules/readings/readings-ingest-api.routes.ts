import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Database } from '../../db/database.ts';

/** POST /api/v1/readings (bulk ingest). Placeholder until the ingest path lands: registers nothing. */
export const readingsIngestApiRoutes: FastifyPluginAsyncTypebox<{ db: Database }> = async () => {};
