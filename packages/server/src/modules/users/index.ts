import type { Database } from '../../db/database.ts';
import { usersRepository } from './users.repository.ts';
import { createUsersService } from './users.service.ts';

export function usersModule(db: Database) {
  return createUsersService({ repo: usersRepository(db) });
}
