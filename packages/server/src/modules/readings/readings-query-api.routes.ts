import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Database } from '../../db/database.ts';

/** GET /api/v1/readings and /latest. Placeholder until the query path lands: registers nothing. */
export const readingsQueryApiRoutes: FastifyPluginAsyncTypebox<{ db: Database }> = async () => {};
