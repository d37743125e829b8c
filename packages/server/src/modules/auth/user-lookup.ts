import type { Events } from '../../events/events.ts';
import type { UsersService } from '../users/users.service.ts';

import type { PrincipalUser } from './permissions.ts';

/** A user as the token check needs it: who it is, and since when its tokens are valid. */
export interface SessionUser extends PrincipalUser {
  /** tokens_valid_after in milliseconds: a token whose `iat_ms` is before it is refused. */
  tokensValidAfterMs: number;
}

export interface UserLookupOptions {
  users: Pick<UsersService, 'findByEmail'>;
  events: Pick<Events, 'subscribe'>;
  /** Upper bound on staleness should an invalidation ever be missed. */
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

/**
 * Resolves a token's subject to its user without a database round trip per request: the user
 * is cached, with its tokens_valid_after, and dropped the moment any replica publishes a change
 * of that user (deletion, new password, logout, role) through the events port, or everything is dropped when the port lost its
 * connection and may have missed events. Only users that exist are cached.
 */
export function createUserLookup(options: UserLookupOptions) {
  const ttlMs = options.ttlMs ?? 30_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { user: SessionUser; expires: number }>();
  const inFlight = new Map<string, Promise<SessionUser | undefined>>();
  // Bumped by every invalidation: a lookup that started before one must not cache its answer.
  let generation = 0;

  options.events.subscribe((event) => {
    // A lookup still in flight may have read the old row: later callers must not join it.
    if (event.type === 'resync') {
      generation++;
      cache.clear();
      inFlight.clear();
    } else if (event.type === 'entity.changed' && event.entity === 'user') {
      generation++;
      cache.delete(event.key);
      inFlight.delete(event.key);
    }
  });

  async function load(email: string): Promise<SessionUser | undefined> {
    const started = generation;
    const row = await options.users.findByEmail(email);
    const user = row && { id: row.id, email: row.email, role: row.role, tokensValidAfterMs: row.tokensValidAfter.getTime() };
    if (user && started === generation) {
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
      cache.set(email, { user, expires: now() + ttlMs });
    }
    return user;
  }

  return {
    async findByEmail(email: string): Promise<SessionUser | undefined> {
      const hit = cache.get(email);
      if (hit && hit.expires > now()) return hit.user;
      let pending = inFlight.get(email);
      if (!pending) {
        const started = load(email).finally(() => {
          if (inFlight.get(email) === started) inFlight.delete(email);
        });
        pending = started;
        inFlight.set(email, pending);
      }
      return pending;
    },
  };
}

export type UserLookup = ReturnType<typeof createUserLookup>;
