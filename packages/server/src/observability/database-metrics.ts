/**
 * The database, measured: every statement's time and the transactions waiting for and holding
 * a connection, taken at our own Database interface. postgres.js keeps its pool's counts to
 * itself, so this is the honest view of pool use: a transaction holds one connection from the
 * moment its body starts (after BEGIN) until it ends, and waits for one before that.
 */
import type { Database, Queryable, Transaction } from '../db/database.ts';

export interface DatabaseObserver {
  /** A statement was sent; the function returned is called once it settles. */
  queryStarted(): (ok: boolean) => void;
  /** A transaction was asked for: `began` once its body runs (it holds a connection), `ended` when it is over. */
  transactionRequested(): { began(): void; ended(): void };
}

async function timed<T>(observer: DatabaseObserver, run: () => Promise<T>): Promise<T> {
  const done = observer.queryStarted();
  try {
    const result = await run();
    done(true);
    return result;
  } catch (error) {
    done(false);
    throw error;
  }
}

function measuredQueryable(inner: Queryable, observer: DatabaseObserver): Queryable {
  return {
    query: (text, params) => timed(observer, () => inner.query(text, params)),
    queryRaw: (text, params) => timed(observer, () => inner.queryRaw(text, params)),
    exec: (script) => timed(observer, () => inner.exec(script)),
  };
}

/**
 * One wrapper per transaction or savepoint object, as the engines make them: code that keys
 * state on a transaction (events.ts, the ingest's locks) sees one identity per transaction.
 */
function measuredTransaction(tx: Transaction, observer: DatabaseObserver): Transaction {
  const wrapped: Transaction = {
    ...measuredQueryable(tx, observer),
    beforeCommit: (fn) => tx.beforeCommit(fn),
    afterCommit: (fn) => tx.afterCommit(fn),
    savepoint: (fn) => tx.savepoint((inner) => fn(measuredTransaction(inner, observer))),
  };
  // Absent on PGlite, and callers test for its absence.
  const { copyIn } = tx;
  if (copyIn) wrapped.copyIn = (statement, lines) => timed(observer, () => copyIn(statement, lines));
  return wrapped;
}

function measuredTransactions(begin: Database['transaction'], observer: DatabaseObserver): Database['transaction'] {
  return async (fn) => {
    const phase = observer.transactionRequested();
    try {
      return await begin((tx) => {
        phase.began();
        return fn(measuredTransaction(tx, observer));
      });
    } finally {
      phase.ended();
    }
  };
}

/** `db` with every statement and transaction reported to `observer`. */
export function measuredDatabase(db: Database, observer: DatabaseObserver): Database {
  const side = db.sideTransaction?.bind(db);
  // Every optional capability of the engine passes through: a wrapper that dropped one would
  // silently turn it off (a PGlite server's backups once answered 500 this way).
  const dumpDataDir = db.dumpDataDir?.bind(db);
  return {
    engine: db.engine,
    ...measuredQueryable(db, observer),
    listen: (channel, onPayload, onReconnect) => db.listen(channel, onPayload, onReconnect),
    transaction: measuredTransactions((fn) => db.transaction(fn), observer),
    ...(side ? { sideTransaction: measuredTransactions(side, observer) } : {}),
    ...(dumpDataDir ? { dumpDataDir } : {}),
    close: (options) => db.close(options),
  };
}
