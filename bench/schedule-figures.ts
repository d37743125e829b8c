/**
 * The scheduler figure (issue 9): N schedules due in the same second on one server process,
 * each calling a fast local HTTP service; how long from the scheduled time to the call's
 * arrival at the service (p50, p99, max), and how many arrived within 2 s.
 *
 * Each schedule is a six-field cron expression naming one second, so all fall due at once; the
 * server wakes for that beat itself (no poll interval in the figure).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BenchContext } from './run.ts';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function post(ctx: BenchContext, url: string, body: unknown, expected: number) {
  const res = await fetch(`${ctx.baseUrl}${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.token}` },
    body: JSON.stringify(body),
  });
  if (res.status !== expected) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
}

export async function benchSchedules(ctx: BenchContext, options: { schedules: number }) {
  const n = options.schedules;
  const delays: number[] = [];
  const service = http.createServer((req, res) => {
    const arrived = Date.now();
    const to = req.headers['mirrorbase-window-to'];
    if (typeof to === 'string') delays.push(arrived - Date.parse(to));
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
  try {
    const base = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
    await post(ctx, '/service/insert-service', { name: 'bench-scheduled', url: `${base}/run`, http_method: 'POST' }, 201);
    // All but one inserted in one statement (creating a thousand through the API takes longer than the
    // figure on a busy machine); the last through the API, whose change wakes the job runner as any does.
    const due = new Date(Math.ceil((Date.now() + 8_000) / 1000) * 1000);
    const cron = `${due.getUTCSeconds()} ${due.getUTCMinutes()} ${due.getUTCHours()} ${due.getUTCDate()} ${due.getUTCMonth() + 1} *`;
    await ctx.sql`
      INSERT INTO service_schedule (name, service_id, cron, time_zone, created_by, next_run_at)
      SELECT 'bench-' || i, (SELECT id FROM service WHERE name = 'bench-scheduled'), ${cron}, 'UTC',
             (SELECT id FROM users ORDER BY id LIMIT 1), ${due.toISOString()}::timestamptz
        FROM generate_series(1, ${n - 1}) AS i`;
    await post(ctx, '/api/v1/schedules', { name: 'bench-last', service: 'bench-scheduled', cron }, 201);
    if (Date.now() > due.getTime()) throw new Error('the schedules were not all created before their time: raise the lead');
    const deadline = due.getTime() + 60_000;
    while (delays.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const sorted = [...delays].sort((a, b) => a - b);
    const within = sorted.filter((d) => d <= 2000).length;
    ctx.report(`schedules: ${n} due in the same second, calls arrived`, `${delays.length}`);
    ctx.report(
      'schedules: delay from scheduled time to call, p50 / p99 / max',
      `${percentile(sorted, 50)} / ${percentile(sorted, 99)} / ${sorted.at(-1)} ms`,
    );
    ctx.report('schedules: calls started within 2 s of their time', `${within} of ${n}`);
  } finally {
    service.closeAllConnections();
    await new Promise<void>((resolve) => service.close(() => resolve()));
  }
}
