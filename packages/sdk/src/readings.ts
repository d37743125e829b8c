import type { MirrorbaseClient } from './client.ts';
import { errorFromResponse, MirrorbaseError } from './errors.ts';
import { backoffMs, sleep } from './retry.ts';
import { sseEvents } from './sse.ts';
import { csvField, csvRecords, lines } from './text-stream.ts';

type Timestamp = string | Date;
type Value = number | boolean | string;

/** One reading, as `/api/v1/readings` takes it in NDJSON and CSV. */
export interface ReadingRow {
  sensor: string;
  measure: string;
  timestamp: Timestamp;
  value: Value;
}

/** Many readings of one series (NDJSON and JSON; expanded to rows for CSV). */
export interface SeriesRow {
  sensor: string;
  measure: string;
  units?: string | null;
  timestamps: Timestamp[];
  values: Value[];
}

/** What ingest accepts: rows or series, or text (CSV/NDJSON chunks) already in the format. */
export type IngestSource =
  | Iterable<ReadingRow | SeriesRow | string | Uint8Array>
  | AsyncIterable<ReadingRow | SeriesRow | string | Uint8Array>
  | ReadableStream<Uint8Array | string>;

export interface IngestOptions {
  /** The wire format (default 'ndjson'). Text chunks must already be in it (CSV with its header). */
  format?: 'ndjson' | 'csv';
  signal?: AbortSignal;
  /**
   * Collect the body before sending instead of streaming it: for browsers that cannot stream a
   * request body (Safari, Firefox, and Chrome over HTTP/1.1). Detected by itself when unset.
   */
  buffer?: boolean;
}

/** The server's answer to an ingest. */
export interface IngestSummary {
  inserted: number;
  duplicates: number;
  series: number;
}

export interface ReadingsQuery {
  sensor: string;
  measure: string;
  from: Timestamp;
  to: Timestamp;
  units?: string;
  max_points?: number;
  agg?: 'avg' | 'min' | 'max' | 'minmax' | 'lttb';
  bucket?: '1h' | '1d' | '1w' | '1mo';
  tz?: string;
  signal?: AbortSignal;
}

/** The column-wise answer of a read (the server's JSON, with every field it sends). */
export interface Series {
  sensor: string;
  measure: string;
  units: string | null;
  datatype: string;
  resolution: string;
  timestamps: string[];
  values: unknown[];
  [more: string]: unknown;
}

export interface ExportQuery {
  sensor: string;
  measure: string;
  from: Timestamp;
  to: Timestamp;
  units?: string;
  /** Convert each value with Number() (default false: values as the CSV text). */
  numeric?: boolean;
  signal?: AbortSignal;
}

export interface ExportRow<V = string> {
  timestamp: string;
  value: V;
}

export interface StreamFilters {
  sensor?: string | string[];
  measure?: string | string[];
  sensorType?: string | string[];
  /** Entity kinds whose changes to include (`sensor`, `model_run`, ...). */
  entities?: string[];
  /** false: entity events only. */
  readings?: boolean;
  /** Start after this event id (what was missed since, then live). */
  sinceId?: string;
  signal?: AbortSignal;
  /** Reconnect after a dropped connection (default true), resuming from the last event id. */
  reconnect?: boolean;
}

/** One realtime event: `readings`, `entity` or `reset` (the history was lost: refetch). */
export interface RealtimeEvent<T = Record<string, unknown>> {
  id: string | undefined;
  event: 'readings' | 'entity' | 'reset' | (string & {});
  data: T;
}

const iso = (t: Timestamp) => (t instanceof Date ? t.toISOString() : t);
const encoder = new TextEncoder();
/** Rows are sent in chunks of about this size: one write per row would cost more than the rows. */
const CHUNK_BYTES = 64 * 1024;

function isSeries(row: ReadingRow | SeriesRow): row is SeriesRow {
  return Array.isArray((row as SeriesRow).timestamps);
}

function toNdjson(row: ReadingRow | SeriesRow): string {
  if (isSeries(row)) return `${JSON.stringify({ ...row, timestamps: row.timestamps.map(iso) })}\n`;
  return `${JSON.stringify({ ...row, timestamp: iso(row.timestamp) })}\n`;
}

function toCsv(row: ReadingRow | SeriesRow): string {
  const prefix = `${csvField(row.sensor)},${csvField(row.measure)},`;
  if (!isSeries(row)) return `${prefix}${csvField(row.timestamp)},${csvField(row.value)}\n`;
  let text = '';
  for (let i = 0; i < row.timestamps.length; i++) text += `${prefix}${csvField(row.timestamps[i])},${csvField(row.values[i])}\n`;
  return text;
}

async function* items(source: IngestSource): AsyncGenerator<ReadingRow | SeriesRow | string | Uint8Array> {
  if (typeof ReadableStream !== 'undefined' && source instanceof ReadableStream) {
    const reader = source.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  yield* source as AsyncIterable<ReadingRow | SeriesRow | string | Uint8Array>;
}

/** The body of an ingest as a byte stream, pulled from the source only as fast as it is sent. */
function ingestBody(source: IngestSource, format: 'ndjson' | 'csv'): ReadableStream<Uint8Array> {
  const iterator = items(source);
  let started = false;
  const serialise = format === 'csv' ? toCsv : toNdjson;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let text = '';
      if (!started) {
        started = true;
        const first = await iterator.next();
        if (first.done) return controller.close();
        const item = first.value;
        // Rows need the CSV header; text is sent as it is (it carries its own).
        if (format === 'csv' && typeof item === 'object' && !(item instanceof Uint8Array)) text = 'sensor,measure,timestamp,value\n';
        if (item instanceof Uint8Array) return controller.enqueue(item);
        text += typeof item === 'string' ? item : serialise(item);
      }
      while (text.length < CHUNK_BYTES) {
        const next = await iterator.next();
        if (next.done) {
          if (text) controller.enqueue(encoder.encode(text));
          return controller.close();
        }
        const item = next.value;
        if (item instanceof Uint8Array) {
          if (text) controller.enqueue(encoder.encode(text));
          return controller.enqueue(item);
        }
        text += typeof item === 'string' ? item : serialise(item);
      }
      controller.enqueue(encoder.encode(text));
    },
    async cancel(reason) {
      await iterator.throw(reason).catch(() => {});
    },
  });
}

let streamingUploads: boolean | undefined;
/** Whether this runtime can send a ReadableStream as a request body (the standard feature test). */
function canStreamUploads(): boolean {
  if (streamingUploads !== undefined) return streamingUploads;
  let duplexRead = false;
  try {
    const hasContentType = new Request('http://localhost/', {
      body: new ReadableStream(),
      method: 'POST',
      get duplex() {
        duplexRead = true;
        return 'half';
      },
    } as RequestInit).headers.has('content-type');
    streamingUploads = duplexRead && !hasContentType;
  } catch {
    streamingUploads = false;
  }
  return streamingUploads;
}

async function bufferBody(body: ReadableStream<Uint8Array>): Promise<Blob> {
  const parts: Uint8Array[] = [];
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return new Blob(parts as BlobPart[]);
    parts.push(value);
  }
}

/** Readings: column-wise reads, streamed exports and ingests, and the realtime feed. */
export class ReadingsApi {
  constructor(private readonly client: MirrorbaseClient) {}

  /**
   * One series over a time range, column-wise.
   *
   * @example
   * const { timestamps, values } = await client.readings.query({ sensor: 'ws-1', measure: 'temperature', from: '2024-01-01T00:00:00Z', to: new Date() });
   */
  async query(query: ReadingsQuery): Promise<Series> {
    const { signal, from, to, ...rest } = query;
    const response = await this.client.request('/api/v1/readings', { query: { ...rest, from: iso(from), to: iso(to) }, signal });
    if (!response.ok) throw await errorFromResponse(response, 'reading readings');
    return (await response.json()) as Series;
  }

  /**
   * Every raw reading of a series in a range, as rows, streamed (CSV export: no cap, nothing
   * buffered beyond one chunk).
   *
   * @example
   * for await (const { timestamp, value } of client.readings.export({ sensor: 'ws-1', measure: 'temperature', from, to, numeric: true })) { ... }
   */
  export(query: ExportQuery & { numeric: true }): AsyncGenerator<ExportRow<number>>;
  export(query: ExportQuery): AsyncGenerator<ExportRow<string>>;
  async *export(query: ExportQuery): AsyncGenerator<ExportRow<string | number>> {
    const { signal, from, to, numeric, ...rest } = query;
    const response = await this.client.request('/api/v1/readings', {
      query: { ...rest, from: iso(from), to: iso(to), format: 'csv' },
      headers: { accept: 'text/csv' },
      signal,
    });
    if (!response.ok) throw await errorFromResponse(response, 'exporting readings');
    if (!response.body) return;
    let header = true;
    for await (const [timestamp, value] of csvRecords(lines(response.body, signal))) {
      if (header) {
        header = false;
        continue;
      }
      if (timestamp === undefined || timestamp === '') continue;
      yield { timestamp, value: numeric ? Number(value) : (value ?? '') };
    }
  }

  /**
   * Streams rows (or CSV/NDJSON text) to `POST /api/v1/readings` as one request body, produced
   * while it is sent; resolves to the server's summary. Never retried (the body is consumed).
   *
   * @example
   * async function* rows() { for (const r of source) yield { sensor: 'ws-1', measure: 'temperature', timestamp: r.t, value: r.v }; }
   * const { inserted, duplicates } = await client.readings.ingest(rows(), { format: 'ndjson' });
   */
  async ingest(source: IngestSource, options: IngestOptions = {}): Promise<IngestSummary> {
    const format = options.format ?? 'ndjson';
    const stream = ingestBody(source, format);
    const body = (options.buffer ?? !canStreamUploads()) ? await bufferBody(stream) : stream;
    const response = await this.client.request('/api/v1/readings', {
      method: 'POST',
      headers: { 'content-type': format === 'csv' ? 'text/csv' : 'application/x-ndjson', accept: 'application/json' },
      body,
      signal: options.signal,
    });
    if (!response.ok) throw await errorFromResponse(response, 'ingesting readings');
    return (await response.json()) as IngestSummary;
  }

  /**
   * The realtime feed (`GET /api/v1/readings/stream`, Server-Sent Events read through fetch, so
   * it runs in browsers and Node with the client's credentials). Reconnects after a dropped
   * connection with Last-Event-ID, so nothing is lost or repeated while the server keeps the
   * history. Stop it with the signal, `close()`, or by leaving the `for await` loop.
   *
   * @example
   * const feed = client.readings.stream({ sensor: 'ws-1' });
   * for await (const event of feed) if (event.event === 'readings') console.log(event.data);
   */
  stream(filters: StreamFilters = {}): RealtimeSubscription {
    return new RealtimeSubscription(this.client, filters);
  }
}

const list = (value: string | string[] | undefined) => (value === undefined ? undefined : Array.isArray(value) ? value : [value]);

/** A running subscription to the realtime feed: an async iterable of events. */
export class RealtimeSubscription implements AsyncIterable<RealtimeEvent> {
  private readonly controller = new AbortController();
  private last: string | undefined;
  private iterator: AsyncGenerator<RealtimeEvent> | undefined;

  constructor(
    private readonly client: MirrorbaseClient,
    private readonly filters: StreamFilters,
  ) {
    this.last = filters.sinceId;
    filters.signal?.addEventListener('abort', () => this.close(), { once: true });
    if (filters.signal?.aborted) this.close();
  }

  /** The id of the last event received: where a new subscription would resume. */
  get lastEventId(): string | undefined {
    return this.last;
  }

  /** Ends the subscription: the connection is closed and the iteration finishes. */
  close(): void {
    this.controller.abort();
  }

  [Symbol.asyncIterator](): AsyncGenerator<RealtimeEvent> {
    this.iterator ??= this.run();
    return this.iterator;
  }

  private async *run(): AsyncGenerator<RealtimeEvent> {
    const signal = this.controller.signal;
    const query = {
      sensor: list(this.filters.sensor),
      measure: list(this.filters.measure),
      sensor_type: list(this.filters.sensorType),
      entities: this.filters.entities,
      readings: this.filters.readings,
    };
    let failures = 0;
    try {
      while (!signal.aborted) {
        let response: Response;
        try {
          response = await this.client.request('/api/v1/readings/stream', {
            query: this.last === undefined ? query : { ...query, since: this.last },
            headers: { accept: 'text/event-stream', ...(this.last === undefined ? {} : { 'last-event-id': this.last }) },
            signal,
          });
        } catch (error) {
          if (signal.aborted) return;
          if (this.filters.reconnect === false) throw error;
          await this.pause(failures++);
          continue;
        }
        if (!response.ok || !response.body) {
          const error = await errorFromResponse(response, 'subscribing to the realtime stream');
          // A refused subscription (bad filter, no permission) will not get better by retrying.
          if (this.filters.reconnect === false || (response.status < 500 && response.status !== 429)) throw error;
          await this.pause(failures++);
          continue;
        }
        let refresh = false;
        try {
          for await (const raw of sseEvents(lines(response.body, signal))) {
            failures = 0;
            if (raw.event === 'close') {
              refresh = raw.data.includes('credentials_changed');
              break;
            }
            if (raw.id !== undefined) this.last = raw.id;
            yield { id: raw.id, event: raw.event, data: parseData(raw.data) };
          }
        } catch (error) {
          if (signal.aborted) return;
          if (this.filters.reconnect === false || error instanceof MirrorbaseError) throw error;
        }
        if (signal.aborted || this.filters.reconnect === false) return;
        if (refresh) await this.client.refreshCredentials();
        await this.pause(failures++);
      }
    } finally {
      this.controller.abort();
    }
  }

  private pause(failures: number): Promise<void> {
    return sleep(backoffMs(failures, { retries: 0, baseDelayMs: 250, maxDelayMs: 15_000 }), this.controller.signal).catch(() => {});
  }
}

function parseData(data: string): Record<string, unknown> {
  try {
    return JSON.parse(data) as Record<string, unknown>;
  } catch {
    return { text: data };
  }
}
