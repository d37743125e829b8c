import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.ts';
import { LEGACY_SECRET_FILE_NAME, resolveJwtSecret } from '../src/secrets.ts';
import { serverEnvironment, startServer, type ServerProcess } from './helpers/server-process.ts';
import { createTestDatabase, testEngine } from './helpers/test-database.ts';

// Without DT_JWT_SECRET_KEY (development), the secret lives in the database: every replica on
// one database signs and accepts the same tokens.

describe('the development JWT secret', () => {
  let db: Database;
  let dataDir: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'mirrorbase-secret-'));
  });
  afterAll(async () => {
    await db?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('is DT_JWT_SECRET_KEY when set, and then nothing is stored', async () => {
    expect(await resolveJwtSecret({ jwtSecret: 'from-the-environment', dataDir }, db)).toEqual({
      secret: 'from-the-environment',
      source: 'env',
    });
    expect(await db.query('SELECT * FROM mirrorbase_secret')).toEqual([]);
  });

  it('is generated once, whatever the number of processes asking at once, and kept in the database', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => resolveJwtSecret({ jwtSecret: undefined, dataDir }, db)));
    const secrets = new Set(answers.map((a) => a.secret));
    expect(secrets.size).toBe(1);
    expect(answers.filter((a) => a.source === 'generated')).toHaveLength(1);
    const [secret] = secrets;
    expect(secret.length).toBeGreaterThanOrEqual(64);
    expect(await db.query('SELECT value FROM mirrorbase_secret')).toEqual([{ value: secret }]);
    expect(await resolveJwtSecret({ jwtSecret: undefined, dataDir }, db)).toEqual({ secret, source: 'database' });
    expect(existsSync(path.join(dataDir, LEGACY_SECRET_FILE_NAME))).toBe(false);
  });

  it('adopts the secret an earlier version kept in the data folder, so its tokens stay valid', async () => {
    await db.query('DELETE FROM mirrorbase_secret');
    await writeFile(path.join(dataDir, LEGACY_SECRET_FILE_NAME), 'the-secret-of-an-earlier-version\n');
    expect(await resolveJwtSecret({ jwtSecret: undefined, dataDir }, db)).toEqual({
      secret: 'the-secret-of-an-earlier-version',
      source: 'legacy-file',
    });
    expect(await resolveJwtSecret({ jwtSecret: undefined, dataDir }, db)).toEqual({
      secret: 'the-secret-of-an-earlier-version',
      source: 'database',
    });
  });
});

describe('servers without DT_JWT_SECRET_KEY', { timeout: 240_000 }, () => {
  let environment: Awaited<ReturnType<typeof serverEnvironment>>;
  const servers: ServerProcess[] = [];
  beforeAll(async () => {
    environment = await serverEnvironment();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await environment?.cleanup();
  });

  const env = () => ({ ...environment.env, NODE_ENV: 'development', DT_JWT_SECRET_KEY: '', DT_DEFAULT_USER_PASS: 'secret-test-password' });

  async function login(server: ServerProcess): Promise<string> {
    const res = await fetch(`${server.base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'default_user@localhost', password: 'secret-test-password' }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  }
  const listUsers = (server: ServerProcess, token: string) =>
    fetch(`${server.base}/user/list-users`, { headers: { authorization: `Bearer ${token}` } });

  if (testEngine() === 'postgres') {
    it("two replicas on one database, started together, accept each other's tokens", async () => {
      // Replicas run on different machines: each has a data folder of its own.
      const otherDataDir = await mkdtemp(path.join(os.tmpdir(), 'mirrorbase-replica-'));
      try {
        servers.push(...(await Promise.all([startServer(env()), startServer({ ...env(), MIRRORBASE_DATA_DIR: otherDataDir })])));
      } finally {
        await rm(otherDataDir, { recursive: true, force: true });
      }
      const [a, b] = servers;
      const fromA = await login(a);
      const fromB = await login(b);
      expect((await listUsers(b, fromA)).status).toBe(200);
      expect((await listUsers(a, fromB)).status).toBe(200);
    });
  } else {
    it('keeps its tokens valid across a restart, with the secret in the database rather than a file', async () => {
      const first = await startServer(env());
      const token = await login(first);
      expect(await first.stop()).toBe(0);
      expect(existsSync(path.join(environment.dataDir, LEGACY_SECRET_FILE_NAME))).toBe(false);
      const second = await startServer(env());
      servers.push(second);
      expect((await listUsers(second, token)).status).toBe(200);
    });
  }
});
