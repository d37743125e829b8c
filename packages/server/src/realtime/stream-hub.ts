import type { Database } from '../db/database.ts';
import type { Events } from '../events/events.ts';
import type { Principal } from '../modules/auth/permissions.ts';
import { matches } from './stream-filter.ts';
import { streamLogRepository, type StreamLogFilter } from './stream-log.repository.ts';
import { buildMessages, DEFAULT_MAX_READINGS_PER_EVENT, type StreamMessage } from './stream-messages.ts';

/** Why the server ended a stream; clients see it (SSE `event: close`, WebSocket close reason). */
export type CloseReason = 'slow_consumer' | 'credentials_changed' | 'credentials_expired' | 'server_shutdown';

/** Where a stream's messages go: an SSE response or a WebSocket (stream-connections.ts). */
export interface StreamSink {
  /** How the client is connected (counted per transport by the metrics). */
  readonly transport: 'sse' | 'websocket';
  send(message: StreamMessage): void;
  /** Tells the client that events before `oldest` are no longer kept: it should refetch what it shows. */
  reset(oldest: number): void;
  heartbeat(): void;
  /** Bytes written but not yet taken by the client. */
  buffered(): number;
  /** Resolves once the client has taken what was written (or the connection ended). */
  drained(): Promise<void>;
  close(reason: CloseReason, detail: string): void;
}

export interface StreamRequest {
  filter: StreamLogFilter;
  principal: Principal;
  /** Resume after this event id (Last-Event-ID or since=<id>), or after the events logged before this instant. */
  since?: { id: number } | { at: string };
}

export interface Subscription {
  /** Ends the subscription (the client went away). */
  close(): void;
}

export interface StreamHubOptions {
  db: Database;
  events: Events;
  heartbeatMs: number;
  /** A client further behind than this many bytes is cut off. */
  maxBufferedBytes: number;
  maxReadingsPerEvent?: number;
  /** How often the log is read even without a notification (one was lost; a safety net). */
  pollMs?: number;
  onError?: (error: unknown) => void;
  /** The clock that decides when credentials have expired (tests). */
  now?: () => number;
}

interface Subscriber {
  sink: StreamSink;
  filter: StreamLogFilter;
  principal: Principal;
  /** The last id sent (or skipped as not wanted): only later ones go out. */
  cursor: number;
  /** Live messages held while the missed ones are read from the log. */
  held: StreamMessage[] | null;
  closed: boolean;
}

const PAGE_EVENTS = 200;
/** Messages held for a stream that is catching up; beyond them it is treated as slow. */
const MAX_HELD_MESSAGES = 10_000;

/**
 * The realtime fan-out of one process. The events port wakes it when readings or entities
 * changed (this process's at commit, others' through the one LISTEN connection); it then
 * reads the stream log after the last id it sent, with the readings of every new event, in
 * one pass for all subscribers (stream-messages.ts), and hands each subscriber what its
 * filter keeps. Wake-ups that arrive while a pass runs are folded into one more pass.
 *
 * The log numbers events in commit order (migration 0011), so "after the last id" never
 * skips one: a reconnecting client sends its last id and gets the rest from the log.
 */
export function createStreamHub(options: StreamHubOptions) {
  const { db, events } = options;
  const repo = streamLogRepository(db);
  const maxReadings = options.maxReadingsPerEvent ?? DEFAULT_MAX_READINGS_PER_EVENT;
  const subscribers = new Set<Subscriber>();
  /** The last log id every subscriber has been offered; undefined until the first subscriber. */
  let lastId: number | undefined;
  let starting: Promise<void> | undefined;
  let pass: Promise<void> | undefined;
  let again = false;
  let closed = false;

  const report = (error: unknown) => options.onError?.(error);

  function end(sub: Subscriber, reason: CloseReason, detail: string) {
    if (sub.closed) return;
    sub.closed = true;
    subscribers.delete(sub);
    sub.sink.close(reason, detail);
  }

  function offer(sub: Subscriber, message: StreamMessage) {
    if (sub.closed || message.id <= sub.cursor) return;
    if (sub.held) {
      if (sub.held.length >= MAX_HELD_MESSAGES) {
        end(sub, 'slow_consumer', `more than ${MAX_HELD_MESSAGES} events arrived while the missed ones were being sent`);
      } else {
        sub.held.push(message);
      }
      return;
    }
    sub.cursor = message.id;
    if (!matches(sub.filter, message)) return;
    sub.sink.send(message);
    if (sub.sink.buffered() > options.maxBufferedBytes) {
      end(sub, 'slow_consumer', `the client fell more than ${options.maxBufferedBytes} bytes behind`);
    }
  }

  /** Reads the log after lastId until it is caught up, offering each page to every subscriber. */
  async function drain() {
    while (subscribers.size > 0 && lastId !== undefined) {
      const rows = await repo.after(lastId, PAGE_EVENTS);
      if (rows.length === 0) return;
      const messages = await buildMessages(repo, rows, maxReadings);
      // No await from here on: a subscriber joining now sees lastId and these messages as one step.
      lastId = Math.max(lastId, rows[rows.length - 1]!.id);
      for (const message of messages) for (const sub of subscribers) offer(sub, message);
      if (rows.length < PAGE_EVENTS) return;
    }
  }

  function wake() {
    if (closed || subscribers.size === 0) return;
    if (pass) {
      again = true;
      return;
    }
    pass = (async () => {
      try {
        do {
          again = false;
          await drain();
        } while (again);
      } catch (error) {
        report(error);
      } finally {
        pass = undefined;
      }
    })();
  }

  function closeWhere(test: (sub: Subscriber) => boolean, reason: CloseReason, detail: string) {
    for (const sub of [...subscribers]) if (test(sub)) end(sub, reason, detail);
  }

  const unsubscribe = events.subscribe((event) => {
    if (event.type === 'resync') return wake();
    if (event.type === 'entity.changed') {
      // A changed user (role, password, log-out, deletion) or key (revocation): its streams end,
      // and the client reconnects with credentials checked afresh, resuming where it stopped.
      if (event.entity === 'user') {
        closeWhere(
          (s) => s.principal.user.email === event.key,
          'credentials_changed',
          'the account changed: reconnect with fresh credentials',
        );
      } else if (event.entity === 'api_key') {
        closeWhere((s) => String(s.principal.apiKey?.id) === event.key, 'credentials_changed', 'the API key changed: reconnect');
      }
    }
    if (event.type === 'readings.accepted' || event.type === 'entity.changed') {
      if (lastId === undefined || event.streamId === undefined || event.streamId > lastId) wake();
    }
  });

  // The heartbeat also ends the streams whose token or key has expired since they opened (at
  // most a heartbeat late): a stream must not outlive the credentials it was opened with.
  const heartbeat = setInterval(() => {
    const now = (options.now ?? Date.now)();
    closeWhere(
      (s) => s.principal.expiresAtMs !== undefined && s.principal.expiresAtMs <= now,
      'credentials_expired',
      'the token or API key expired: reconnect with a fresh one to resume',
    );
    for (const sub of subscribers) if (!sub.held) sub.sink.heartbeat();
  }, options.heartbeatMs);
  heartbeat.unref();
  const poll = setInterval(wake, options.pollMs ?? 5_000);
  poll.unref();

  /**
   * Brings lastId up to the log's end when nobody is subscribed: no pass runs then (there is
   * nobody to read for), so what was logged meanwhile is history, not news for the next stream.
   */
  async function catchUp() {
    if (subscribers.size > 0 && lastId !== undefined) return;
    starting ??= repo.lastId().then(
      (id) => {
        lastId = Math.max(lastId ?? 0, id);
        starting = undefined;
      },
      (error) => {
        starting = undefined;
        throw error;
      },
    );
    await starting;
  }

  /** Sends a catching-up subscriber the events in (from, upTo] it wants, page by page, waiting for the client. */
  async function replay(sub: Subscriber, from: number, upTo: number) {
    let after = from;
    while (!sub.closed && after < upTo) {
      const rows = await repo.filtered(after, upTo, sub.filter, PAGE_EVENTS);
      if (rows.length === 0) break;
      for (const message of await buildMessages(repo, rows, maxReadings)) sub.sink.send(message);
      after = rows[rows.length - 1]!.id;
      await sub.sink.drained();
    }
  }

  return {
    /** Starts a stream: first what it missed (when it resumes), then the live feed. */
    async open(request: StreamRequest, sink: StreamSink): Promise<Subscription> {
      if (closed) throw new Error('the stream hub is closed');
      await catchUp();
      let from: number | undefined;
      let gap = false;
      if (request.since) {
        const oldest = await repo.oldestId();
        from = 'id' in request.since ? request.since.id : ((await repo.lastIdBefore(request.since.at)) ?? (oldest ?? lastId! + 1) - 1);
        // Events between the client's last and the oldest kept were pruned (or never were).
        const firstKept = oldest ?? lastId! + 1;
        if (from < firstKept - 1) {
          gap = true;
          from = firstKept - 1;
        }
        // An id this database never gave (another deployment's, or from before a restore):
        // the client starts afresh from now, told so, rather than waiting for ids to pass it.
        const newest = await repo.lastId();
        if (from > newest) {
          gap = true;
          from = newest;
        }
      }
      const upTo = lastId!;
      const sub: Subscriber = {
        sink,
        filter: request.filter,
        principal: request.principal,
        cursor: Math.max(from ?? upTo, upTo),
        held: from !== undefined && from < upTo ? [] : null,
        closed: false,
      };
      subscribers.add(sub);
      if (gap) sink.reset(from! + 1);
      if (sub.held) {
        // Live messages after upTo are held meanwhile: none is lost, none comes twice.
        void (async () => {
          try {
            await replay(sub, from!, upTo);
          } catch (error) {
            report(error);
            end(sub, 'server_shutdown', 'reading the missed events failed');
            return;
          }
          const held = sub.held ?? [];
          sub.held = null;
          for (const message of held) offer(sub, message);
        })();
      }
      return {
        close: () => {
          sub.closed = true;
          subscribers.delete(sub);
        },
      };
    },

    /** Streams open in this process. */
    get size() {
      return subscribers.size;
    },

    /** Streams open in this process, by transport. */
    sizeByTransport(): Record<StreamSink['transport'], number> {
      const counts = { sse: 0, websocket: 0 };
      for (const sub of subscribers) counts[sub.sink.transport]++;
      return counts;
    },

    /** Reads the log now (tests, and after a restart of the listening connection). */
    wake,

    /** Ends every stream (shutdown); later `open` calls are refused. */
    async close() {
      closed = true;
      clearInterval(heartbeat);
      clearInterval(poll);
      unsubscribe();
      closeWhere(() => true, 'server_shutdown', 'the server is shutting down: reconnect to resume');
      await pass;
    },
  };
}

export type StreamHub = ReturnType<typeof createStreamHub>;
