import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestoreRefusedError, restoreBackup } from '../src/cli/restore.ts';
import { loadConfig } from '../src/config.ts';
import { verifyBackup, writeBackup } from '../src/db/backup-file.ts';
import { openDatabase } from '../src/db/connection.ts';
import type { Database } from '../src/db/database.ts';
import { BIN, startServer } from './helpers/server-process.ts';
import { createPostgresDatabase, testEngine } from './helpers/test-database.ts';

const run = promisify(execFile);
const ADMIN = 'default_user@localhost';
const ADMIN_PASSWORD = 'backup-test-password';

/**
 * Written by the running server on its own (job runs, the audit log, throttling, stream events,
 * the job runner's timetable): not part of what a restore must give back row for row.
 */
const OPERATIONAL_TABLES = new Set(['audit_log', 'job', 'job_schedule', 'login_throttle', 'stream_event']);

interface Target {
  env: Record<string, string>;
  dataDir: string;
  drop: () => Promise<void>;
}

const folders: string[] = [];
async function target(): Promise<Target> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'mirrorbase-backup-'));
  folders.push(dataDir);
  if (testEngine() === 'pglite') return { env: { MIRRORBASE_DATA_DIR: dataDir }, dataDir, drop: async () => {} };
  const { url, drop } = await createPostgresDatabase();
  return { env: { MIRRORBASE_DATA_DIR: dataDir, DATABASE_URL: url }, dataDir, drop };
}

async function cli(env: Record<string, string>, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function withDb<T>(t: Target, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase(
    { databaseUrl: t.env.DATABASE_URL, dataDir: t.dataDir, databasePoolSize: 2 },
    { command: 'cli-backup test' },
  );
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Every row of every table but the operational ones, as sorted JSON (an API key's last use aside). */
async function snapshot(db: Database): Promise<Record<string, string>> {
  const tables = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1`,
  );
  const rows: Record<string, string> = {};
  for (const { name } of tables) {
    if (OPERATIONAL_TABLES.has(name)) continue;
    const row = name === 'api_key' ? `to_jsonb(t) - 'last_used_at'` : 'to_jsonb(t)';
    const [result] = await db.query<{ rows: string }>(
      `SELECT coalesce(jsonb_agg(${row} ORDER BY ${row}::text), '[]'::jsonb)::text AS rows FROM "${name}" t`,
    );
    rows[name] = result!.rows;
  }
  return rows;
}

/** What a refused restore must leave alone: the data folder's files, or the database's rows. */
async function fingerprint(t: Target): Promise<string> {
  if (testEngine() === 'postgres') return JSON.stringify(await withDb(t, snapshot));
  const files = await readdir(t.dataDir, { recursive: true });
  const described = await Promise.all(
    files.sort().map(async (file) => {
      const info = await stat(path.join(t.dataDir, file));
      return `${file}:${info.size}:${info.mtimeMs}`;
    }),
  );
  return described.join('\n');
}

/** A twin with an entity of every kind and two series of readings, made through the API. */
async function seed(base: string): Promise<{ adminKey: string; readKey: string }> {
  const login = async (email: string, password: string) => {
    const res = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const token = await login(ADMIN, ADMIN_PASSWORD);
  const post = async (url: string, body: unknown, as = token) => {
    const res = await fetch(`${base}${url}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${as}` },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    expect([200, 201], `${url}: ${text}`).toContain(res.status);
    return JSON.parse(text);
  };
  await post('/sensor/insert-sensor-type', {
    name: 'weather-station',
    description: 'a mast',
    measures: [
      { name: 'temperature', units: 'degC', datatype: 'float' },
      { name: 'status', units: null, datatype: 'string' },
    ],
  });
  await post('/sensor/insert-sensor', { type_name: 'weather-station', unique_identifier: 'ws-1', name: 'North mast', notes: 'ü' });
  const timestamps = Array.from({ length: 500 }, (_, i) => new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString());
  await post('/sensor/insert-sensor-readings', {
    unique_identifier: 'ws-1',
    measure_name: 'temperature',
    readings: timestamps.map((_, i) => Math.round(Math.sin(i / 10) * 1000) / 100),
    timestamps,
  });
  await post('/sensor/insert-sensor-readings', {
    unique_identifier: 'ws-1',
    measure_name: 'status',
    readings: timestamps.slice(0, 50).map((_, i) => `ok "${i}", \\ \t`),
    timestamps: timestamps.slice(0, 50),
  });
  await post('/location/insert-location-schema', {
    name: 'field-grid',
    description: 'metres from the gate',
    identifiers: [
      { name: 'x', units: 'm', datatype: 'float' },
      { name: 'y', units: 'm', datatype: 'float' },
    ],
  });
  await post('/location/insert-location-for-schema', { schema_name: 'field-grid', coordinates: { x: 1.5, y: 2 } });
  await post('/sensor/insert-sensor-location', {
    unique_identifier: 'ws-1',
    schema_name: 'field-grid',
    coordinates: { x: 1.5, y: 2 },
    installation_datetime: timestamps[0],
  });
  await post('/model/insert-model', { name: 'forecast' });
  await post('/model/insert-model-measure', { name: 'temperature_mean', units: 'degC', datatype: 'float' });
  await post('/model/insert-model-run', {
    model_name: 'forecast',
    scenario_description: 'baseline',
    create_scenario: true,
    sensor_unique_id: 'ws-1',
    sensor_measure: { name: 'temperature', units: 'degC' },
    time_created: timestamps[10],
    measures_and_values: [{ measure_name: 'temperature_mean', values: [1.25, 2.5], timestamps: timestamps.slice(0, 2) }],
  });
  await post('/service/insert-service', { name: 'weather-ingress', url: 'https://weather.example.org/ingress', http_method: 'POST' });
  await post('/service/insert-parameter-set', { service_name: 'weather-ingress', name: 'north', parameters: { latitude: 52.2 } });
  await post('/api/v1/users', { email: 'ada@example.org', password: 'lovelace', role: 'viewer' });
  const adminKey = (await post('/api/v1/keys', { name: 'backups', scope: 'read' })).key as string;
  const adaToken = await login('ada@example.org', 'lovelace');
  const readKey = (await post('/api/v1/keys', { name: 'ada-read', scope: 'read' }, adaToken)).key as string;
  return { adminKey, readKey };
}

/** A copy of `backup` whose header claims a migration this version does not have; its digest is right. */
async function fromTheFuture(backup: string, file: string) {
  const verified = await verifyBackup(backup);
  const header = { ...verified.header, migrations: [...verified.header.migrations, '9999_from_the_future'] };
  const out = createWriteStream(file);
  await writeBackup(header, verified.payload(), out);
  out.end();
  await finished(out);
}

describe(`mirrorbase backup and restore (${testEngine()})`, { timeout: 600_000 }, () => {
  let source: Target;
  let restored: Target;
  const files = { url: '', cli: '', refused: '' };
  let expected: Record<string, string>;

  beforeAll(async () => {
    source = await target();
    restored = await target();
    for (const name of Object.keys(files) as (keyof typeof files)[])
      files[name] = path.join(source.dataDir, `..`, `${path.basename(source.dataDir)}-${name}.backup`);
  });
  afterAll(async () => {
    await source?.drop();
    await restored?.drop();
    await Promise.all(
      folders.flatMap((dir) => [rm(dir, { recursive: true, force: true }), ...Object.values(files).map((f) => rm(f, { force: true }))]),
    );
  });

  it('takes a backup through a running server (--url, an admin key), and offline', async () => {
    const env = { ...source.env, DT_DEFAULT_USER_PASS: ADMIN_PASSWORD, DT_JWT_SECRET_KEY: 'backup-test-secret-backup-test-secret-0123' };
    const server = await startServer(env, { readyWithinMs: 240_000 }); // a new data folder: initdb, migrations
    try {
      const { adminKey, readKey } = await seed(server.base);
      if (testEngine() === 'pglite') {
        // The server holds the data folder: the CLI says exactly what to run instead.
        const busy = await cli({ ...source.env, PORT: String(server.port) }, 'backup', '--output', files.refused);
        expect(busy.code).toBe(1);
        expect(busy.stderr).toContain(`is in use by process ${server.pid} (mirrorbase serve)`);
        expect(busy.stderr).toContain(`mirrorbase backup --url http://127.0.0.1:${server.port} --output ${files.refused}`);
      }
      const notAdmin = await cli({ ...source.env, MIRRORBASE_API_KEY: readKey }, 'backup', '--url', server.base, '--output', files.refused);
      expect(notAdmin.code).toBe(1);
      expect(notAdmin.stderr).toMatch(/^error: the server refused the backup \(403\): .*backup:read/);
      await expect(stat(files.refused)).rejects.toThrow(/ENOENT/);

      const remote = await cli({ ...source.env, MIRRORBASE_API_KEY: adminKey }, 'backup', '--url', server.base, '--output', files.url);
      expect(remote.code, remote.stderr).toBe(0);
      expect(remote.stderr).toMatch(/^backup downloaded to .* \(\d+ bytes\)$/m);
      expect((await verifyBackup(files.url)).header).toMatchObject({ engine: testEngine(), format: 1 });
    } finally {
      await server.stop();
    }
    if (testEngine() === 'postgres') {
      // Offline, to stdout, as `kubectl exec ... mirrorbase backup > FILE` uses it (the same code on PGlite).
      const offline = await cli(source.env, 'backup');
      expect(offline.code, offline.stderr).toBe(0);
      expect(offline.stdout.length).toBeGreaterThan(1000);
    }
    const local = await cli(source.env, 'backup', '--output', files.cli);
    expect(local.code, local.stderr).toBe(0);
    expect((await stat(files.cli)).mode & 0o777).toBe(0o600);
    expected = await withDb(source, snapshot);
    expect(JSON.parse(expected.reading_float!)).toHaveLength(500);
    expect(JSON.parse(expected.reading_string!)).toHaveLength(50);
    for (const table of ['users', 'api_key', 'sensor', 'sensor_type', 'sensor_measure', 'sensor_location', 'location', 'location_schema']) {
      expect(JSON.parse(expected[table]!).length, table).toBeGreaterThan(0);
    }
    for (const table of ['model', 'model_scenario', 'model_run', 'model_value_float', 'service', 'service_parameter_set']) {
      expect(JSON.parse(expected[table]!).length, table).toBeGreaterThan(0);
    }
  });

  it('restores into an empty database: every row is back', async () => {
    const result = await cli(restored.env, 'restore', files.url);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^restored .* \(taken \d{4}-.*\) into /);
    expect(await withDb(restored, snapshot)).toEqual(expected);
  });

  it('refuses a truncated, foreign, damaged or newer file, and a non-empty target, changing nothing', async () => {
    const before = await fingerprint(restored);
    const whole = await readFile(files.cli);
    const bad = path.join(restored.dataDir, '..', `${path.basename(restored.dataDir)}-bad`);
    folders.push(bad);
    const cases: Array<[string, Buffer | (() => Promise<void>), RegExp]> = [
      ['truncated', whole.subarray(0, Math.floor(whole.length / 2)), /is truncated: \d+ bytes of the \d+ its header announces/],
      ['random', Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251)), /is not a Mirrorbase backup/],
      ['pg_dump', Buffer.concat([Buffer.from('PGDMP'), Buffer.alloc(2000)]), /it is a plain pg_dump file/],
      [
        'flipped',
        Buffer.from(whole.map((byte, i) => (i === Math.floor(whole.length * 0.7) ? byte ^ 0x01 : byte))),
        /SHA-256 does not match/,
      ],
      ['newer', () => fromTheFuture(files.cli, bad), /comes from a newer Mirrorbase .*9999_from_the_future/],
    ];
    // The first through the command line (one line, exit code 1), the others through the same
    // function in this process: a process start each costs seconds on a busy machine.
    for (const [index, [what, contents, message]] of cases.entries()) {
      if (typeof contents === 'function') await contents();
      else await writeFile(bad, contents);
      if (index === 0) {
        const result = await cli(restored.env, 'restore', bad, '--replace');
        expect(result.code, what).toBe(1);
        expect(result.stderr.trim().split('\n'), `${what}: one line`).toHaveLength(1);
        expect(result.stderr, what).toMatch(message);
      } else {
        const config = loadConfig({ ...process.env, ...restored.env });
        await expect(restoreBackup(config, bad, { replace: true }), what).rejects.toThrow(RestoreRefusedError);
        await expect(restoreBackup(config, bad, { replace: true }), what).rejects.toThrow(message);
      }
    }
    const again = await cli(restored.env, 'restore', files.cli);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/not empty|already holds a database/);
    expect(await fingerprint(restored)).toBe(before);
  });

  it('replaces a database that has changed with --replace', async () => {
    await withDb(restored, async (db) => {
      await db.query(`DELETE FROM service_parameter_set`);
      await db.query(`UPDATE sensor SET name = 'changed'`);
    });
    const result = await cli(restored.env, 'restore', files.cli, '--replace');
    expect(result.code, result.stderr).toBe(0);
    expect(await withDb(restored, snapshot)).toEqual(expected);
    if (testEngine() === 'pglite') expect((await readdir(restored.dataDir)).sort()).toEqual(['pglite']);
  });
});

// A backup file's own reading, apart from any database: the envelope rejects what it must.
if (testEngine() === 'pglite') {
  describe('the backup file envelope', () => {
    it('round-trips a payload and refuses an empty file', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'mirrorbase-envelope-'));
      folders.push(dir);
      const file = path.join(dir, 'x.backup');
      const payload = Buffer.from('payload bytes');
      const out = createWriteStream(file);
      const header = {
        format: 1,
        engine: 'pglite' as const,
        payload: 'pglite-datadir-tar-gz' as const,
        migrations: ['0000_initial_schema'],
        createdAt: new Date().toISOString(),
        mirrorbaseVersion: 'test',
        payloadLength: payload.length,
      };
      await writeBackup(header, [payload], out);
      out.end();
      await finished(out);
      const verified = await verifyBackup(file);
      expect(verified.header).toEqual(header);
      const chunks: Buffer[] = [];
      for await (const chunk of createReadStream(file, {
        start: verified.payloadOffset,
        end: verified.payloadOffset + payload.length - 1,
      })) {
        chunks.push(chunk as Buffer);
      }
      expect(Buffer.concat(chunks).toString()).toBe('payload bytes');
      await writeFile(file, '');
      await expect(verifyBackup(file)).rejects.toThrow('the file is empty');
    });
  });
}
