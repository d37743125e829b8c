import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCsv } from '../src/cli/import.ts';
import { MAX_CSV_RECORD_CHARS } from '../src/modules/readings/ingest/csv-readings.ts';
import { ALL_DATATYPES, createSensor } from './helpers/sensor-fixtures.ts';
import { useTestApp } from './helpers/test-app.ts';

/**
 * Malformed streamed bodies at the default body limit (50 MB): a stray quote in a large CSV
 * once kept a core busy for minutes (the pending record was rescanned on every line), and
 * error messages echoed whatever value was sent, or crashed on a deeply nested one.
 */
const ctx = useTestApp();
let dir: string;

const HEADER = 'sensor,measure,timestamp,value\n';
const ROW = 'sb-1,temperature,2024-01-01T00:00:00Z,1.5\n';

const send = (body: string, contentType: string) =>
  ctx.app.inject({
    method: 'POST',
    url: '/api/v1/readings',
    payload: body,
    headers: { authorization: `Bearer ${ctx.token}`, 'content-type': contentType },
  });
const count = async () => (await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM reading_float'))[0].n;

/** A CSV of about `megabytes` whose second line opens a quoted field that never closes. */
function strayQuoteCsv(megabytes: number): string {
  const head = `${HEADER}sb-1,status,2024-01-01T00:00:00Z,"oops\n`;
  return head + ROW.repeat(Math.ceil((megabytes * 1024 * 1024 - head.length) / ROW.length));
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mirrorbase-stream-bounds-'));
  await createSensor(ctx.db, 'sb-1', ALL_DATATYPES);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('streamed readings with malformed records', () => {
  it('answers a 20 MB CSV with a stray quote over a real socket within seconds, /healthz answering meanwhile', async () => {
    const base = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const bytes = Buffer.from(strayQuoteCsv(20));
    expect(bytes.length).toBeGreaterThan(20 * 1024 * 1024);
    let slowestHealth = 0;
    let probing = true;
    const probe = (async () => {
      while (probing) {
        const started = performance.now();
        const health = await fetch(`${base}/healthz`);
        expect(health.status).toBe(200);
        slowestHealth = Math.max(slowestHealth, performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const started = performance.now();
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.subarray(i, i + 64 * 1024));
        controller.close();
      },
    });
    const res = await fetch(`${base}/api/v1/readings`, {
      method: 'POST',
      body: stream,
      duplex: 'half',
      headers: { authorization: `Bearer ${ctx.token}`, 'content-type': 'text/csv' },
    } as RequestInit);
    const seconds = (performance.now() - started) / 1000;
    probing = false;
    await probe;
    expect(res.status).toBe(422);
    // The rest of the upload is not read: the connection closes after the answer, so that
    // neither the client's upload nor a graceful shutdown waits on it.
    expect(res.headers.get('connection')).toBe('close');
    expect(await res.json()).toEqual({
      detail: `line 2: invalid CSV: a record is longer than ${MAX_CSV_RECORD_CHARS} characters (is a closing quote missing?)`,
      code: 'VALIDATION_FAILED',
    });
    // Before: 1 MB took 5 s, 4 MB 87 s and 20 MB over 8 minutes, /healthz unanswered.
    expect(seconds).toBeLessThan(15);
    expect(slowestHealth).toBeLessThan(3000);
    expect(await count()).toBe(0);
  }, 60_000);

  it('answers a stray quote near the end of a CSV at once, naming the line its record started on', async () => {
    const res = await send(`${HEADER}${ROW.repeat(3)}sb-1,status,2024-01-01T00:00:01Z,"open\n${ROW.repeat(10_000)}`, 'text/csv');
    expect(res.statusCode).toBe(422);
    expect(res.json().detail).toBe('line 5: a quoted field is not closed');
    expect(await count()).toBe(0);
  });

  it('refuses a quote inside an unquoted field on its own line, instead of reading on to the next quote', async () => {
    const res = await send(
      `${HEADER}${ROW}sb-1,temperature,2024-01-01T00:00:01Z,12.5"\n${ROW}sb-1,status,2024-01-01T00:00:02Z,"a"\n`,
      'text/csv',
    );
    expect(res.statusCode).toBe(422);
    expect(res.json().detail).toMatch(/^line 3: invalid CSV: a quote may only appear inside a quoted field/);
  });

  it('refuses an over-long CSV line while reading it', async () => {
    const res = await send(`${HEADER}sb-1,status,2024-01-01T00:00:00Z,${'x'.repeat(MAX_CSV_RECORD_CHARS)}\n`, 'text/csv');
    expect(res.statusCode).toBe(422);
    expect(res.json().detail).toBe(`line 2: longer than ${MAX_CSV_RECORD_CHARS} characters`);
  });

  it('stops `mirrorbase import` of a file with a stray quote within seconds, naming the line', async () => {
    const file = path.join(dir, 'stray.csv');
    await writeFile(file, strayQuoteCsv(8));
    const progress = new PassThrough();
    progress.resume();
    const started = performance.now();
    await expect(importCsv(ctx.db, file, { batchRows: 10_000, assumeUtc: false, progress: progress as never })).rejects.toThrow(
      `line 2: invalid CSV: a record is longer than ${MAX_CSV_RECORD_CHARS} characters`,
    );
    expect(performance.now() - started).toBeLessThan(15_000);
  });

  it('reads a CSV and NDJSON starting with a byte order mark', async () => {
    const fromCsv = await send(`\uFEFF${HEADER}sb-1,temperature,2025-01-01T00:00:00Z,1\n`, 'text/csv');
    expect(fromCsv.json()).toEqual({ inserted: 1, duplicates: 0, series: 1 });
    const fromNdjson = await send(
      `\uFEFF${JSON.stringify({ sensor: 'sb-1', measure: 'temperature', timestamp: '2025-01-01T00:00:01Z', value: 2 })}\n`,
      'application/x-ndjson',
    );
    expect(fromNdjson.json()).toEqual({ inserted: 1, duplicates: 0, series: 1 });
  });
});

describe('error messages of every ingest path quote values briefly', () => {
  const long = 'x'.repeat(1_000_000);
  const clipped = `${'x'.repeat(100)}… (1,000,000 characters)`;

  it('CSV: a huge value or timestamp', async () => {
    const value = await send(`${HEADER}sb-1,temperature,2024-01-01T00:00:00Z,${'9'.repeat(500_000)}x\n`, 'text/csv');
    expect(value.statusCode).toBe(422);
    expect(value.json().detail).toBe(`line 2: value "${'9'.repeat(100)}… (500,001 characters)" is not of the measure's datatype float`);
    const timestamp = await send(`${HEADER}sb-1,temperature,${long},1\n`, 'text/csv');
    expect(timestamp.json().detail).toBe(
      `line 2: timestamp "${clipped}" is not an ISO-8601 datetime with a UTC offset (e.g. 2024-01-01T00:00:00Z)`,
    );
  });

  it('NDJSON: a value nested 100,000 levels deep, a huge array, a huge timestamp', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const res = await send(
      `{"sensor": "sb-1", "measure": "temperature", "timestamp": "2024-01-01T00:00:00Z", "value": ${deep}}\n`,
      'application/x-ndjson',
    );
    expect(res.statusCode).toBe(422);
    expect(res.json().detail).toBe(`line 1: value [[["[…]"]]] is not of the measure's datatype float`);
    const series = await send(
      `${JSON.stringify({ sensor: 'sb-1', measure: 'temperature', timestamps: ['2024-01-01T00:00:00Z'], values: [Array.from({ length: 100_000 }, (_, i) => i)] })}\n`,
      'application/x-ndjson',
    );
    expect(series.json().detail).toBe(
      'line 1: value [0,1,2,3,4,5,6,7,8,9,"… 99,990 more"] at index 0 for measure "temperature" is not of the measure\'s datatype float',
    );
    const timestamp = await send(
      `${JSON.stringify({ sensor: 'sb-1', measure: 'temperature', timestamp: long, value: 1 })}\n`,
      'application/x-ndjson',
    );
    expect(timestamp.json().detail).toBe(
      `line 1: timestamp "${clipped}" is not an ISO-8601 datetime with a UTC offset (e.g. 2024-01-01T00:00:00Z)`,
    );
  });

  it('JSON and DTBase: a huge timestamp, a huge value, a huge measure name', async () => {
    const json = await send(
      JSON.stringify({ series: [{ sensor: 'sb-1', measure: 'temperature', timestamps: [long], values: [1] }] }),
      'application/json',
    );
    expect(json.statusCode).toBe(422);
    expect(json.json().detail).toBe(
      `series[0]: timestamp "${clipped}" at index 0 is not an ISO-8601 datetime with a UTC offset (e.g. 2024-01-01T00:00:00Z)`,
    );
    const value = await ctx.post('/sensor/insert-sensor-readings', {
      measure_name: 'temperature',
      unique_identifier: 'sb-1',
      readings: [long],
      timestamps: ['2024-01-01T00:00:00Z'],
    });
    expect(value.statusCode).toBe(422);
    expect(value.json().detail).toBe(`value "${clipped}" at index 0 for measure "temperature" is not of the measure's datatype float`);
    const measure = await ctx.post('/sensor/insert-sensor-readings', {
      measure_name: long,
      unique_identifier: 'sb-1',
      readings: [1],
      timestamps: ['2024-01-01T00:00:00Z'],
    });
    expect(measure.statusCode).toBe(400);
    expect(measure.json().detail).toBe(`Measure "${clipped}" is not a measure of sensor "sb-1"`);
  });
});
