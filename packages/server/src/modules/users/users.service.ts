import { conflict, missingRecord, unprocessable } from '../../errors.ts';
import { decoyPasswordHash, hashPassword, verifyPassword } from '../auth/passwords.ts';
import type { Role } from '../auth/permissions.ts';
import type { Database } from '../../db/database.ts';
import type { Events } from '../../events/events.ts';
import { usersRepository, type UserRow, type UsersRepository } from './users.repository.ts';

export const DEFAULT_USER_EMAIL = 'default_user@localhost';

// DTBase's rule (a full match), kept so that the same addresses are accepted; DTBase crashed
// with a 500 on anything else, we answer 422.
const EMAIL_PATTERN = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+$/;
const MAX_PASSWORD_LENGTH = 1024;

function checkEmail(email: string) {
  if (!EMAIL_PATTERN.test(email)) unprocessableEmail(email);
}
function unprocessableEmail(email: string): never {
  throw unprocessable(`Invalid email address: ${JSON.stringify(email)}`);
}
function checkPassword(password: string) {
  if (password.length === 0) throw unprocessable('Password must not be empty');
  if (password.length > MAX_PASSWORD_LENGTH) throw unprocessable(`Password must be at most ${MAX_PASSWORD_LENGTH} characters`);
}

export function createUsersService(deps: { db: Database; events: Events; clock?: () => Date }) {
  const { db, events } = deps;
  const clock = deps.clock ?? (() => new Date());
  const repo = usersRepository(db);
  // Tokens carry their issue time in milliseconds (sessions.service.ts): a revocation now
  // refuses every token issued up to this millisecond, and none issued after it.
  const nextMillisecond = () => new Date(clock().getTime() + 1).toISOString();
  // Caches of users (the token check's, with tokens_valid_after) on every replica drop the user on these.
  const changed = (email: string, action: 'created' | 'updated' | 'deleted') =>
    events.publish(db, [{ type: 'entity.changed', entity: 'user', action, key: email }]);

  /**
   * Nobody could manage users any more: a deletion or demotion that would leave no admin is
   * refused. The check and the write run in one transaction holding the admin rows, so two
   * admins demoting each other at the same moment cannot both see the other one left.
   */
  function keepingAnAdmin<T>(
    email: string,
    action: 'delete' | 'demote' | undefined,
    write: (tx: UsersRepository) => Promise<T>,
  ): Promise<T> {
    return db.transaction(async (tx) => {
      const txRepo = usersRepository(tx);
      if (action) {
        const admins = await txRepo.lockAdmins();
        if (admins.includes(email) && admins.length <= 1) throw conflict(`Cannot ${action} ${email}: it is the last admin`);
      }
      return write(txRepo);
    });
  }
  const demotion = (role: Role | undefined) => (role === undefined || role === 'admin' ? undefined : 'demote');

  return {
    async listEmails(): Promise<string[]> {
      return (await repo.list()).map((u) => u.email);
    },

    list: (options: { afterId?: number; limit?: number }) => repo.list(options),

    findByEmail: (email: string) => repo.findByEmail(email),

    findById: (id: number) => repo.findById(id),

    findByIds: async (ids: readonly number[]): Promise<UserRow[]> => (ids.length === 0 ? [] : repo.findByIds(ids)),

    /** A new user with its role (callers choose the default: DTBase's route makes admins). */
    async create(email: string, password: string, role: Role): Promise<UserRow> {
      checkEmail(email);
      checkPassword(password);
      if (await repo.findByEmail(email)) throw conflict('User already exists');
      const user = await repo.insert(email, await hashPassword(password), role, nextMillisecond());
      if (!user) throw conflict('User already exists');
      await changed(email, 'created');
      return user;
    },

    async delete(email: string): Promise<void> {
      if (!(await keepingAnAdmin(email, 'delete', (tx) => tx.delete(email)))) throw missingRecord("User doesn't exist");
      await changed(email, 'deleted');
    },

    async setRole(email: string, role: Role): Promise<void> {
      if (!(await keepingAnAdmin(email, demotion(role), (tx) => tx.setRole(email, role)))) throw missingRecord("User doesn't exist");
      await changed(email, 'updated');
    },

    /**
     * Sets a user's role and/or password, all checked before either is written: a refused
     * demotion (the last admin) or a refused password leaves both as they were.
     */
    async update(email: string, change: { role?: Role; password?: string }): Promise<void> {
      if (change.password !== undefined) checkPassword(change.password);
      if (!(await repo.findByEmail(email))) throw missingRecord("User doesn't exist");
      // Hashed before the transaction: the slow step holds no lock and cannot fail between the writes.
      const passwordHash = change.password === undefined ? undefined : await hashPassword(change.password);
      const { role } = change;
      await keepingAnAdmin(email, demotion(role), async (tx) => {
        if (role !== undefined) await tx.setRole(email, role);
        if (passwordHash !== undefined) await tx.updatePassword(email, passwordHash, nextMillisecond());
      });
      await changed(email, 'updated');
    },

    /** A new password ends every session of the user (its tokens are refused from now on). */

    async changePassword(email: string, password: string): Promise<void> {
      checkPassword(password);
      if (!(await repo.findByEmail(email))) throw missingRecord("User doesn't exist");
      await repo.updatePassword(email, await hashPassword(password), nextMillisecond());
      await changed(email, 'updated');
    },

    /**
     * Ends every session of the user: each token issued so far is refused, on every replica.
     * False when there is no such user (whose tokens are refused anyway).
     */
    async revokeTokens(email: string): Promise<boolean> {
      if (!(await repo.revokeTokens(email, nextMillisecond()))) return false;
      await changed(email, 'updated');
      return true;
    },

    /** The user if e-mail and password match, otherwise undefined (in constant-ish time). */
    async authenticate(email: string, password: string): Promise<UserRow | undefined> {
      const user = await repo.findByEmail(email);
      const ok = await verifyPassword(user?.passwordHash ?? (await decoyPasswordHash()), password);
      return user && ok ? user : undefined;
    },

    /**
     * DTBase's start-up rule: with a default password configured, default_user@localhost
     * exists with that password; without one, that account is removed.
     */
    async applyDefaultUser(password: string | undefined): Promise<'set' | 'removed'> {
      if (password) {
        const user = await repo.findByEmail(DEFAULT_USER_EMAIL);
        // Re-hash only when the password changed, so replicas starting together agree cheaply.
        if (!user || !(await verifyPassword(user.passwordHash, password))) {
          await repo.upsertPassword(DEFAULT_USER_EMAIL, await hashPassword(password), nextMillisecond());
          await changed(DEFAULT_USER_EMAIL, user ? 'updated' : 'created');
        }
        return 'set';
      }
      if (await repo.delete(DEFAULT_USER_EMAIL)) await changed(DEFAULT_USER_EMAIL, 'deleted');
      return 'removed';
    },

    count: () => repo.count(),
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
