import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Database } from '../../db/database.ts';

/** The resource API under /api/v1. Placeholder until it lands: registers nothing. */
export const resourceApiRoutes: FastifyPluginAsyncTypebox<{ db: Database }> = async () => {};
