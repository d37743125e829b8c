import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';
import { pgliteDatabase } from '../../src/db/pglite-database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openPostgres } from '../../src/db/postgres-database.ts';
import { createPostgresDatabase } from './test-database.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
    /** On the postgres engine: a migrated database that each test file's database is copied from. */
    postgresTemplate: string;
  }
}

/**
 * Creating a PGlite database runs initdb (~3 s); loading a dumped data directory takes ~1 s.
 * Creating and migrating a PostgreSQL database takes ~2-5 s; copying a migrated template with
 * CREATE DATABASE ... TEMPLATE takes ~0.4 s. So one migrated database of each engine is made
 * here and every test file starts from a copy of it.
 */
export default async function setup(project: TestProject) {
  // The tests that start bin/mirrorbase.js run the compiled build: bring it up to date first.
  const buildScript = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'build.mjs');
  await promisify(execFile)(process.execPath, [buildScript, '--if-stale']);

  const dir = await mkdtemp(path.join(os.tmpdir(), 'mirrorbase-test-'));
  const pg = new PGlite();
  await pg.waitReady;
  await migrate(pgliteDatabase(pg));
  const dump = await pg.dumpDataDir('none');
  await pg.close();
  const file = path.join(dir, 'migrated.tar');
  await writeFile(file, Buffer.from(await dump.arrayBuffer()));
  project.provide('pgliteTemplate', file);

  const onPostgres = project.config.env?.MIRRORBASE_TEST_ENGINE === 'postgres' && process.env.TEST_DATABASE_URL;
  const postgresTemplate = onPostgres ? await createPostgresTemplate(onPostgres) : undefined;
  project.provide('postgresTemplate', postgresTemplate?.name ?? '');
  return async () => {
    await postgresTemplate?.drop();
    await rm(dir, { recursive: true, force: true });
  };
}

/** A migrated database on the test server, closed again so that CREATE DATABASE can copy it. */
async function createPostgresTemplate(serverUrl: string) {
  const { url, drop } = await createPostgresDatabase(serverUrl, 'mirrorbase_template_');
  const db = await openPostgres(url, { poolSize: 1 });
  try {
    await migrate(db);
  } finally {
    await db.close();
  }
  return { name: new URL(url).pathname.slice(1), drop };
}
