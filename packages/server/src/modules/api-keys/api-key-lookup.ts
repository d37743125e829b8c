import { AppError } from '../../errors.ts';
import type { Events } from '../../events/events.ts';
import { expiringAt, keyPrincipal, type Principal } from '../auth/permissions.ts';
import { hashApiKey } from './api-key-secret.ts';
import type { ApiKeysService, KeyWithUser } from './api-keys.service.ts';

/** How often, at most, one process records that a key was used. */
export const LAST_USED_EVERY_MS = 60_000;

export interface ApiKeyLookupOptions {
  keys: Pick<ApiKeysService, 'findByHash' | 'findById' | 'touch'>;
  events: Pick<Events, 'subscribe'>;
  now: () => Date;
  /** Upper bound on staleness should an invalidation ever be missed. */
  ttlMs?: number;
  maxEntries?: number;
  /** A last-used write failed (it is not retried: the next use a minute later writes again). */
  onError?: (error: unknown) => void;
}

/** A key as the cache keeps it: its principal built once, and what decides whether it may be used. */
interface Entry {
  id: number;
  ownerEmail: string;
  principal: Principal;
  expiresAt: number | null;
  revokedAt: Date | null;
  lastUsedAt: number | null;
  cachedUntil: number;
}

const refused = (detail: string) => new AppError('INVALID_API_KEY', detail);

/**
 * Resolves API keys (and tokens a key was exchanged for) to principals without a database round
 * trip per request, like the user lookup (user-lookup.ts): a key is cached by its hash and its
 * id, and dropped the moment any replica publishes a change of the key (revoked) or of its user
 * (role changed, deleted), or everything is dropped when the events port may have missed some.
 * Expiry is checked on every use against the clock, so an expired key fails at once everywhere.
 *
 * A use is recorded in last_used_at at most once a minute per key and process, by a write the
 * request does not wait for.
 */
export function createApiKeyLookup(options: ApiKeyLookupOptions) {
  const ttlMs = options.ttlMs ?? 30_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = () => options.now().getTime();
  const byHash = new Map<string, Entry>();
  const byId = new Map<number, Entry>();
  const inFlight = new Map<string, Promise<Entry | undefined>>();
  // Bumped by every invalidation: a load that started before one must not cache its answer.
  let generation = 0;
  /** When this process last wrote each key's last_used_at. */
  const lastWritten = new Map<number, number>();
  const writes = new Set<Promise<void>>();

  /** Drops every entry the predicate selects, from both indexes (invalidations are rare: a scan is fine). */
  function forget(selected: (entry: Entry) => boolean) {
    generation++;
    inFlight.clear();
    for (const index of [byHash, byId] as Map<unknown, Entry>[]) {
      for (const [cacheKey, entry] of index) if (selected(entry)) index.delete(cacheKey);
    }
  }

  options.events.subscribe((event) => {
    if (event.type === 'resync') forget(() => true);
    else if (event.type === 'entity.changed' && event.entity === 'api_key') forget((entry) => entry.id === Number(event.key));
    else if (event.type === 'entity.changed' && event.entity === 'user') forget((entry) => entry.ownerEmail === event.key);
  });

  /** Caches what was loaded, by id and, when it was looked up by its hash, by hash. */
  function remember(found: KeyWithUser, hash: string | undefined, started: number): Entry {
    const { key, user } = found;
    const entry: Entry = {
      id: key.id,
      ownerEmail: user.email,
      principal: expiringAt(
        keyPrincipal(user, { id: key.id, name: key.name, scope: key.scope, sensors: key.sensors ? new Set(key.sensors) : null }),
        key.expiresAt?.getTime(),
      ),
      expiresAt: key.expiresAt ? key.expiresAt.getTime() : null,
      revokedAt: key.revokedAt,
      lastUsedAt: key.lastUsedAt ? key.lastUsedAt.getTime() : null,
      cachedUntil: now() + ttlMs,
    };
    if (started === generation) {
      if (byId.size >= maxEntries) byId.delete(byId.keys().next().value as number);
      byId.set(entry.id, entry);
      if (hash !== undefined) {
        if (byHash.size >= maxEntries) byHash.delete(byHash.keys().next().value as string);
        byHash.set(hash, entry);
      }
    }
    return entry;
  }

  /** The cached entry, or one loaded once however many requests ask for it meanwhile. */
  async function cached(cacheKey: string, hit: Entry | undefined, load: () => Promise<KeyWithUser | undefined>, hash?: string) {
    if (hit && hit.cachedUntil > now()) return hit;
    let pending = inFlight.get(cacheKey);
    if (!pending) {
      const started = generation;
      const loading: Promise<Entry | undefined> = load()
        .then((found) => found && remember(found, hash, started))
        .finally(() => {
          if (inFlight.get(cacheKey) === loading) inFlight.delete(cacheKey);
        });
      pending = loading;
      inFlight.set(cacheKey, pending);
    }
    return pending;
  }

  /** Throws the 401 that says why the key cannot be used now. */
  function checkUsable(entry: Entry) {
    if (entry.revokedAt) throw refused('This API key was revoked');
    if (entry.expiresAt !== null && entry.expiresAt <= now()) {
      throw refused(`This API key expired at ${new Date(entry.expiresAt).toISOString()}`);
    }
  }

  function recordUse(entry: Entry) {
    const at = now();
    const last = lastWritten.get(entry.id) ?? entry.lastUsedAt;
    if (last !== null && last !== undefined && at - last < LAST_USED_EVERY_MS) return;
    if (lastWritten.size >= maxEntries) lastWritten.delete(lastWritten.keys().next().value as number);
    lastWritten.set(entry.id, at);
    const write: Promise<void> = options.keys
      .touch(entry.id, new Date(at))
      .catch((error) => options.onError?.(error))
      .finally(() => writes.delete(write));
    writes.add(write);
  }

  async function entryForKey(key: string): Promise<Entry | undefined> {
    const hash = hashApiKey(key);
    return cached(hash, byHash.get(hash), () => options.keys.findByHash(hash), hash);
  }

  return {
    /** The principal of a key sent with a request; a 401 saying why for an unknown, revoked or expired key. */
    async authenticate(key: string): Promise<Principal> {
      const entry = await entryForKey(key);
      if (!entry) throw refused('Invalid API key');
      checkUsable(entry);
      recordUse(entry);
      return entry.principal;
    },

    /**
     * A log-in with e-mail and key (DTBase's BaseIngress sends the key as the password): the
     * key's principal when the key belongs to that e-mail address; undefined when it does not
     * (the caller then tries the text as a password); a 401 when it does but cannot be used.
     */
    async logIn(email: string, key: string): Promise<Principal | undefined> {
      const entry = await entryForKey(key);
      if (!entry || entry.ownerEmail !== email) return undefined;
      checkUsable(entry);
      recordUse(entry);
      return entry.principal;
    },

    /** The principal of a token that a key was exchanged for: the key must still be usable, and its user's. */
    async principalForToken(keyId: number, email: string): Promise<Principal> {
      const entry = await cached(`id:${keyId}`, byId.get(keyId), () => options.keys.findById(keyId));
      if (!entry || entry.ownerEmail !== email) throw new AppError('INVALID_TOKEN', 'Could not validate credentials');
      checkUsable(entry);
      recordUse(entry);
      return entry.principal;
    },

    /** Waits for the last-used writes under way (before the database closes). */
    async flush(): Promise<void> {
      await Promise.all([...writes]);
    },
  };
}

export type ApiKeyLookup = ReturnType<typeof createApiKeyLookup>;
