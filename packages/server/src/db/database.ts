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
  /** Runs a script of one or more statements without parameters (migrations, DDL). */
  exec(script: string): Promise<void>;
}

export interface Transaction extends Queryable {
  /** Runs `fn` inside a savepoint: a failure inside rolls back only what `fn` did. */
  savepoint<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /**
   * Bulk load through COPY ... FROM STDIN in text format, when the engine supports it
   * (PostgreSQL server). `undefined` on PGlite; callers then fall back to set-based INSERT.
   */
  copyIn?: (copyStatement: string, lines: AsyncIterable<string> | Iterable<string>) => Promise<void>;
}

export interface Database extends Queryable {
  readonly engine: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /**
   * Waits for the queries in flight (a PostgreSQL pool gives them 5 s), then closes.
   * `force`: ends them at once instead (a shutdown past its deadline); PGlite cannot interrupt
   * a query and closes as usual.
   */
  close(options?: { force?: boolean }): Promise<void>;
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
