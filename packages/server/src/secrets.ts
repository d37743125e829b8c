import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from './config.ts';

export const SECRET_FILE_NAME = 'jwt-secret';

/**
 * The token-signing secret: DT_JWT_SECRET_KEY when given; otherwise (development only, the
 * config refuses production without one) a random secret generated once and kept, readable by
 * the owner alone, in the data folder, so that tokens survive a restart.
 */
export async function resolveJwtSecret(config: Pick<Config, 'jwtSecret' | 'dataDir'>): Promise<{ secret: string; source: 'env' | 'file' | 'generated' }> {
  if (config.jwtSecret) return { secret: config.jwtSecret, source: 'env' };
  const file = path.join(config.dataDir, SECRET_FILE_NAME);
  try {
    const secret = (await readFile(file, 'utf8')).trim();
    if (secret) return { secret, source: 'file' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(config.dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' }).catch(async (error) => {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  });
  return { secret: (await readFile(file, 'utf8')).trim(), source: 'generated' };
}
