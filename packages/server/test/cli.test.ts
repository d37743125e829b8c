import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../src/cli/main.ts';
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

/** runCli in this process, with what it prints to stdout and stderr. */
async function cliInProcess(args: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...parts) => void stdout.push(`${parts.join(' ')}\n`));
  const error = vi.spyOn(console, 'error').mockImplementation((...parts) => void stderr.push(`${parts.join(' ')}\n`));
  try {
    const code = await runCli(args);
    return { code, stdout: stdout.join(''), stderr: stderr.join('') };
  } finally {
    log.mockRestore();
    error.mockRestore();
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
    expect((await cli('user', 'add', 'ada@example.org', '--password', 'lovelace')).stdout).toContain('created ada@example.org (viewer)');
    const badRole = await cli('user', 'add', 'eve@example.org', '--password', 'x', '--role', 'root');
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain('--role must be admin, editor or viewer');
    const duplicate = await cli('user', 'add', 'ada@example.org', '--password', 'x');
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('User already exists');
    expect((await cli('user', 'add', 'grace@example.org', '--password', 'hopper', '--role', 'editor')).stdout).toContain('(editor)');
    expect((await cli('user', 'list')).stdout).toMatch(/^1\tada@example\.org\tviewer\t\d{4}-.*\n2\tgrace@example\.org\teditor\t/m);
    expect((await cli('user', 'passwd', 'ada@example.org', '--password', 'babbage')).code).toBe(0);
    expect((await cli('user', 'logout', 'ada@example.org')).stdout).toContain('sessions of ada@example.org ended');
    const unknown = await cli('user', 'logout', 'nobody@example.org');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("User doesn't exist");
    expect((await cli('user', 'unlock', 'ada@example.org')).stdout).toBe('ada@example.org has no failed logins to forget\n');
    expect((await cli('user', 'delete', 'ada@example.org')).stdout).toContain('deleted');
    expect((await cli('user', 'delete', 'grace@example.org')).stdout).toContain('deleted');
    expect((await cli('user', 'list')).stdout.trim()).toBe('');
  });

  it('creates an API key (printed once, alone on stdout), lists it without the secret, and revokes it', async () => {
    expect((await cli('user', 'add', 'keys@example.org', '--password', 'pw', '--role', 'editor')).code).toBe(0);
    const created = await cli(
      'key',
      'create',
      'keys@example.org',
      '--name',
      'ingress',
      '--scope',
      'read-write',
      '--expires',
      '2099-01-01T00:00:00Z',
    );
    expect(created.code, created.stderr).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^mb_[A-Za-z0-9]{8}_[A-Za-z0-9]{40}$/);
    expect(created.stderr).toMatch(/^created API key (\d+) "ingress" \(read-write\) for keys@example\.org; it is shown only this once:$/m);
    const id = /created API key (\d+)/.exec(created.stderr)![1];

    const duplicate = await cli('key', 'create', 'keys@example.org', '--name', 'ingress', '--scope', 'read');
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('keys@example.org has a key named "ingress" already');

    const listed = await cli('key', 'list');
    expect(listed.stdout).toContain(
      `${id}\t${key.slice(0, 12)}…\tingress\tkeys@example.org\tread-write\t-\texpires 2099-01-01T00:00:00.000Z\tnever used\tactive`,
    );
    expect(listed.stdout).not.toContain(key.slice(12));

    expect((await cli('key', 'revoke', id)).stdout).toContain(`revoked API key ${id} "ingress" of keys@example.org`);
    const after = await cli('key', 'list', 'keys@example.org');
    expect(after.stdout).toMatch(/\trevoked \d{4}-/);
  });

  it('explains its usage on a wrong command, with exit code 2', async () => {
    const result = await cli('frobnicate');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command: frobnicate');
    expect(result.stderr).toContain('user add EMAIL');
  });

  // Each mistake: one line saying what is wrong, then the usage, exit code 2, never a stack trace.
  // Arguments are refused before any database is opened, so these run on one engine only, and
  // in this process: runCli is all the bin runs after its build check, and the case above shows
  // a real process exiting with runCli's code and message.
  it.runIf(testEngine() === 'pglite').each([
    [['user', 'add', 'ada@example.org', '--bogus'], /^mirrorbase user: unknown option '--bogus'$/],
    [['user', 'add', 'ada@example.org', '--password'], /^mirrorbase user: option '--password <value>' argument missing$/],
    [['user', 'delete', 'a@example.org', 'b@example.org'], /^mirrorbase user: unexpected argument "b@example.org"$/],
    [['import'], /^mirrorbase import needs a FILE$/],
    [['import', '/nonexistent/readings.csv'], /^mirrorbase import: cannot read \/nonexistent\/readings\.csv \(no such file\)$/],
    [['import', 'readings.csv', '--batch'], /^mirrorbase import: option '--batch <value>' argument missing$/],
    [['import', 'readings.csv', '--batch', 'many'], /^--batch must be a positive integer$/],
    [['retention', 'set'], /^retention set needs DAYS or off$/],
    [['retention', 'set', '0'], /^retention set needs DAYS \(a whole number, at least 1\) or off$/],
    [['retention', 'show', '--measure'], /^mirrorbase retention: option '--measure <value>' argument missing$/],
    [['retention', 'frob'], /^unknown retention command: frob$/],
    [['export', '--bogus'], /^mirrorbase export: unknown option '--bogus'$/],
    [['export', '--out', '/nonexistent/dir/out.csv'], /^mirrorbase export: cannot write \/nonexistent\/dir\/out\.csv \(no such folder\)$/],
    [['migrate', '--now'], /^mirrorbase migrate: unknown option '--now'$/],
    [['restore'], /^mirrorbase restore needs the backup FILE$/],
    [
      ['backup', '--output', '/nonexistent/dir/x.backup'],
      /^mirrorbase backup: cannot write \/nonexistent\/dir\/x\.backup \(no such folder\)$/,
    ],
    [['serve', 'now'], /^mirrorbase serve: unexpected argument "now"$/],
    [['--frob'], /^unknown command: --frob$/],
    [['key', 'create'], /^mirrorbase key create needs the EMAIL of the user the key acts for$/],
    [['key', 'create', 'a@example.org', '--scope', 'read'], /^mirrorbase key create needs --name$/],
    [['key', 'create', 'a@example.org', '--name', 'n', '--scope', 'admin'], /^--scope must be read, read-write or ingest, not "admin"$/],
    [['key', 'create', 'a@example.org', '--name', 'n', '--scope', 'ingest', '--sensors', 'a,,b'], /^--sensors takes unique identifiers/],
    [['key', 'create', 'a@example.org', '--name', 'n', '--scope', 'read', '--expires', 'tomorrow'], /^--expires takes an ISO-8601 date/],
    [['key', 'revoke', 'abc'], /^mirrorbase key revoke needs the ID of a key/],
    [['key', 'revoke'], /^mirrorbase key revoke needs the ID of a key/],
    [['key', 'list', '--name', 'x'], /^mirrorbase key list takes no --name$/],
    [['key', 'frob'], /^unknown key command: frob$/],
  ])('%j: one line, the usage and exit code 2', async (args, firstLine) => {
    const result = await cliInProcess(args as string[]);
    expect(result.code, result.stderr).toBe(2);
    const [line, blank, usage] = result.stderr.split('\n');
    expect(line).toMatch(firstLine);
    expect(blank).toBe('');
    expect(usage).toBe('mirrorbase <command>');
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stdout).toBe('');
  });

  it('prints the usage for --help, with exit code 0', async () => {
    const result = await cli('user', '--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('user add EMAIL');
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

  it.each([
    [{ DT_JWT_SECRET_KEY: 'short' }, /^error: DT_JWT_SECRET_KEY must be at least 32 characters in production$/],
    [{ DT_JWT_SECRET_KEY: '<REPLACE_ME><REPLACE_ME><REPLACE_ME>' }, /^error: DT_JWT_SECRET_KEY is a placeholder from a template/],
    [
      { DT_JWT_SECRET_KEY: 'a-proper-random-looking-secret-0123456789', DT_DEFAULT_USER_PASS: 'password' },
      /^error: DT_DEFAULT_USER_PASS is set with NODE_ENV=production: .* MIRRORBASE_ALLOW_DEFAULT_USER=1/,
    ],
  ])('refuses to start in production with %j: one line and exit code 1', async (settings, line) => {
    const refused = await (async () => {
      try {
        const production = { ...process.env, ...env, PORT: '0', NODE_ENV: 'production', DT_DEFAULT_USER_PASS: '', ...settings };
        await run('node', [BIN, 'serve'], { env: production, timeout: 60_000 });
        return { code: 0, stderr: '' };
      } catch (error) {
        return error as { code: number; stderr: string };
      }
    })();
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr.trim()).toMatch(line);
  });
});
