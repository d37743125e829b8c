import type { Database } from '../../db/database.ts';
import type { Events } from '../../events/events.ts';
import { conflict, notFound, unprocessable } from '../../errors.ts';
import { isKeyScope, type KeyScope, type PrincipalUser } from '../auth/permissions.ts';
import { clipText } from '../shared/preview.ts';
import type { UsersService } from '../users/users.service.ts';
import { generateApiKey } from './api-key-secret.ts';
import { apiKeysRepository, type ApiKeyRow } from './api-keys.repository.ts';

export const MAX_KEY_NAME_CHARS = 100;
/** Sensors one device key may name: a key for a whole fleet is better a read-write key of a service account. */
export const MAX_KEY_SENSORS = 1000;

export interface NewApiKeyInput {
  /** E-mail address of the user the key acts for. */
  owner: string;
  name: string;
  scope: KeyScope;
  /** For the ingest scope (required, at least one): the unique identifiers of the sensors it may write. */
  sensors?: readonly string[] | null;
  expiresAt?: Date | null;
}

/** A key as listed: never its secret nor its hash; its user named by e-mail address. */
export type ApiKey = ApiKeyRow & { owner: string };

/** A key found for authentication, with the user it acts for. */
export interface KeyWithUser {
  key: ApiKeyRow;
  user: PrincipalUser;
}

/** Sensors the key names that do not exist (each is asked for: a device key names a few). */
async function missingSensors(sensors: readonly string[], sensorExists: (uid: string) => Promise<boolean>) {
  const missing: string[] = [];
  for (const uid of sensors) if (!(await sensorExists(uid))) missing.push(uid);
  return missing;
}

function checkedSensors(scope: KeyScope, sensors: readonly string[] | null | undefined): string[] | null {
  if (scope !== 'ingest') {
    if (sensors != null)
      throw unprocessable(`Only keys of the ingest scope name sensors; a ${scope} key reaches every sensor its user may`);
    return null;
  }
  if (!sensors || sensors.length === 0) throw unprocessable('A key of the ingest scope needs the sensors it may write (at least one)');
  const unique = [...new Set(sensors)];
  if (unique.length > MAX_KEY_SENSORS) throw unprocessable(`A key may name at most ${MAX_KEY_SENSORS} sensors`);
  if (unique.some((uid) => uid.length === 0)) throw unprocessable('A sensor identifier must not be empty');
  return unique;
}

/**
 * API keys: created for a user (the caller decides who may create for whom), listed, revoked.
 * The secret is returned once, by `create`, and only its hash is stored. Creation and
 * revocation are published on the events port: every replica's key cache drops the key.
 */
export function createApiKeysService(deps: {
  db: Database;
  events: Events;
  now: () => Date;
  users: Pick<UsersService, 'findByEmail' | 'findById' | 'findByIds'>;
  sensorExists: (uniqueIdentifier: string) => Promise<boolean>;
}) {
  const { db, events, users } = deps;
  const repo = apiKeysRepository(db);
  const changed = (id: number, action: 'created' | 'updated') =>
    events.publish(db, [{ type: 'entity.changed', entity: 'api_key', action, key: String(id) }]);

  async function ownerOf(email: string) {
    const user = await users.findByEmail(email);
    if (!user) throw notFound(`User ${JSON.stringify(clipText(email))} does not exist`);
    return user;
  }

  async function withOwners(rows: ApiKeyRow[]): Promise<ApiKey[]> {
    const owners = new Map((await users.findByIds([...new Set(rows.map((r) => r.userId))])).map((u) => [u.id, u.email]));
    // A key whose user is gone went with it (ON DELETE CASCADE); one deleted meanwhile is left out.
    return rows.filter((r) => owners.has(r.userId)).map((r) => ({ ...r, owner: owners.get(r.userId)! }));
  }

  return {
    /** A new key and its secret, which is never available again. */
    async create(input: NewApiKeyInput): Promise<{ key: ApiKey; secret: string }> {
      const name = input.name.trim();
      if (name.length === 0) throw unprocessable('A key needs a name');
      if (name.length > MAX_KEY_NAME_CHARS) throw unprocessable(`A key's name may be at most ${MAX_KEY_NAME_CHARS} characters`);
      if (!isKeyScope(input.scope)) throw unprocessable('The scope must be read, read-write or ingest');
      const sensors = checkedSensors(input.scope, input.sensors);
      const expiresAt = input.expiresAt ?? null;
      if (expiresAt && !(expiresAt.getTime() > deps.now().getTime())) throw unprocessable('expires_at must lie in the future');
      const owner = await ownerOf(input.owner);
      const missing = sensors ? await missingSensors(sensors, deps.sensorExists) : [];
      if (missing.length > 0) {
        throw unprocessable(
          `No sensor has the unique identifier ${missing
            .slice(0, 5)
            .map((uid) => JSON.stringify(clipText(uid)))
            .join(', ')}`,
        );
      }
      const secret = generateApiKey();
      const row = await repo.insert({
        userId: owner.id,
        name,
        prefix: secret.prefix,
        hash: secret.hash,
        scope: input.scope,
        sensors,
        expiresAt,
      });
      if (!row) throw conflict(`${owner.email} has a key named ${JSON.stringify(clipText(name))} already`);
      await changed(row.id, 'created');
      return { key: { ...row, owner: owner.email }, secret: secret.key };
    },

    /** Keys in id order (revoked ones too), of one user (by e-mail; 404 if none) or of everyone. */
    async list(options: { owner?: string; afterId?: number; limit?: number }): Promise<ApiKey[]> {
      const userId = options.owner === undefined ? undefined : (await ownerOf(options.owner)).id;
      return withOwners(await repo.list({ ...options, ...(userId === undefined ? {} : { userId }) }));
    },

    async find(id: number): Promise<ApiKey | undefined> {
      const row = await repo.findById(id);
      return row && (await withOwners([row]))[0];
    },

    /** Revokes the key (at once, on every replica); revoking a revoked key changes nothing. */
    async revoke(id: number): Promise<ApiKey> {
      const revoked = await repo.revoke(id, deps.now());
      if (revoked) await changed(id, 'updated');
      const key = revoked ?? (await repo.findById(id));
      const withOwner = key && (await withOwners([key]))[0];
      if (!withOwner) throw notFound(`API key ${id} does not exist`);
      return withOwner;
    },

    /** For authentication: the key with this hash and its user, whatever the key's state. */
    findByHash: async (hash: string) => keyWithUser(await repo.findByHash(hash)),

    /** For tokens a key was exchanged for: the key and its user. */
    findById: async (id: number) => keyWithUser(await repo.findById(id)),

    /** Records a use (see api-key-lookup.ts for how seldom). */
    touch: (id: number, at: Date) => repo.touch(id, at),
  };

  async function keyWithUser(key: ApiKeyRow | undefined): Promise<KeyWithUser | undefined> {
    if (!key) return undefined;
    const user = await users.findById(key.userId);
    return user && { key, user: { id: user.id, email: user.email, role: user.role } };
  }
}

export type ApiKeysService = ReturnType<typeof createApiKeysService>;
