import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/connection.ts';
import type { Database } from '../src/db/database.ts';
import { checkMigrations, migrate, migrationChecksum, MIGRATIONS_DIR } from '../src/db/migrate.ts';
import { BIN, serverEnvironment, startServer } from './helpers/server-process.ts';
import { createTestDatabase } from './helpers/test-database.ts';

const run = promisify(execFile);

let db: Database;
let dir: string;

/** A copy of the real migrations that a test may change. */
beforeEach(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(path.join(os.tmpdir(), 'mirrorbase-migrations-'));
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
});
afterEach(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

const recorded = async () =>
  db.query<{ name: string; checksum: string | null }>('SELECT name, checksum FROM mirrorbase_migration ORDER BY name');

describe('migration checksums', () => {
  it('records the sha256 of each migration file', async () => {
    const rows = await recorded();
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const row of rows) {
      const sql = await readFile(path.join(MIGRATIONS_DIR, `${row.name}.sql`), 'utf8');
      expect(row.checksum).toBe(migrationChecksum(sql));
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('refuses a database whose applied migration was edited, naming the file', async () => {
    const file = path.join(dir, '0001_sql_functions.sql');
    await writeFile(file, `${await readFile(file, 'utf8')}\n-- an edit\n`);
    await expect(migrate(db, dir)).rejects.toThrow(
      /^migration 0001_sql_functions\.sql was changed after it was applied to this database \(checksum [0-9a-f]{12}…, the file now [0-9a-f]{12}…\): restore it, and put the change in a new migration$/,
    );
    await expect(checkMigrations(db, dir)).rejects.toThrow(/migration 0001_sql_functions\.sql was changed/);
  });

  it('takes the same file with CRLF line endings as unchanged', async () => {
    const file = path.join(dir, '0001_sql_functions.sql');
    await writeFile(file, (await readFile(file, 'utf8')).replace(/\n/g, '\r\n'));
    expect((await migrate(db, dir)).applied).toEqual([]);
  });

  it('keeps a database migrated before checksums working, and records them the first time', async () => {
    await db.exec('ALTER TABLE mirrorbase_migration DROP COLUMN checksum');
    expect((await checkMigrations(db)).alreadyApplied).toBeGreaterThanOrEqual(3); // cannot check yet: accepted
    const result = await migrate(db);
    expect(result.applied).toEqual([]);
    for (const row of await recorded()) {
      expect(row.checksum).toBe(migrationChecksum(await readFile(path.join(MIGRATIONS_DIR, `${row.name}.sql`), 'utf8')));
    }
    // From now on an edit is caught.
    await writeFile(path.join(dir, '0000_initial_schema.sql'), '-- rewritten\n');
    await expect(migrate(db, dir)).rejects.toThrow(/migration 0000_initial_schema\.sql was changed/);
  });

  it('refuses a database a newer version migrated', async () => {
    await db.query("INSERT INTO mirrorbase_migration (name, checksum) VALUES ('9999_from_the_future', 'x')");
    const newer =
      /^the database has migrations this version of Mirrorbase does not know \(9999_from_the_future\): a newer version migrated it; run that version or a newer one$/;
    await expect(migrate(db)).rejects.toThrow(newer);
    await expect(checkMigrations(db)).rejects.toThrow(newer);
  });

  it('without migrating on start: refuses pending migrations, changes nothing, and passes once migrated', async () => {
    await writeFile(path.join(dir, '9000_next.sql'), 'CREATE TABLE next_thing (id int);');
    await expect(checkMigrations(db, dir)).rejects.toThrow(
      /^the database has 1 pending migration \(9000_next\) and MIRRORBASE_MIGRATE_ON_START=false: run `mirrorbase migrate` first$/,
    );
    expect((await recorded()).map((r) => r.name)).not.toContain('9000_next');
    expect((await migrate(db, dir)).applied).toEqual(['9000_next']);
    expect((await checkMigrations(db, dir)).applied).toEqual([]);
  });
});

describe('MIRRORBASE_MIGRATE_ON_START', { timeout: 180_000 }, () => {
  let environment: Awaited<ReturnType<typeof serverEnvironment>>;
  afterAll(async () => {
    await environment?.cleanup();
  });

  async function serveOnce(env: Record<string, string>) {
    try {
      await run(process.execPath, [BIN, 'serve'], { env: { ...process.env, ...env }, timeout: 90_000 });
      return { code: 0, stderr: '' };
    } catch (error) {
      return error as { code: number; stderr: string };
    }
  }

  it('false: the server refuses a database with pending migrations, and starts once a job migrated it', async () => {
    environment = await serverEnvironment();
    const env = {
      ...environment.env,
      MIRRORBASE_MIGRATE_ON_START: 'false',
      DT_JWT_SECRET_KEY: 'migrate-test-secret-migrate-test-secret-0123',
      LOG_LEVEL: 'warn',
    };
    const refused = await serveOnce(env);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toMatch(
      /^error: the database has \d+ pending migrations \(0000_initial_schema, .*\) and MIRRORBASE_MIGRATE_ON_START=false: run `mirrorbase migrate` first$/,
    );

    const migrated = await run(process.execPath, [BIN, 'migrate'], { env: { ...process.env, ...env } });
    expect(migrated.stdout).toMatch(/^applied: 0000_initial_schema/);
    const server = await startServer(env);
    expect(await server.stop()).toBe(0);
  });

  it('refuses to start on a database whose applied migration was edited, naming the file', async () => {
    const env = { ...environment.env, DT_JWT_SECRET_KEY: 'migrate-test-secret-migrate-test-secret-0123', LOG_LEVEL: 'warn' };
    // What an edit of the file looks like from the database: another checksum than the file's.
    const other = await openDatabase(loadConfig({ ...env, NODE_ENV: 'test' }), { command: 'migrations test' });
    await other.query("UPDATE mirrorbase_migration SET checksum = repeat('0', 64) WHERE name = '0001_sql_functions'");
    await other.close();
    for (const migrateOnStart of ['true', 'false']) {
      const refused = await serveOnce({ ...env, MIRRORBASE_MIGRATE_ON_START: migrateOnStart });
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim()).toMatch(/^error: migration 0001_sql_functions\.sql was changed after it was applied to this database/);
    }
  });
});
