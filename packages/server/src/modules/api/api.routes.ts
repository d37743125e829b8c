import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/database.ts';
import { locationsModule } from '../locations/index.ts';
import { modelsModule } from '../models/index.ts';
import { readingsQueryModule } from '../readings/query/index.ts';
import { sensorsModule } from '../sensors/index.ts';
import { servicesModule } from '../services/index.ts';
import { usersModule } from '../users/index.ts';
import { locationApiRoutes } from './locations.routes.ts';
import { modelApiRoutes } from './models.routes.ts';
import { createRunDetailsService } from './run-details.service.ts';
import { createSensorDetailsService } from './sensor-details.service.ts';
import { sensorApiRoutes } from './sensors.routes.ts';
import { serviceApiRoutes } from './services.routes.ts';
import { userApiRoutes } from './users.routes.ts';

/**
 * The resource API under /api/v1 (readings have their own mount points): GET reads over the
 * same services as the DTBase routes, one routes file per resource.
 */
export const resourceApiRoutes: FastifyPluginAsyncTypebox<{ db: Database; config: Config }> = async (app, { db, config }) => {
  const models = modelsModule(db);
  const readings = readingsQueryModule(db);
  const sensors = sensorsModule(db);

  await app.register(userApiRoutes, { users: usersModule(db) });
  await app.register(sensorApiRoutes, { sensors, sensorDetails: createSensorDetailsService({ sensors, readings }) });
  await app.register(locationApiRoutes, { locations: locationsModule(db) });
  await app.register(serviceApiRoutes, { services: servicesModule(db, config) });
  await app.register(modelApiRoutes, { models, runDetails: createRunDetailsService({ models, readings }) });
};
