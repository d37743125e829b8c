import { randomUUID } from 'node:crypto';
import type { Database, Queryable, Transaction, Unlisten } from '../db/database.ts';

/** Readings of one series that a request stored (duplicates excluded). */
export interface ReadingsAccepted {
  type: 'readings.accepted';
  sensor: string;
  measure: string;
  sensorId: number;
  measureId: number;
  /** Readings really inserted. */
  count: number;
  /** First and last timestamp of what was inserted (ISO-8601 UTC). */
  first: string;
  last: string;
  /** Its id in the stream log (set by the events port when it is published). */
  streamId?: number;
}

/** Every kind of entity whose changes are published (and streamed): the one list, the type derived from it. */
export const ENTITY_KINDS = [
  'user',
  'sensor',
  'sensor_type',
  'sensor_measure',
  'sensor_location',
  'location',
  'location_schema',
  'model',
  'model_scenario',
  'model_measure',
  'model_run',
  'service',
  'service_parameter_set',
  'service_run',
  'service_schedule',
  'api_key',
] as const;

export type EntityKind = (typeof ENTITY_KINDS)[number];

/**
 * An entity was created, changed or deleted; `key` is its natural key as text: the e-mail of a
 * user, the unique identifier of a sensor, the name of a sensor type, location schema, model or
 * service, and the id of the rest (measures, installations, locations, scenarios, runs,
 * parameter sets, service runs, service schedules, API keys). A deletion stands for what went with it (a model's scenarios
 * and runs, a service's parameter sets and run log, a sensor's installations and readings).
 */
export interface EntityChanged {
  type: 'entity.changed';
  entity: EntityKind;
  action: 'created' | 'updated' | 'deleted';
  key: string;
  /** Its id in the stream log (set by the events port when it is published). */
  streamId?: number;
}

/** A job was enqueued: job runners look for due jobs at once instead of at their next poll. */
export interface JobsEnqueued {
  type: 'jobs.enqueued';
  name: string;
}

export type MirrorbaseEvent = ReadingsAccepted | EntityChanged | JobsEnqueued;

/** Events kept in the stream log (readings and entity changes), which realtime clients resume from. */
export type StreamedEvent = ReadingsAccepted | EntityChanged;
export const isStreamed = (event: MirrorbaseEvent): event is StreamedEvent =>
  event.type === 'readings.accepted' || event.type === 'entity.changed';

/**
 * What a subscriber receives: the events, and `resync` when the process may have missed some
 * (its listening connection was lost and re-established): caches must then start afresh.
 */
export type EventListener = (event: MirrorbaseEvent | { type: 'resync' }) => void;

/**
 * The events port: side effects that others react to (realtime streams, caches, the scheduler)
 * are published here, never called directly. Events published inside a transaction are
 * delivered when it commits and never when it rolls back, to every process on the database.
 * Readings and entity events are also appended to the stream log (migration 0011) in the same
 * transaction, numbered in commit order: realtime streams read them back from there.
 */
export interface Events {
  /**
   * Publishes `events` with the transaction `q` (or at once, outside one). Within one
   * transaction, readings of the same series are merged, so one request is one notification
   * per series however many batches it wrote.
   */
  publish(q: Queryable | Transaction, events: readonly MirrorbaseEvent[]): Promise<void>;
  /** Calls `listener` for every event of every process; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void;
  /** Starts the one listening connection of this process. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export const EVENTS_CHANNEL = 'mirrorbase_events';
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7900;

const isTransaction = (q: Queryable): q is Transaction => typeof (q as Transaction).beforeCommit === 'function';

/** Merges readings events of the same series; other events are kept as they are, in order. */
export function mergeEvents(events: readonly MirrorbaseEvent[]): MirrorbaseEvent[] {
  const merged: MirrorbaseEvent[] = [];
  const bySeries = new Map<string, ReadingsAccepted>();
  for (const event of events) {
    if (event.type !== 'readings.accepted') {
      merged.push(event);
      continue;
    }
    const key = `${event.sensorId}:${event.measureId}`;
    const seen = bySeries.get(key);
    if (!seen) {
      const copy = { ...event };
      bySeries.set(key, copy);
      merged.push(copy);
      continue;
    }
    seen.count += event.count;
    // ISO-8601 UTC strings of one format compare as instants.
    if (event.first < seen.first) seen.first = event.first;
    if (event.last > seen.last) seen.last = event.last;
  }
  return merged;
}

/** On the wire, an event carries the process that sent it, which delivered it itself already. */
type Notification = MirrorbaseEvent & { origin: string };

function payloadOf(event: MirrorbaseEvent, origin: string): string {
  const text = JSON.stringify({ ...event, origin });
  if (Buffer.byteLength(text) <= MAX_PAYLOAD_BYTES) return text;
  // Only a key could be this long (names are limited to 100 characters, so none is today).
  return JSON.stringify({ ...event, key: (event as EntityChanged).key.slice(0, 1000), origin });
}

function parseNotification(payload: string): Notification | undefined {
  try {
    const event = JSON.parse(payload) as Notification;
    return event && typeof event.type === 'string' ? event : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The events port over PostgreSQL's LISTEN/NOTIFY, on a server and on PGlite alike: one
 * listening connection per process, fanned out in memory to this process's subscribers.
 *
 * The publishing process delivers its own events to its subscribers as soon as they are
 * committed, and skips them when they come back through LISTEN: a request that deletes a user
 * is followed by one that finds the user gone, on this replica at once, on the others within
 * the notification's delay.
 */
export function createEvents(deps: { db: Database; onError?: (error: unknown) => void }): Events {
  const listeners = new Set<EventListener>();
  const pending = new WeakMap<Transaction, MirrorbaseEvent[]>();
  let unlisten: Unlisten | undefined;
  const origin = randomUUID();

  const deliver = (event: MirrorbaseEvent | { type: 'resync' }) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        deps.onError?.(error);
      }
    }
  };

  /** Appends the streamed events to the stream log (the transaction's last statement but the notify) and numbers them. */
  async function appendToLog(tx: Queryable, events: readonly MirrorbaseEvent[]) {
    const streamed = events.filter(isStreamed);
    if (streamed.length === 0) return;
    const column = <T>(pick: (e: StreamedEvent) => T) => streamed.map(pick);
    const reading = (e: StreamedEvent) => (e.type === 'readings.accepted' ? e : undefined);
    const entity = (e: StreamedEvent) => (e.type === 'entity.changed' ? e : undefined);
    const [row] = await tx.query<{ first: number }>('SELECT mb_stream_append($1, $2, $3, $4, $5, $6, $7, $8) AS first', [
      column((e) => reading(e)?.sensorId ?? null),
      column((e) => reading(e)?.measureId ?? null),
      column((e) => reading(e)?.first ?? null),
      column((e) => reading(e)?.last ?? null),
      column((e) => reading(e)?.count ?? null),
      column((e) => entity(e)?.entity ?? null),
      column((e) => entity(e)?.action ?? null),
      column((e) => entity(e)?.key ?? null),
    ]);
    streamed.forEach((event, i) => {
      event.streamId = Number(row!.first) + i;
    });
  }

  async function notify(q: Queryable, events: readonly MirrorbaseEvent[]) {
    if (events.length === 0) return;
    const payloads = events.map((event) => payloadOf(event, origin));
    await q.query('SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p', [EVENTS_CHANNEL, payloads]);
  }

  /**
   * Publishes made outside a transaction, grouped: those that arrive while a group commits go
   * together in the next one, one transaction for all. Appending to the stream log holds its
   * lock until the commit, so one transaction per publish made a thousand service runs that
   * start at once wait for each other's commits (most of their start-up time); grouped, they
   * share a few. Each publish still resolves once its events are committed and delivered.
   */
  let waiting: { events: readonly MirrorbaseEvent[]; resolve: () => void; reject: (error: unknown) => void }[] = [];
  let flushing = false;

  async function flushGroups() {
    while (waiting.length > 0) {
      const group = waiting;
      waiting = [];
      const merged = mergeEvents(group.flatMap((entry) => entry.events));
      try {
        if (merged.some(isStreamed)) {
          // The log and the notification commit together, like a transaction's would.
          await deps.db.transaction(async (tx) => {
            await appendToLog(tx, merged);
            await notify(tx, merged);
          });
        } else {
          await notify(deps.db, merged);
        }
      } catch (error) {
        for (const entry of group) entry.reject(error);
        continue;
      }
      merged.forEach(deliver);
      for (const entry of group) entry.resolve();
    }
    flushing = false;
  }

  function publishGrouped(events: readonly MirrorbaseEvent[]): Promise<void> {
    return new Promise((resolve, reject) => {
      waiting.push({ events, resolve, reject });
      if (flushing) return;
      flushing = true;
      void flushGroups();
    });
  }

  return {
    async publish(q, events) {
      if (events.length === 0) return;
      if (!isTransaction(q)) return publishGrouped(events);
      let list = pending.get(q);
      if (!list) {
        list = [];
        pending.set(q, list);
        const own = list;
        let merged: MirrorbaseEvent[] = [];
        q.beforeCommit(async () => {
          merged = mergeEvents(own);
          await appendToLog(q, merged);
          await notify(q, merged);
        });
        q.afterCommit(() => merged.forEach(deliver));
      }
      list.push(...events);
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },

    async start() {
      if (unlisten) return;
      unlisten = await deps.db.listen(
        EVENTS_CHANNEL,
        (payload) => {
          const notification = parseNotification(payload);
          if (!notification || notification.origin === origin) return;
          const { origin: _sender, ...event } = notification;
          deliver(event as MirrorbaseEvent);
        },
        () => deliver({ type: 'resync' }),
      );
    },

    async close() {
      const stop = unlisten;
      unlisten = undefined;
      listeners.clear();
      await stop?.();
    },
  };
}
