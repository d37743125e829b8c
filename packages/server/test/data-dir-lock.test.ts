import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataDirInUseError, LOCK_FILE_NAME, lockDataDir } from '../src/db/data-dir-lock.ts';
import { BIN, serverEnvironment, startServer } from './helpers/server-process.ts';
import { testEngine } from './helpers/test-database.ts';

const run = promisify(execFile);
const CONTENDER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'helpers', 'lock-contender.ts');

async function cli(env: Record<string, string>, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function login(base: string, email: string, password: string) {
  return fetch(`${base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
}

const folders: string[] = [];
async function folder() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mirrorbase-lock-'));
  folders.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Starts lock contenders that all try at the same moment; resolves to each one's outcome line. */
async function contenders(dir: string, count: number, holdMs = 6000): Promise<string[]> {
  // They try once every process has loaded, and the winner holds on until all the others have tried.
  const startAt = Date.now() + 5000;
  const outcomes = Array.from({ length: count }, () =>
    run(process.execPath, ['--import', 'tsx', CONTENDER, dir, String(startAt), String(holdMs)]).then(({ stdout }) => stdout.trim()),
  );
  return Promise.all(outcomes);
}

/** A pid that no process has any more. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

if (testEngine() === 'pglite') {
  describe('the data folder lock', { timeout: 120_000 }, () => {
    it('is taken by one process, refused to a second with a message naming the owner, and freed on release', async () => {
      const dir = await folder();
      const lock = await lockDataDir(dir, 'mirrorbase serve');
      const written = JSON.parse(await readFile(path.join(dir, LOCK_FILE_NAME), 'utf8'));
      expect(written).toMatchObject({ pid: process.pid, command: 'mirrorbase serve' });
      await expect(lockDataDir(dir, 'mirrorbase user add')).rejects.toThrow(/is already open in this process/);
      // Another process is refused and told who has it.
      const [outcome] = await contenders(dir, 1);
      expect(outcome).toBe(
        `refused: the data folder ${dir} is in use by process ${process.pid} (mirrorbase serve); stop it, or use DATABASE_URL`,
      );
      lock.release();
      expect(existsSync(path.join(dir, LOCK_FILE_NAME))).toBe(false);
      (await lockDataDir(dir, 'again')).release();
    });

    it('takes over the lock of a process that is gone, once, when several start at the same moment', async () => {
      const dir = await folder();
      const stale = {
        pid: await deadPid(),
        command: 'mirrorbase serve',
        host: os.hostname(),
        nonce: 'crashed',
        since: new Date().toISOString(),
      };
      // The same scope as ours: ask a real contender to write one, then replace its pid by a dead one.
      const probe = await lockDataDir(dir, 'probe');
      const scope = JSON.parse(await readFile(probe.path, 'utf8')).scope;
      probe.release();
      await writeFile(path.join(dir, LOCK_FILE_NAME), JSON.stringify({ ...stale, scope }));

      const outcomes = await contenders(dir, 6);
      expect(outcomes.filter((line) => line === 'acquired')).toHaveLength(1);
      expect(outcomes.filter((line) => /^refused: .* is in use by process \d+ \(lock contender\)/.test(line))).toHaveLength(5);
      expect(existsSync(path.join(dir, LOCK_FILE_NAME))).toBe(false);
    });

    it('gives a free folder to exactly one of several processes starting at the same moment', async () => {
      const dir = await folder();
      const outcomes = await contenders(dir, 6);
      expect(outcomes.filter((line) => line === 'acquired')).toHaveLength(1);
      expect(outcomes.filter((line) => line.startsWith('refused: '))).toHaveLength(5);
    });

    it('takes over a lock whose pid is ours (a recycled pid, e.g. after a container restart)', async () => {
      const dir = await folder();
      const probe = await lockDataDir(dir, 'probe');
      const earlier = { ...JSON.parse(await readFile(probe.path, 'utf8')), nonce: 'an-earlier-process' };
      probe.release();
      await writeFile(path.join(dir, LOCK_FILE_NAME), JSON.stringify(earlier));
      const lock = await lockDataDir(dir, 'mirrorbase serve');
      expect(JSON.parse(await readFile(lock.path, 'utf8')).nonce).not.toBe('an-earlier-process');
      lock.release();
    });

    it('judges an owner in another container or host by its heartbeat', async () => {
      const dir = await folder();
      const file = path.join(dir, LOCK_FILE_NAME);
      const elsewhere = {
        pid: 7,
        command: 'mirrorbase serve',
        host: 'other-host',
        scope: 'host:other-host',
        nonce: 'elsewhere',
        since: new Date().toISOString(),
      };
      await writeFile(file, JSON.stringify(elsewhere));
      const refused = await lockDataDir(dir, 'mirrorbase migrate').catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(DataDirInUseError);
      expect((refused as Error).message).toBe(
        `the data folder ${dir} is in use by process 7 on other-host (mirrorbase serve); stop it, or use DATABASE_URL`,
      );
      const longAgo = new Date(Date.now() - 10 * 60_000);
      await utimes(file, longAgo, longAgo);
      (await lockDataDir(dir, 'mirrorbase migrate')).release();
    });

    it('refuses a lock file it did not write', async () => {
      const dir = await folder();
      await writeFile(path.join(dir, LOCK_FILE_NAME), 'not ours');
      await expect(lockDataDir(dir, 'x')).rejects.toThrow(
        /has a lock file Mirrorbase did not write .*; delete it if no other program uses the folder/,
      );
    });
  });
}

describe('the CLI while a server runs', { timeout: 240_000 }, () => {
  let environment: Awaited<ReturnType<typeof serverEnvironment>>;
  beforeAll(async () => {
    environment = await serverEnvironment();
  });
  afterAll(async () => {
    await environment?.cleanup();
  });

  if (testEngine() === 'pglite') {
    it('is refused the embedded database the server owns, and its change is kept once the server is stopped', async () => {
      const env = { ...environment.env, DT_JWT_SECRET_KEY: 'lock-test-secret-lock-test-secret-0123456789' };
      const server = await startServer(env);
      try {
        const refused = await cli(env, 'user', 'add', 'ada@example.org', '--password', 'lovelace');
        expect(refused.code).toBe(1);
        expect(refused.stderr.trim()).toBe(
          `error: the data folder ${environment.dataDir} is in use by process ${server.pid} (mirrorbase serve); stop it, or use DATABASE_URL`,
        );
        expect(refused.stdout).toBe('');
      } finally {
        expect(await server.stop()).toBe(0);
      }
      expect(existsSync(path.join(environment.dataDir, LOCK_FILE_NAME))).toBe(false);

      const added = await cli(env, 'user', 'add', 'ada@example.org', '--password', 'lovelace');
      expect(added.stdout).toContain('created ada@example.org');
      const again = await startServer(env);
      try {
        expect((await login(again.base, 'ada@example.org', 'lovelace')).status).toBe(200);
      } finally {
        expect(await again.stop()).toBe(0);
      }
    });

    it('takes over after a server was killed', async () => {
      const env = { ...environment.env, DT_JWT_SECRET_KEY: 'lock-test-secret-lock-test-secret-0123456789' };
      const server = await startServer(env);
      server.child.kill('SIGKILL');
      await server.exited;
      expect(existsSync(path.join(environment.dataDir, LOCK_FILE_NAME))).toBe(true);
      const listed = await cli(env, 'user', 'list');
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toContain('ada@example.org');
    });
  } else {
    it('leaves a PostgreSQL server shared: the CLI writes while the server runs, and the server sees it', async () => {
      const env = { ...environment.env, DT_JWT_SECRET_KEY: 'lock-test-secret-lock-test-secret-0123456789' };
      const server = await startServer(env);
      try {
        const added = await cli(env, 'user', 'add', 'ada@example.org', '--password', 'lovelace');
        expect(added.code, added.stderr).toBe(0);
        expect((await login(server.base, 'ada@example.org', 'lovelace')).status).toBe(200);
        expect(existsSync(path.join(environment.dataDir, LOCK_FILE_NAME))).toBe(false);
      } finally {
        expect(await server.stop()).toBe(0);
      }
    });
  }
});
