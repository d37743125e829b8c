import postgres from 'postgres';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Database, Queryable, Row, Transaction } from './database.ts';

type Sql = postgres.Sql | postgres.TransactionSql;

function queryable(sql: Sql): Queryable {
  return {
    async query<T = Row>(text: string, params: readonly unknown[] = []) {
      const rows = await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true });
      return rows as unknown as T[];
    },
    async exec(script: string) {
      await sql.unsafe(script).simple();
    },
  };
}

function transaction(sql: postgres.TransactionSql): Transaction {
  return {
    ...queryable(sql),
    savepoint: (fn) => sql.savepoint((inner) => fn(transaction(inner))) as never,
    async copyIn(copyStatement, lines) {
      const writable = await sql.unsafe(copyStatement).writable();
      await pipeline(Readable.from(lines as Iterable<string>), writable);
    },
  };
}

export interface PostgresOptions {
  poolSize: number;
}

/** Connects a pool to a PostgreSQL server. Sessions run in UTC, as DTBase's server does. */
export async function openPostgres(url: string, options: PostgresOptions): Promise<Database> {
  const sql = postgres(url, {
    max: options.poolSize,
    onnotice: () => {},
    connection: { TimeZone: 'UTC', application_name: 'mirrorbase' },
    // int8 (counts, bigint values) as JS numbers: our ids and counts stay far below 2^53.
    types: {
      bigint: {
        to: 20,
        from: [20],
        serialize: (value: number | bigint) => String(value),
        parse: (value: string) => Number(value),
      },
    },
  });
  await sql`select 1`;
  return {
    engine: 'postgres',
    ...queryable(sql),
    transaction: (fn) => sql.begin((tx) => fn(transaction(tx))) as Promise<never>,
    close: () => sql.end({ timeout: 5 }),
  };
}
