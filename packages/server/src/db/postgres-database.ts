import net from 'node:net';
import postgres from 'postgres';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { withCommitHooks, type CommitHooks, type Database, type Queryable, type Row, type Transaction } from './database.ts';

type Sql = postgres.Sql | postgres.TransactionSql;

function queryable(sql: Sql): Queryable {
  return {
    async query<T = Row>(text: string, params: readonly unknown[] = []) {
      const rows = await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true });
      return rows as unknown as T[];
    },
    async queryRaw(text: string, params: readonly unknown[] = []) {
      // .raw(): each row an array of the column bytes as received, nothing decoded or parsed.
      const rows = await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true }).raw();
      return rows as unknown as (Buffer | null)[][];
    },
    async exec(script: string) {
      await sql.unsafe(script).simple();
    },
  };
}

function transaction(sql: postgres.TransactionSql, hooks: CommitHooks): Transaction {
  return {
    ...queryable(sql),
    beforeCommit: (fn) => void hooks.before.push(fn),
    afterCommit: (fn) => void hooks.after.push(fn),
    savepoint: (fn) => sql.savepoint((inner) => fn(transaction(inner, hooks))) as never,
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
  const connect = (max: number, idleTimeoutSeconds?: number) =>
    postgres(url, {
      max,
      ...(idleTimeoutSeconds ? { idle_timeout: idleTimeoutSeconds } : {}),
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
  const sql = connect(options.poolSize);
  await sql`select 1`;
  // postgres.js connects lazily: the side connection costs nothing until its first use, and
  // closes again after a minute idle.
  const side = connect(1, 60);
  const inTransaction =
    (pool: postgres.Sql) =>
    <T>(fn: (tx: Transaction) => Promise<T>) =>
      withCommitHooks<T, postgres.TransactionSql>(
        (body) => pool.begin(body) as Promise<T>,
        (tx, hooks) => fn(transaction(tx, hooks)),
      );
  return {
    engine: 'postgres',
    ...queryable(sql),
    transaction: inTransaction(sql),
    sideTransaction: inTransaction(side),
    // postgres.js keeps one extra connection for all LISTENs of the pool and re-LISTENs after a
    // reconnect, calling onlisten each time; the first call is the initial LISTEN.
    async listen(channel, onPayload, onReconnect) {
      let connected = false;
      const { unlisten } = await sql.listen(channel, onPayload, () => {
        if (connected) onReconnect?.();
        connected = true;
      });
      return unlisten;
    },
    close: async (options) => {
      const timeout = options?.force ? 0 : 5;
      await Promise.all([sql.end({ timeout }), side.end({ timeout })]);
    },
  };
}
