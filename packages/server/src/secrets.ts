import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from './config.ts';
import type { Queryable } from './db/database.ts';

/** Where earlier versions kept the development secret, in the data folder; adopted once, so its tokens stay valid. */
export const LEGACY_SECRET_FILE_NAME = 'jwt-secret';
const JWT_SECRET_NAME = 'jwt-hs256-development';

export type JwtSecretSource = 'env' | 'database' | 'generated' | 'legacy-file';

async function readLegacySecret(dataDir: string): Promise<string | undefined> {
  try {
    return (await readFile(path.join(dataDir, LEGACY_SECRET_FILE_NAME), 'utf8')).trim() || undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The token-signing secret: DT_JWT_SECRET_KEY when given. Otherwise (development only: the
 * config refuses production without one) a random secret kept in the database, so that every
 * replica on one database signs and accepts the same tokens, and tokens survive a restart.
 *
 * Generated at most once whatever the number of replicas starting together: each offers its
 * own, `ON CONFLICT DO NOTHING` keeps the first, and the others then read that one (a new
 * statement, so it sees the row the winner committed).
 */
export async function resolveJwtSecret(
  config: Pick<Config, 'jwtSecret' | 'dataDir'>,
  db: Queryable,
): Promise<{ secret: string; source: JwtSecretSource }> {
  if (config.jwtSecret) return { secret: config.jwtSecret, source: 'env' };
  const existing = await db.query<{ value: string }>('SELECT value FROM mirrorbase_secret WHERE name = $1', [JWT_SECRET_NAME]);
  if (existing.length) return { secret: existing[0].value, source: 'database' };

  const legacy = await readLegacySecret(config.dataDir);
  const offered = legacy ?? randomBytes(48).toString('base64url');
  const inserted = await db.query<{ value: string }>(
    'INSERT INTO mirrorbase_secret (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING value',
    [JWT_SECRET_NAME, offered],
  );
  if (inserted.length) return { secret: offered, source: legacy ? 'legacy-file' : 'generated' };
  const [kept] = await db.query<{ value: string }>('SELECT value FROM mirrorbase_secret WHERE name = $1', [JWT_SECRET_NAME]);
  return { secret: kept.value, source: 'database' };
}
