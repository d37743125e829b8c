/**
 * The SDK's streamed ingest beside plain HTTP posts of the same batches: the same readings, the
 * same batch size and concurrency, the same route and format (NDJSON, one reading per line),
 * each side building its body from the same row objects inside the timed part. Two sensors, so
 * both sides store new rows. The target: the SDK at 90% of the plain rate or better.
 */
import { MirrorbaseClient, type ReadingRow } from '@mirrorbase/sdk';
import type { BenchContext } from './run.ts';

export interface SdkBenchOptions {
  readings: number;
  batch: number;
  concurrency: number;
  startMs: number;
  /** The benchmark's user: the SDK logs in by itself, as an application would. */
  email: string;
  password: string;
  /** Makes a fresh float sensor for one side. */
  createSensor: (uid: string) => Promise<{ uid: string; measure: string }>;
}

function batchesOf(sensor: { uid: string; measure: string }, options: SdkBenchOptions): ReadingRow[][] {
  const batches: ReadingRow[][] = [];
  for (let start = 0; start < options.readings; start += options.batch) {
    const rows: ReadingRow[] = [];
    for (let i = start; i < Math.min(start + options.batch, options.readings); i++) {
      rows.push({
        sensor: sensor.uid,
        measure: sensor.measure,
        timestamp: new Date(options.startMs + i * 1000).toISOString(),
        value: 20 + (i % 500) / 100,
      });
    }
    batches.push(rows);
  }
  return batches;
}

async function timed(batches: ReadingRow[][], concurrency: number, send: (rows: ReadingRow[]) => Promise<number>) {
  let next = 0;
  let inserted = 0;
  const worker = async () => {
    while (next < batches.length) {
      const n = await send(batches[next++]);
      inserted += n;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { seconds: (performance.now() - started) / 1000, inserted };
}

export async function benchSdkIngest(ctx: BenchContext, options: SdkBenchOptions): Promise<void> {
  const plainBatches = batchesOf(await options.createSensor('bench-sdk-plain'), options);
  const sdkBatches = batchesOf(await options.createSensor('bench-sdk-client'), options);

  const plain = await timed(plainBatches, options.concurrency, async (rows) => {
    let body = '';
    for (const row of rows) body += `${JSON.stringify(row)}\n`;
    const res = await fetch(`${ctx.baseUrl}/api/v1/readings`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${ctx.token}` },
      body,
    });
    if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
    return (await res.json()).inserted as number;
  });

  const client = new MirrorbaseClient({ baseUrl: ctx.baseUrl, email: options.email, password: options.password, env: false });
  await client.login();
  const sdk = await timed(
    sdkBatches,
    options.concurrency,
    async (rows) => (await client.readings.ingest(rows, { format: 'ndjson' })).inserted,
  );

  for (const side of [plain, sdk]) {
    if (side.inserted !== options.readings) throw new Error(`expected ${options.readings} readings inserted, got ${side.inserted}`);
  }
  const plainRate = options.readings / plain.seconds;
  const sdkRate = options.readings / sdk.seconds;
  const what = `${options.readings} readings, NDJSON batches of ${options.batch}, ${options.concurrency} in flight`;
  ctx.report(`plain HTTP posts (fetch), ${what}`, `${fmt(plainRate)} readings/s (${plain.seconds.toFixed(2)} s)`);
  ctx.report(`SDK streamed ingest (client.readings.ingest), ${what}`, `${fmt(sdkRate)} readings/s (${sdk.seconds.toFixed(2)} s)`);
  ctx.report('SDK streamed ingest / plain HTTP posts (target >= 90 %)', `${((sdkRate / plainRate) * 100).toFixed(0)} %`);
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
