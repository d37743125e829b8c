/**
 * The narrow database interface every repository is written against. Two engines stand
 * behind it: PGlite (PostgreSQL compiled to WASM, in-process) and a PostgreSQL server
 * through postgres.js. Both speak the same SQL, so repositories hold plain parameterised SQL
 * and work on either.
 */
export type Row = Record<string, unknown>;

export interface Queryable {
  /**
   * Runs one parameterised statement ($1, $2, ...) and returns its rows.
   *
   * Pass timestamps and JSON as text and cast in SQL (`$1::text::timestamptz`,
   * `$2::text::jsonb`, `$3::text[]::jsonb[]`): postgres.js turns a parameter typed timestamptz
   * into a JavaScript Date (losing microseconds, reading naive times in the process's zone) and
   * encodes a string for a jsonb parameter a second time. PGlite does neither, so only the
   * PostgreSQL test run would catch it.
   */
  query<T = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /**
   * Runs one statement and returns each row as an array of its columns in PostgreSQL's text
   * form, as UTF-8 bytes (null for NULL). On PostgreSQL the bytes are those the server sent,
   * never decoded: large text that PostgreSQL prepared (JSON of a read) reaches a socket
   * without becoming a JavaScript string and being encoded again. Select text columns (cast
   * in SQL): PGlite hands over array columns already parsed, and those are refused.
   */
  queryRaw(text: string, params?: readonly unknown[]): Promise<(Buffer | null)[][]>;
  /** Runs a script of one or more statements without parameters (migrations, DDL). */
  exec(script: string): Promise<void>;
}

export interface Transaction extends Queryable {
  /**
   * Runs `fn` just before the transaction commits (after the caller's work, inside the
   * transaction), once per registration; savepoints share their transaction's list. The events
   * port uses it to send one notification per series for a whole request.
   */
  beforeCommit(fn: () => Promise<void>): void;
  /** Runs `fn` once the transaction has committed (never after a rollback); errors are the caller's to catch. */
  afterCommit(fn: () => void): void;
  /** Runs `fn` inside a savepoint: a failure inside rolls back only what `fn` did. */
  savepoint<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /**
   * Bulk load through COPY ... FROM STDIN in text format, when the engine supports it
   * (PostgreSQL server). `undefined` on PGlite; callers then fall back to set-based INSERT.
   */
  copyIn?: (copyStatement: string, lines: AsyncIterable<string> | Iterable<string>) => Promise<void>;
}

/** What a transaction runs around its commit (see Transaction.beforeCommit/afterCommit). */
export interface CommitHooks {
  before: Array<() => Promise<void>>;
  after: Array<() => void>;
}

/**
 * Runs `work` in a driver's transaction (`begin`) with fresh commit hooks: the "before" hooks
 * run inside it after `work`, the "after" hooks once it has committed.
 */
export async function withCommitHooks<T, DriverTx>(
  begin: (body: (tx: DriverTx) => Promise<T>) => Promise<T>,
  work: (tx: DriverTx, hooks: CommitHooks) => Promise<T>,
): Promise<T> {
  const hooks: CommitHooks = { before: [], after: [] };
  const result = await begin(async (tx) => {
    const value = await work(tx, hooks);
    for (const hook of hooks.before) await hook();
    return value;
  });
  for (const hook of hooks.after) hook();
  return result;
}

/** Stops a LISTEN started by `Database.listen`. */
export type Unlisten = () => Promise<void>;

export interface Database extends Queryable {
  readonly engine: 'pglite' | 'postgres';
  /**
   * LISTENs on `channel`: `onPayload` gets every notification committed by any connection, this
   * process's included. `onReconnect` runs when the listening connection was re-established
   * (notifications sent meanwhile are lost; listeners resynchronise).
   */
  listen(channel: string, onPayload: (payload: string) => void, onReconnect?: () => void): Promise<Unlisten>;
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` in a transaction on a connection kept for short out-of-band work (creating a
   * readings partition that a request is about to write into), never one of the pool's: the
   * caller may hold a pool connection in a transaction of its own and wait for this, and a
   * pool exhausted by such callers would otherwise wait for itself. One connection, opened on
   * first use; calls queue for it. Undefined on PGlite, whose one connection cannot run a
   * second transaction while another is open.
   */
  sideTransaction?<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /**
   * Waits for the queries in flight (a PostgreSQL pool gives them 5 s), then closes.
   * `force`: ends them at once instead (a shutdown past its deadline); PGlite cannot interrupt
   * a query and closes as usual.
   */
  close(options?: { force?: boolean }): Promise<void>;
  /**
   * PGlite only: its data directory as a gzipped tar, taken between two queries (PGlite's
   * query lock), after a CHECKPOINT: a consistent copy while the database is in use.
   */
  dumpDataDir?(): Promise<Blob>;
}

/** PostgreSQL error codes we turn into API errors (SQLSTATE). */
export const PG_UNIQUE_VIOLATION = '23505';
export const PG_FOREIGN_KEY_VIOLATION = '23503';

export function pgErrorCode(error: unknown): string | undefined {
  if (error && typeof error === 'object' && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
