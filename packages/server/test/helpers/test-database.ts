import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import postgres from 'postgres';
import { inject } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openPglite } from '../../src/db/pglite-database.ts';
import { openPostgres } from '../../src/db/postgres-database.ts';

export type TestEngine = 'pglite' | 'postgres';

export const testEngine = (): TestEngine => (process.env.MIRRORBASE_TEST_ENGINE === 'postgres' ? 'postgres' : 'pglite');

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/**
 * A fresh, migrated database of its own for one test file: a PGlite copy of the migrated
 * template, or a new database on the TEST_DATABASE_URL server, dropped again on close.
 */
export async function createTestDatabase(): Promise<Database> {
  if (testEngine() === 'pglite') {
    const template = await readFile(inject('pgliteTemplate'));
    return openPglite(undefined, new Blob([template]));
  }
  const template = inject('postgresTemplate');
  const { url, drop } = await createPostgresDatabase(undefined, undefined, template || undefined);
  const db = await openPostgres(url, { poolSize: 5 });
  // Copied from the migrated template this finds nothing to do; it stays so that a database
  // made without one (or from a template older than the code) is migrated all the same.
  await migrate(db);
  const close = db.close;
  const testDb: Database = {
    ...db,
    async close() {
      await close();
      await drop();
    },
  };
  databaseUrls.set(testDb, url);
  return testDb;
}

const databaseUrls = new WeakMap<Database, string>();

/** The PostgreSQL URL of a test database (undefined on PGlite): the app's DATABASE_URL, as in production. */
export const databaseUrlOf = (db: Database): string | undefined => databaseUrls.get(db);

/**
 * Another replica's view of a test database: its own pool on the same PostgreSQL database, or,
 * on PGlite (one in-process instance, no second connection possible), the same instance.
 * Closing it never drops the database.
 */
export async function openReplicaDatabase(db: Database): Promise<Database> {
  const url = databaseUrls.get(db);
  if (!url) return { ...db, close: async () => {} };
  const replica = await openPostgres(url, { poolSize: 3 });
  databaseUrls.set(replica, url);
  return replica;
}

/** An empty database on the TEST_DATABASE_URL server, and how to drop it again. */
export async function createPostgresDatabase(
  serverUrl = process.env.TEST_DATABASE_URL,
  prefix = 'mirrorbase_test_',
  template?: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!serverUrl) throw new Error('the postgres test engine needs TEST_DATABASE_URL');
  const name = `${prefix}${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`);
  await admin.end();
  return {
    url: withDatabase(serverUrl, name),
    async drop() {
      const dropper = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await dropper.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}
