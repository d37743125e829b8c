import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Database } from '../../db/database.ts';

/** Placeholder until the module lands: registers nothing. */
export const dtbaseLocationsRoutes: FastifyPluginAsyncTypebox<{ db: Database }> = async () => {};
