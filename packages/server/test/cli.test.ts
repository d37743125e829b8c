import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, testEngine } from './helpers/test-database.ts';

const run = promisify(execFile);
const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'mirrorbase.js');

let env: Record<string, string>;
let cleanup: () => Promise<void>;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'mirrorbase-cli-'));
  if (testEngine() === 'postgres') {
    const { url, drop } = await createPostgresDatabase();
    env = { DATABASE_URL: url, MIRRORBASE_DATA_DIR: dataDir };
    cleanup = drop;
  } else {
    env = { MIRRORBASE_DATA_DIR: dataDir };
    cleanup = async () => {};
  }
});

afterAll(async () => {
  await cleanup();
  await rm(dataDir, { recursive: true, force: true });
});

async function cli(...args: string[]) {
  try {
    const { stdout, stderr } = await run('node', [BIN, ...args], { env: { ...process.env, ...env, LOG_LEVEL: 'warn' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// Each command is a new process opening the database (PGlite: a few seconds), so time is generous.
describe('the mirrorbase CLI', { timeout: 120_000 }, () => {
  it('migrates a new database, then finds nothing left to do', async () => {
    const first = await cli('migrate');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/applied: 0000_initial_schema/);
    const second = await cli('migrate');
    expect(second.stdout).toContain('database is up to date');
    if (testEngine() === 'pglite') expect((await stat(path.join(dataDir, 'pglite'))).isDirectory()).toBe(true);
  });

  it('adds, lists, re-passwords and deletes users', async () => {
    expect((await cli('user', 'add', 'ada@example.org', '--password', 'lovelace')).stdout).toContain('created ada@example.org');
    const duplicate = await cli('user', 'add', 'ada@example.org', '--password', 'x');
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('User already exists');
    expect((await cli('user', 'list')).stdout).toMatch(/^1\tada@example\.org\t\d{4}-/m);
    expect((await cli('user', 'passwd', 'ada@example.org', '--password', 'babbage')).code).toBe(0);
    expect((await cli('user', 'delete', 'ada@example.org')).stdout).toContain('deleted');
    expect((await cli('user', 'list')).stdout.trim()).toBe('');
  });

  it('explains its usage on a wrong command, with exit code 2', async () => {
    const result = await cli('frobnicate');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command: frobnicate');
    expect(result.stderr).toContain('user add EMAIL');
  });

  it('refuses to start in production without a JWT secret', async () => {
    const { code, stderr } = await (async () => {
      try {
        await run('node', [BIN, 'serve'], { env: { ...process.env, ...env, NODE_ENV: 'production', DT_JWT_SECRET_KEY: '' } });
        return { code: 0, stderr: '' };
      } catch (error) {
        return error as { code: number; stderr: string };
      }
    })();
    expect(code).toBe(1);
    expect(stderr).toContain('DT_JWT_SECRET_KEY must be set when NODE_ENV=production');
  });
});
