import type { Queryable } from '../../db/database.ts';
import type { KeyScope } from '../auth/permissions.ts';

export interface ApiKeyRow {
  id: number;
  userId: number;
  name: string;
  prefix: string;
  scope: KeyScope;
  /** An ingest key's sensors; null for other scopes. */
  sensors: string[] | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface NewApiKeyRow {
  userId: number;
  name: string;
  prefix: string;
  hash: string;
  scope: KeyScope;
  sensors: string[] | null;
  expiresAt: Date | null;
}

// Never the hash: nothing outside this file needs it once a key is found by it.
const KEY_COLUMNS = `id, user_id AS "userId", name, prefix, scope, sensors, expires_at AS "expiresAt",
  last_used_at AS "lastUsedAt", created_at AS "createdAt", revoked_at AS "revokedAt"`;

const isoOrNull = (date: Date | null) => (date ? date.toISOString() : null);

/** All the SQL of the api_key table. */
export function apiKeysRepository(db: Queryable) {
  return {
    /** Inserts the key; undefined when the user has a key in use by that name already. */
    async insert(key: NewApiKeyRow): Promise<ApiKeyRow | undefined> {
      const rows = await db.query<ApiKeyRow>(
        `INSERT INTO api_key (user_id, name, prefix, secret_hash, scope, sensors, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6::text[], $7::text::timestamptz)
         ON CONFLICT (user_id, name) WHERE revoked_at IS NULL DO NOTHING
         RETURNING ${KEY_COLUMNS}`,
        [key.userId, key.name, key.prefix, key.hash, key.scope, key.sensors, isoOrNull(key.expiresAt)],
      );
      return rows[0];
    },

    async findByHash(hash: string): Promise<ApiKeyRow | undefined> {
      const rows = await db.query<ApiKeyRow>(`SELECT ${KEY_COLUMNS} FROM api_key WHERE secret_hash = $1`, [hash]);
      return rows[0];
    },

    async findById(id: number): Promise<ApiKeyRow | undefined> {
      const rows = await db.query<ApiKeyRow>(`SELECT ${KEY_COLUMNS} FROM api_key WHERE id = $1`, [id]);
      return rows[0];
    },

    /** Keys in id order after `afterId`, of one user or of everyone (revoked ones included). */
    list(options: { userId?: number; afterId?: number; limit?: number }): Promise<ApiKeyRow[]> {
      return db.query<ApiKeyRow>(
        `SELECT ${KEY_COLUMNS} FROM api_key WHERE ($1::int IS NULL OR user_id = $1) AND id > $2 ORDER BY id LIMIT $3`,
        [options.userId ?? null, options.afterId ?? 0, options.limit ?? null],
      );
    },

    /** Revokes a key in use; undefined when there is no such key or it was revoked already. */
    async revoke(id: number, at: Date): Promise<ApiKeyRow | undefined> {
      const rows = await db.query<ApiKeyRow>(
        `UPDATE api_key SET revoked_at = $2::text::timestamptz WHERE id = $1 AND revoked_at IS NULL RETURNING ${KEY_COLUMNS}`,
        [id, at.toISOString()],
      );
      return rows[0];
    },

    /** Moves last_used_at forward (never back: another replica may have written a later time). */
    async touch(id: number, at: Date): Promise<void> {
      await db.query(
        `UPDATE api_key SET last_used_at = $2::text::timestamptz
         WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::text::timestamptz)`,
        [id, at.toISOString()],
      );
    },
  };
}

export type ApiKeysRepository = ReturnType<typeof apiKeysRepository>;
