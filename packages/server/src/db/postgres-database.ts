import net from 'node:net';
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

/**
 * postgres.js leaves Nagle's algorithm on, so the statement that follows a COPY waits ~40 ms
 * for a delayed ACK: that halved bulk-ingest throughput. We open the socket ourselves with
 * TCP_NODELAY (TCP URLs with one host).
 */
function noDelaySocket(url: string) {
  const parsed = new URL(url);
  const hosts = parsed.host.split(',');
  // Unix-socket URLs (?host=/run/postgresql) and multi-host URLs are left to postgres.js.
  if (hosts.length !== 1 || !parsed.hostname || parsed.searchParams.has('host')) return {};
  return {
    socket: ({ host, port }: { host: string[]; port: number[] }) =>
      new Promise<net.Socket>((resolve, reject) => {
        const socket = net.connect({ host: host[0], port: port[0], noDelay: true });
        socket.once('connect', () => resolve(socket)).once('error', reject);
      }),
    // A documented postgres.js option that its type definitions do not declare.
  } as object;
}

/** Connects a pool to a PostgreSQL server. Sessions run in UTC, as DTBase's server does. */
export async function openPostgres(url: string, options: PostgresOptions): Promise<Database> {
  const sql = postgres(url, {
    max: options.poolSize,
    ...noDelaySocket(url),
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
    close: (options) => sql.end({ timeout: options?.force ? 0 : 5 }),
  };
}
