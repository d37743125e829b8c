import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../../services.ts';
import { keyApiRoutes, keyApiSchemas } from './keys.routes.ts';
import { locationApiRoutes, locationApiSchemas } from './locations.routes.ts';
import { modelApiRoutes } from './models.routes.ts';
import { modelApiSchemas } from './models.schemas.ts';
import { sensorApiRoutes } from './sensors.routes.ts';
import { sensorApiSchemas } from './sensors.schemas.ts';
import { serviceApiRoutes, serviceApiSchemas } from './services.routes.ts';
import { scheduleApiRoutes, scheduleApiSchemas } from '../schedules/schedules.routes.ts';
import { sessionApiRoutes } from './sessions.routes.ts';
import { skillApiRoutes } from './skill.routes.ts';
import { skillApiSchemas } from './skill.schemas.ts';
import { userApiRoutes, userApiSchemas } from './users.routes.ts';
import { backupApiRoutes } from '../backup/backup.routes.ts';

/** The named schemas of the resource API's routes (registered at the root, see app.ts). */
export const resourceApiSchemas = [
  ...userApiSchemas,
  ...keyApiSchemas,
  ...sensorApiSchemas,
  ...locationApiSchemas,
  ...serviceApiSchemas,
  ...scheduleApiSchemas,
  ...modelApiSchemas,
  ...skillApiSchemas,
];

/**
 * The resource API under /api/v1 (readings have their own mount points): GET reads over the
 * same services as the DTBase routes, one routes file per resource.
 */
export const resourceApiRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  await app.register(userApiRoutes, { users: services.users });
  await app.register(sessionApiRoutes, { sessions: services.sessions });
  await app.register(keyApiRoutes, { keys: services.apiKeys });
  await app.register(sensorApiRoutes, { sensors: services.sensors, sensorDetails: services.sensorDetails });
  await app.register(locationApiRoutes, { locations: services.locations });
  await app.register(serviceApiRoutes, { services: services.registry });
  await app.register(scheduleApiRoutes, { schedules: services.schedules, registry: services.registry });
  await app.register(modelApiRoutes, { models: services.models, runDetails: services.runDetails });
  await app.register(skillApiRoutes, { skill: services.skill });
  await app.register(backupApiRoutes, { backup: services.backup });
};
