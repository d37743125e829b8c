/**
 * The realtime figure: how long a reading takes from its POST to the event on an open stream,
 * with many streams open (issue 8: 1,000, p99 under 50 ms), beside the raw limit of the same
 * path in PostgreSQL, a NOTIFY reaching a LISTEN connection.
 *
 * The subscribers run in this process, on the same two cores as the server and the database:
 * parsing 1,000 streams costs this process CPU the server would otherwise have, so the figure
 * errs on the slow side.
 */
import http from 'node:http';
import postgres from 'postgres';
import type { BenchContext } from './run.ts';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => `${n.toFixed(1)} ms`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Subscriber {
  request: http.ClientRequest;
  /** When each value (the POST's number) arrived. */
  arrivals: Map<number, number>;
}

/** Opens one SSE stream; resolves once its headers came (the server has registered it by then). */
function subscribe(url: string, token: string, agent: http.Agent): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const arrivals = new Map<number, number>();
    const request = http.get(url, { agent, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream answered ${res.statusCode}`));
      res.setEncoding('utf8');
      let tail = '';
      res.on('data', (chunk: string) => {
        const now = performance.now();
        const text = tail + chunk;
        // Each event carries one reading whose value is the POST's number.
        for (const match of text.matchAll(/"values":\[(\d+)\]/g)) arrivals.set(Number(match[1]), now);
        tail = text.slice(-32);
      });
      resolve({ request, arrivals });
    });
    request.on('error', reject);
  });
}

/** NOTIFY -> LISTEN delay through the same PostgreSQL: the floor under any push from the database. */
async function rawNotifyDelays(databaseUrl: string, count: number): Promise<number[]> {
  const listener = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const notifier = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const sent = new Map<string, number>();
  const delays: number[] = [];
  let arrived: (() => void) | undefined;
  await listener.listen('bench_raw_notify', (payload) => {
    const at = sent.get(payload);
    if (at !== undefined) delays.push(performance.now() - at);
    arrived?.();
  });
  for (let i = 0; i < count; i++) {
    const wait = new Promise<void>((r) => (arrived = r));
    sent.set(String(i), performance.now());
    await notifier`SELECT pg_notify('bench_raw_notify', ${String(i)})`;
    await wait;
  }
  await listener.end();
  await notifier.end();
  return delays.sort((a, b) => a - b);
}

/**
 * `subscribers` streams filtered to one sensor; `posts` POSTs of one reading each, one at a
 * time, each waiting until every stream has it (or 5 s). The delay is from just before the
 * POST is sent to the moment a stream's bytes arrive, for every stream and every POST.
 */
export async function benchStreamLatency(ctx: BenchContext, options: { subscribers: number; posts: number; databaseUrl: string }) {
  const sensor = ctx.streamSensor;
  const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const url = `${ctx.baseUrl}/api/v1/readings/stream?sensor=${encodeURIComponent(sensor.uid)}`;
  const subscribers: Subscriber[] = [];
  const openStarted = performance.now();
  for (let i = 0; i < options.subscribers; i += 100) {
    subscribers.push(
      ...(await Promise.all(Array.from({ length: Math.min(100, options.subscribers - i) }, () => subscribe(url, ctx.token, agent)))),
    );
  }
  const openSeconds = (performance.now() - openStarted) / 1000;
  const delays: number[] = [];
  const postTimes: number[] = [];
  let missing = 0;
  const base = Date.parse('2025-06-01T00:00:00Z');
  try {
    for (let n = 1; n <= options.posts; n++) {
      const body = JSON.stringify({
        series: [{ sensor: sensor.uid, measure: sensor.measure, timestamps: [new Date(base + n * 1000).toISOString()], values: [n] }],
      });
      const sentAt = performance.now();
      const res = await fetch(`${ctx.baseUrl}/api/v1/readings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.token}` },
        body,
      });
      if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
      postTimes.push(performance.now() - sentAt);
      const deadline = performance.now() + 5_000;
      while (subscribers.some((s) => !s.arrivals.has(n)) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 1));
      for (const s of subscribers) {
        const at = s.arrivals.get(n);
        if (at === undefined) missing++;
        else delays.push(at - sentAt);
      }
      // A pause between POSTs, as readings arrive in a live system; the streams are idle between them.
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    for (const s of subscribers) s.request.destroy();
    agent.destroy();
  }
  delays.sort((a, b) => a - b);
  postTimes.sort((a, b) => a - b);
  const raw = await rawNotifyDelays(options.databaseUrl, 200);
  ctx.report(`streams opened (SSE, one sensor's readings)`, `${fmt(subscribers.length)} in ${openSeconds.toFixed(2)} s`);
  ctx.report(
    `POST /api/v1/readings -> event, ${fmt(subscribers.length)} streams, ${options.posts} POSTs: p50 / p99 / max`,
    `${ms(percentile(delays, 50))} / ${ms(percentile(delays, 99))} / ${ms(delays[delays.length - 1] ?? Number.NaN)}${missing ? ` (${missing} events missing)` : ''}`,
  );
  ctx.report('  the POST alone (its answer): p50 / p99', `${ms(percentile(postTimes, 50))} / ${ms(percentile(postTimes, 99))}`);
  ctx.report('  raw limit: pg_notify -> LISTEN connection, p50 / p99', `${ms(percentile(raw, 50))} / ${ms(percentile(raw, 99))}`);
}
