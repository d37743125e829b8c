import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Database } from '../../db/database.ts';

/** /api/v1/readings. Placeholder until the time-series engine lands: registers nothing. */
export const readingsApiRoutes: FastifyPluginAsyncTypebox<{ db: Database }> = async () => {};
