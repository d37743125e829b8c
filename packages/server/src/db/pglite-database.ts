import { PGlite, types, type Transaction as PGliteTransaction } from '@electric-sql/pglite';
import { withCommitHooks, type CommitHooks, type Database, type Queryable, type Row, type Transaction } from './database.ts';

type PGliteQueryable = Pick<PGlite, 'query' | 'exec'> | PGliteTransaction;

/** Every parser PGlite would apply (its defaults and our int8), replaced by the identity: text stays text. */
const KEEP_TEXT = Object.fromEntries([...Object.keys(types.parsers), '20'].map((oid) => [oid, (text: string) => text]));

function queryable(pg: PGliteQueryable): Queryable {
  return {
    async query<T = Row>(text: string, params: readonly unknown[] = []) {
      const result = await pg.query<T>(text, params as unknown[]);
      return result.rows;
    },
    async queryRaw(text: string, params: readonly unknown[] = []) {
      const result = await pg.query<unknown[]>(text, params as unknown[], { rowMode: 'array', parsers: KEEP_TEXT });
      return result.rows.map((row) =>
        row.map((value) => {
          if (value === null) return null;
          if (typeof value !== 'string') throw new Error('queryRaw: select text columns (cast array columns to text in SQL)');
          return Buffer.from(value, 'utf8');
        }),
      );
    },
    async exec(script: string) {
      await pg.exec(script);
    },
  };
}

let savepointCounter = 0;

function transaction(tx: PGliteTransaction, hooks: CommitHooks): Transaction {
  const q = queryable(tx);
  const self: Transaction = {
    ...q,
    beforeCommit: (fn) => void hooks.before.push(fn),
    afterCommit: (fn) => void hooks.after.push(fn),
    async savepoint<T>(fn: (inner: Transaction) => Promise<T>): Promise<T> {
      const name = `sp_${++savepointCounter}`;
      await tx.exec(`SAVEPOINT ${name}`);
      try {
        const result = await fn(self);
        await tx.exec(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (error) {
        await tx.exec(`ROLLBACK TO SAVEPOINT ${name}`);
        throw error;
      }
    },
  };
  return self;
}

/** Wraps an open PGlite instance. PGlite has one connection; it queues concurrent calls itself. */
export function pgliteDatabase(pg: PGlite): Database {
  return {
    engine: 'pglite',
    ...queryable(pg),
    transaction: (fn) =>
      withCommitHooks<never, PGliteTransaction>(
        (body) => pg.transaction(body),
        (tx, hooks) => fn(transaction(tx, hooks)) as Promise<never>,
      ),
    // One instance, one connection: it never reconnects, so onReconnect is never needed.
    async listen(channel, onPayload) {
      const unlisten = await pg.listen(channel, onPayload);
      return () => unlisten();
    },
    close: () => pg.close(),
    async dumpDataDir() {
      // The checkpoint writes the data files, so the copy needs no WAL replay when opened.
      await pg.exec('CHECKPOINT');
      // Gzipped: a new data directory is ~40 MB of mostly empty pages, ~10x smaller compressed.
      return pg.dumpDataDir('gzip');
    },
  };
}

/**
 * Opens (creating if needed) a PGlite database in `dataDir`, or in memory when it is undefined.
 * `loadDataDir` starts from a dumped data directory, which skips initdb (used by the tests).
 */
export async function openPglite(dataDir: string | undefined, loadDataDir?: Blob): Promise<Database> {
  // int8 as a JS number (counts, bigint values): our ids and counts stay far below 2^53.
  const parsers = { 20: (value: string) => Number(value) };
  const pg = new PGlite({ dataDir, parsers, ...(loadDataDir ? { loadDataDir } : {}) });
  await pg.waitReady;
  // DTBase reads naive timestamps as UTC because its server runs in UTC; we make that explicit.
  await pg.exec(`SET TIME ZONE 'UTC'`);
  return pgliteDatabase(pg);
}
