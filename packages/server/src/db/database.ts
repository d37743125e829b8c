/**
 * The narrow database interface every repository is written against. Two engines stand
 * behind it: PGlite (PostgreSQL compiled to WASM, in-process) and a PostgreSQL server
 * through postgres.js. Both speak the same SQL, so repositories hold plain parameterised SQL
 * and work on either.
 */
export type Row = Record<string, unknown>;

export interface Queryable {
  /** Runs one parameterised statement ($1, $2, ...) and returns its rows. */
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
  close(): Promise<void>;
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
