import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/database.ts';

/** Placeholder until the module lands: registers nothing. */
export const dtbaseServicesRoutes: FastifyPluginAsyncTypebox<{ db: Database; config: Config }> = async () => {};
