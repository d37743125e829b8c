/**
 * Keeps audit entries off the request's critical path without losing them: entries are
 * collected in memory and written in batches (one multi-row INSERT each) every `flushMs`, or
 * at once when `batchSize` are waiting. A failed write is logged and retried with a doubling
 * delay; `close()` writes what is left (retrying a few times) and, should the database still
 * refuse, logs the entries themselves, so even then they are in the logs rather than gone.
 *
 * Memory is bounded without dropping anything: past `maxPending` entries (the database has
 * been failing for a while), `record` returns a promise that settles once the backlog has
 * shrunk, and the caller waits for it before answering.
 */
export interface AuditBufferLog {
  warn(data: object, message: string): void;
  error(data: object, message: string): void;
}

export interface AuditBufferOptions<Entry> {
  /** Writes one batch; throws when the database did not take it (the batch is retried). */
  write: (entries: readonly Entry[]) => Promise<void>;
  log: AuditBufferLog;
  flushMs?: number;
  batchSize?: number;
  maxPending?: number;
  /** The first retry's delay after a failed write, doubled per failure up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
  /** How often `close()` tries to write what is left before it logs the entries instead. */
  closeAttempts?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createAuditBuffer<Entry>(options: AuditBufferOptions<Entry>) {
  const { write, log } = options;
  const flushMs = options.flushMs ?? 200;
  const batchSize = options.batchSize ?? 500;
  const maxPending = options.maxPending ?? 50_000;
  const retryMs = options.retryMs ?? 1000;
  const maxRetryMs = options.maxRetryMs ?? 30_000;
  const closeAttempts = options.closeAttempts ?? 3;

  const pending: Entry[] = [];
  // Callers held back while the backlog is over maxPending.
  const waiting: Array<() => void> = [];
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;
  let failures = 0;
  let closed = false;

  const releaseWaiting = () => {
    if (pending.length < maxPending) for (const resume of waiting.splice(0)) resume();
  };

  function schedule(delayMs: number) {
    if (timer || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, delayMs);
    // Shutdown writes what is left explicitly (close); the timer alone keeps no process alive.
    timer.unref();
  }

  /** Writes batches until nothing is pending; after a failure, leaves the rest for a retry. */
  async function drain(): Promise<void> {
    while (pending.length > 0) {
      const batch = pending.slice(0, batchSize);
      try {
        await write(batch);
      } catch (error) {
        failures++;
        const delayMs = Math.min(retryMs * 2 ** (failures - 1), maxRetryMs);
        log.error(
          { err: error, pending: pending.length, failures, retryInMs: closed ? undefined : delayMs },
          'audit entries not written yet',
        );
        schedule(delayMs);
        return;
      }
      // Entries recorded meanwhile were appended behind the batch.
      pending.splice(0, batch.length);
      failures = 0;
      releaseWaiting();
    }
  }

  /** Starts a drain unless one runs; resolves when it is over (it never throws). */
  function flush(): Promise<void> {
    flushing ??= drain().finally(() => {
      flushing = undefined;
      // Recorded after the drain's last look: picked up by the next beat.
      if (pending.length > 0) schedule(flushMs);
    });
    return flushing;
  }

  /** Writes everything pending, a few attempts; what still fails is logged, entry by entry. */
  async function writeRemaining(): Promise<void> {
    for (let attempt = 1; pending.length > 0; attempt++) {
      await flush();
      if (pending.length === 0) break;
      if (attempt >= closeAttempts) {
        const lost = pending.splice(0);
        log.error({ entries: lost }, 'audit entries could not be written before shutdown; here they are');
        releaseWaiting();
        break;
      }
      await sleep(Math.min(retryMs * attempt, maxRetryMs));
    }
  }

  return {
    /**
     * Queues an entry. Returns undefined, or a promise when the backlog is over `maxPending`:
     * await it before answering so that a failing database slows writers down rather than
     * filling the memory.
     */
    record(entry: Entry): Promise<void> | undefined {
      pending.push(entry);
      if (closed) {
        // Answered after close() began (a request still in flight): written at once.
        void writeRemaining();
        return undefined;
      }
      if (pending.length >= batchSize && failures === 0) void flush();
      else schedule(flushMs);
      if (pending.length < maxPending) return undefined;
      return new Promise<void>((resolve) => waiting.push(resolve));
    },

    /** Writes what is pending now (e.g. before reading the log back); never throws. */
    flush,

    /** Stops the timer and writes everything left: the app's onClose, before the database closes. */
    async close(): Promise<void> {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      await writeRemaining();
    },

    /** Entries not yet written. */
    get pending(): number {
      return pending.length;
    },
  };
}

export type AuditBuffer<Entry> = ReturnType<typeof createAuditBuffer<Entry>>;
