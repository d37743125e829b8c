import type { Database } from '../../db/database.ts';
import { createEvents, type Events } from '../../events/events.ts';
import { createUsersService } from './users.service.ts';

/**
 * The users service on its own, for the CLI (the server builds it in services.ts). Its changes
 * are still published, so running servers drop the users they cached.
 */
export function usersModule(db: Database, events: Events = createEvents({ db })) {
  return createUsersService({ db, events });
}
