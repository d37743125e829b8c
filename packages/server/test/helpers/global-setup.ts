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

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
  }
}

/**
 * Creating a PGlite database runs initdb (~3 s); loading a dumped data directory takes ~1 s.
 * So one migrated database is made here and every test file starts from a copy of it.
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
  return async () => rm(dir, { recursive: true, force: true });
}
