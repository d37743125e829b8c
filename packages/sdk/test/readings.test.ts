import { describe, expect, it } from 'vitest';
import { MirrorbaseClient, type ReadingRow, type RealtimeEvent } from '../src/index.ts';
import { startProxy } from './helpers/proxy.ts';
import { TEST_EMAIL, TEST_PASSWORD, useSdkServer } from './helpers/server.ts';

const server = useSdkServer();
const START = Date.parse('2024-01-01T00:00:00Z');
const at = (i: number) => new Date(START + i * 1000).toISOString();

const passwordClient = (options: { fetch?: typeof fetch; baseUrl?: string } = {}) =>
  new MirrorbaseClient({ baseUrl: server.url, email: TEST_EMAIL, password: TEST_PASSWORD, env: false, ...options });

describe('streamed ingest and reads', () => {
  it('ingests an async iterable of rows as NDJSON and reads them back (query and export)', async () => {
    await server.createSensor('stream-1');
    const client = new MirrorbaseClient({ baseUrl: server.url, apiKey: await server.createKey(), env: false });
    const N = 5_000;
    let produced = 0;
    async function* rows(): AsyncGenerator<ReadingRow> {
      for (let i = 0; i < N; i++) {
        produced++;
        yield { sensor: 'stream-1', measure: 'temperature', timestamp: at(i), value: i / 10 };
      }
    }
    const summary = await client.readings.ingest(rows(), { format: 'ndjson' });
    expect(summary).toEqual({ inserted: N, duplicates: 0, series: 1 });
    expect(produced).toBe(N);

    const series = await client.readings.query({ sensor: 'stream-1', measure: 'temperature', from: at(0), to: new Date(START + N * 1000) });
    expect(series.timestamps).toHaveLength(N);
    expect(series.values[N - 1]).toBe((N - 1) / 10);

    let count = 0;
    let last: { timestamp: string; value: number } | undefined;
    for await (const row of client.readings.export({ sensor: 'stream-1', measure: 'temperature', from: at(0), to: at(N), numeric: true })) {
      expect(Date.parse(row.timestamp)).toBe(START + count * 1000);
      count++;
      last = row;
    }
    expect(count).toBe(N);
    expect(last?.value).toBe((N - 1) / 10);

    // Re-sending counts duplicates and stores nothing twice.
    expect(await client.readings.ingest(rows(), { format: 'ndjson' })).toEqual({ inserted: 0, duplicates: N, series: 1 });
  });

  it('ingests rows as CSV, and a CSV text stream as it is', async () => {
    await server.createSensor('csv-1', [
      { name: 'temperature', units: 'degC', datatype: 'float' },
      { name: 'status', units: null, datatype: 'string' },
    ]);
    const client = passwordClient();
    const rows: ReadingRow[] = [
      { sensor: 'csv-1', measure: 'status', timestamp: new Date(START), value: 'ok, "quoted"\nsecond line' },
      { sensor: 'csv-1', measure: 'temperature', timestamp: new Date(START), value: 1.5 },
    ];
    expect(await client.readings.ingest(rows, { format: 'csv' })).toEqual({ inserted: 2, duplicates: 0, series: 2 });

    const text = new ReadableStream<string>({
      start(controller) {
        controller.enqueue('sensor,measure,timestamp,value\n');
        for (let i = 1; i <= 100; i++) controller.enqueue(`csv-1,temperature,${at(i)},${i}\n`);
        controller.close();
      },
    });
    expect(await client.readings.ingest(text, { format: 'csv' })).toEqual({ inserted: 100, duplicates: 0, series: 1 });

    const statuses = [];
    for await (const row of client.readings.export({ sensor: 'csv-1', measure: 'status', from: at(0), to: at(1) })) statuses.push(row);
    expect(statuses).toEqual([{ timestamp: expect.stringMatching(/^2024-01-01T00:00:00/), value: 'ok, "quoted"\nsecond line' }]);
  });

  it('reports a refused ingest with the server status and line, and stores nothing', async () => {
    const client = passwordClient();
    const stored = "reading_float r JOIN sensor s ON s.id = r.sensor_id WHERE s.unique_identifier = 'csv-1'";
    const before = await server.ctx.count(stored);
    const rows = [
      { sensor: 'csv-1', measure: 'temperature', timestamp: at(5000), value: 1 },
      { sensor: 'csv-1', measure: 'temperature', timestamp: 'not a time', value: 1 },
    ];
    const error = await client.readings.ingest(rows, { format: 'ndjson' }).catch((e) => e);
    expect(error.status).toBe(422);
    expect(error.message).toMatch(/line 2/);
    expect(await server.ctx.count(stored)).toBe(before);
  });
});

describe('realtime stream', () => {
  it('receives posted readings, resumes with Last-Event-ID after a dropped connection, and stops', async () => {
    await server.createSensor('rt-1');
    const proxy = await startProxy(server.url);
    const lastEventIds: (string | null)[] = [];
    const watcher = passwordClient({
      baseUrl: proxy.url,
      fetch: (input, init) => {
        const request = new Request(input, init);
        if (request.url.includes('/readings/stream')) lastEventIds.push(request.headers.get('last-event-id'));
        return fetch(request);
      },
    });
    const writer = new MirrorbaseClient({ baseUrl: server.url, apiKey: await server.createKey(), env: false });
    const write = (i: number) => writer.readings.ingest([{ sensor: 'rt-1', measure: 'temperature', timestamp: at(i), value: i }]);
    try {
      const feed = watcher.readings.stream({ sensor: 'rt-1' });
      const events = feed[Symbol.asyncIterator]();
      const first = events.next();
      // The subscription is live once the server has it: write until the first event arrives.
      const received = await Promise.race([
        first,
        (async () => {
          for (let i = 0; i < 50; i++) {
            await write(i);
            const done = await Promise.race([first.then(() => true), new Promise((r) => setTimeout(() => r(false), 200))]);
            if (done) break;
          }
          return first;
        })(),
      ]);
      const one = received.value as RealtimeEvent;
      expect(one.event).toBe('readings');
      expect(one.data).toMatchObject({ sensor: 'rt-1', measure: 'temperature' });
      const seen = new Set([one.id]);

      // The network drops the connection and refuses new ones; readings arrive meanwhile.
      proxy.block();
      proxy.drop();
      await write(1000);
      await write(1001);
      await new Promise((resolve) => setTimeout(resolve, 300));
      proxy.unblock();

      const missed: RealtimeEvent[] = [];
      while (!missed.some((e) => (e.data.timestamps as string[] | undefined)?.some((t) => Date.parse(t) === START + 1001_000))) {
        const next = await events.next();
        expect(next.done).toBe(false);
        const event = next.value as RealtimeEvent;
        expect(seen.has(event.id), `event ${event.id} delivered twice`).toBe(false);
        seen.add(event.id);
        missed.push(event);
      }
      expect(lastEventIds.length).toBeGreaterThanOrEqual(2);
      expect(lastEventIds[0]).toBeNull();
      // Every reconnection asked for what came after the last event delivered.
      expect(lastEventIds.slice(1)).toEqual(lastEventIds.slice(1).map(() => one.id));

      // Leaving the loop (return()) ends the subscription.
      const end = events.return(undefined);
      await expect(end).resolves.toEqual({ done: true, value: undefined });
    } finally {
      await proxy.close();
    }
  });

  it('stops when the signal is aborted', async () => {
    const controller = new AbortController();
    const feed = passwordClient().readings.stream({ sensor: 'rt-1', signal: controller.signal });
    const iterator = feed[Symbol.asyncIterator]();
    const next = iterator.next();
    setTimeout(() => controller.abort(), 300);
    await expect(next).resolves.toEqual({ done: true, value: undefined });
  });
});
