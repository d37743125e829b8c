/**
 * The core issue's figures, as bench steps: ingest through DTBase's own endpoint by one
 * sequential client, and the authenticated small-read rate (with a token, and with an API key)
 * under 50 connections beside the rate of an unauthenticated /healthz (the server's own
 * ceiling in the same run).
 */
import autocannon from 'autocannon';
import type { BenchContext } from './run.ts';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** POST /sensor/insert-sensor-readings, batches of `batch`, one request at a time. Returns readings/s. */
export async function benchDtbaseSequentialIngest(ctx: BenchContext, options: { readings: number; batch: number; startMs: number }) {
  const bodies: string[] = [];
  for (let start = 0; start < options.readings; start += options.batch) {
    const n = Math.min(options.batch, options.readings - start);
    bodies.push(
      JSON.stringify({
        unique_identifier: ctx.dtbaseSensor.uid,
        measure_name: ctx.dtbaseSensor.measure,
        timestamps: Array.from({ length: n }, (_, k) => new Date(options.startMs + (start + k) * 1000).toISOString()),
        readings: Array.from({ length: n }, (_, k) => Math.round(Math.sin((start + k) / 500) * 1000) / 100 + 20),
      }),
    );
  }
  const started = performance.now();
  for (const body of bodies) {
    const res = await fetch(`${ctx.baseUrl}/sensor/insert-sensor-readings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.token}` },
      body,
    });
    if (res.status !== 201) throw new Error(`insert-sensor-readings answered ${res.status}: ${await res.text()}`);
  }
  const seconds = (performance.now() - started) / 1000;
  const rate = options.readings / seconds;
  ctx.report(
    `DTBase insert-sensor-readings, ${fmt(options.readings)} readings, batches of ${fmt(options.batch)}, 1 client`,
    `${fmt(rate)} readings/s (${seconds.toFixed(2)} s)`,
  );
  return rate;
}

async function requestsPerSecond(url: string, headers: Record<string, string>, connections: number, seconds: number) {
  const result = await autocannon({ url, connections, duration: seconds, headers });
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0) throw new Error(`${url}: ${failed} of ${result.requests.total} requests failed`);
  return { rate: result.requests.average, p99: result.latency.p99 };
}

/** An API key of the benchmark's user, made through the resource API as a client would. */
async function createReadKey(ctx: BenchContext): Promise<string> {
  const res = await fetch(`${ctx.baseUrl}/api/v1/keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.token}` },
    body: JSON.stringify({ name: `bench-${Date.now()}`, scope: 'read' }),
  });
  if (res.status !== 201) throw new Error(`creating an API key answered ${res.status}: ${await res.text()}`);
  return (await res.json()).key;
}

/**
 * GET /sensor/list-sensor-types with a bearer token and with an API key (X-API-Key), 50
 * connections, beside /healthz.
 */
export async function benchSmallReads(ctx: BenchContext, options: { connections: number; seconds: number }) {
  const { connections, seconds } = options;
  // Warm up: the first requests compile schemas and fill the caches.
  await requestsPerSecond(`${ctx.baseUrl}/healthz`, {}, connections, 1);
  const health = await requestsPerSecond(`${ctx.baseUrl}/healthz`, {}, connections, seconds);
  const url = `${ctx.baseUrl}/sensor/list-sensor-types`;
  const authorization = { authorization: `Bearer ${ctx.token}` };
  await requestsPerSecond(url, authorization, connections, 1);
  const types = await requestsPerSecond(url, authorization, connections, seconds);
  const apiKey = { 'x-api-key': await createReadKey(ctx) };
  await requestsPerSecond(url, apiKey, connections, 1);
  const withKey = await requestsPerSecond(url, apiKey, connections, seconds);
  ctx.report(
    `GET /healthz, ${connections} connections, ${seconds} s (no auth, no database)`,
    `${fmt(health.rate)} requests/s (p99 ${health.p99} ms)`,
  );
  ctx.report(
    `GET /sensor/list-sensor-types with a token, ${connections} connections, ${seconds} s`,
    `${fmt(types.rate)} requests/s (p99 ${types.p99} ms)`,
  );
  ctx.report(
    `GET /sensor/list-sensor-types with an API key, ${connections} connections, ${seconds} s`,
    `${fmt(withKey.rate)} requests/s (p99 ${withKey.p99} ms)`,
  );
  ctx.report(
    'authenticated small read / healthz (token, API key)',
    `${((types.rate / health.rate) * 100).toFixed(0)} %, ${((withKey.rate / health.rate) * 100).toFixed(0)} %`,
  );
}
