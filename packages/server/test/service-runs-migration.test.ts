import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../src/db/database.ts';
import { MIGRATIONS_DIR, migrate } from '../src/db/migrate.ts';
import { openPglite } from '../src/db/pglite-database.ts';
import { openPostgres } from '../src/db/postgres-database.ts';
import { createPostgresDatabase, testEngine } from './helpers/test-database.ts';

const MIGRATION = '0012_service_runs.sql';
let db: Database;
let dir: string;
let drop: () => Promise<void> = async () => {};

beforeAll(async () => {
  if (testEngine() === 'pglite') db = await openPglite(undefined);
  else {
    const created = await createPostgresDatabase();
    drop = created.drop;
    db = await openPostgres(created.url, { poolSize: 2 });
  }
  dir = await mkdtemp(path.join(os.tmpdir(), 'mirrorbase-migrations-'));
  await cp(MIGRATIONS_DIR, dir, { recursive: true, filter: (source) => path.basename(source) !== MIGRATION });
});

afterAll(async () => {
  await db?.close();
  await drop();
  await rm(dir, { recursive: true, force: true });
});

it('gives the runs logged before it a status from their status code, and their time as start and end', async () => {
  await migrate(db, dir);
  await db.query(`INSERT INTO service (name, url, http_method) VALUES ('s', 'http://example.org/', 'POST')`);
  await db.query(
    `INSERT INTO service_run_log (service_id, response_status_code, timestamp)
     SELECT id, code, '2024-01-01T00:00:00Z' FROM service, unnest(ARRAY[200, 204, 404, 500, NULL]::int[]) WITH ORDINALITY AS c(code, n) ORDER BY n`,
  );
  await cp(path.join(MIGRATIONS_DIR, MIGRATION), path.join(dir, MIGRATION));
  expect((await migrate(db, dir)).applied).toEqual(['0012_service_runs']);
  const rows = await db.query<{ code: number | null; status: string; trigger: string; same: boolean }>(
    `SELECT response_status_code AS code, status, trigger, (started_at = timestamp AND finished_at = timestamp) AS same
     FROM service_run_log ORDER BY id`,
  );
  expect(rows).toEqual([
    { code: 200, status: 'succeeded', trigger: 'request', same: true },
    { code: 204, status: 'succeeded', trigger: 'request', same: true },
    { code: 404, status: 'failed', trigger: 'request', same: true },
    { code: 500, status: 'failed', trigger: 'request', same: true },
    { code: null, status: 'failed', trigger: 'request', same: true },
  ]);
  await expect(db.query(`UPDATE service_run_log SET status = 'done'`)).rejects.toThrow();
});
