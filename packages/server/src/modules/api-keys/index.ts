import type { Database } from '../../db/database.ts';
import { createEvents, type Events } from '../../events/events.ts';
import { createLocationsService } from '../locations/locations.service.ts';
import { createSensorsService } from '../sensors/sensors.service.ts';
import { createUsersService } from '../users/users.service.ts';
import { createApiKeysService } from './api-keys.service.ts';

/**
 * The API keys service on its own, for the CLI (the server builds it in services.ts). Its
 * changes are still published, so a key revoked here stops working on running servers at once.
 */
export function apiKeysModule(db: Database, events: Events = createEvents({ db })) {
  const users = createUsersService({ db, events });
  const sensors = createSensorsService({ db, events, locations: createLocationsService({ db, events }) });
  return createApiKeysService({
    db,
    events,
    now: () => new Date(),
    users,
    sensorExists: async (uid) => (await sensors.findSensor(uid)) !== undefined,
  });
}
