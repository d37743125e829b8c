import { readdir } from 'node:fs/promises';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../src/db/migrate.ts';
import { startRecordingService, type ReceivedCall } from './helpers/recording-service.ts';
import { serverEnvironment, startServer, waitFor, type ServerProcess } from './helpers/server-process.ts';
import { openSse, type SseStream } from './helpers/sse-client.ts';
import { testEngine } from './helpers/test-database.ts';

// The scale-out proof: three `mirrorbase serve` processes, started at the same moment on one
// empty PostgreSQL database, as a Deployment with three replicas starts. Each claim of
// docs/scaling.md is checked on the same three processes: migrations run once, a reading posted
// to one is streamed by all, a schedule's beats run once across them, and a replica killed with
// SIGKILL in the middle of ingest loses no acknowledged reading while the others keep serving.
//
// Several processes can share a database only on a PostgreSQL server (a PGlite folder belongs to
// one process, see data-dir-lock.test.ts), so this file runs on the postgres project only; on
// PGlite, realtime.test.ts and schedules.test.ts show the same guarantees with two replicas in
// one process.

const PASSWORD = 'scale-out-password';
/** Readings per ingest batch, and the timestamp of reading n of sensor k-1: base + n seconds. */
const BATCH = 500;
const KILL_BASE = Date.parse('2026-06-01T00:00:00Z');
/** Batches A acknowledges before it is killed; writers keep sending until A stops answering. */
const ACKED_BEFORE_KILL = 25;
const WRITERS = 3;

let service: Awaited<ReturnType<typeof startRecordingService>>;
let environment: Awaited<ReturnType<typeof serverEnvironment>>;
let env: Record<string, string>;
let sql: postgres.Sql;
let servers: ServerProcess[] = [];
let token: string;

const onPostgres = testEngine() === 'postgres';

async function send(server: ServerProcess, method: string, url: string, body?: unknown): Promise<Response> {
  return fetch(`${server.base}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function expectStatus(res: Promise<Response>, status: number) {
  const answer = await res;
  expect(answer.status, await answer.clone().text()).toBe(status);
  return answer;
}

/** Polls an asynchronous condition until it holds; fails after `timeoutMs`. */
async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One series of readings of sensor `sensor`, measure level, at the given epoch milliseconds. */
const series = (sensor: string, times: number[], values: number[]) => ({
  series: [{ sensor, measure: 'level', timestamps: times.map((t) => new Date(t).toISOString()), values }],
});

describe.runIf(onPostgres)('scale-out: three server processes on one PostgreSQL database (PostgreSQL only)', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    service = await startRecordingService();
    environment = await serverEnvironment();
    env = {
      ...environment.env,
      DT_DEFAULT_USER_PASS: PASSWORD,
      MIRRORBASE_ALLOW_DEFAULT_USER: '1',
      DT_JWT_SECRET_KEY: 'scale-out-secret-0123456789-abcdefghijklmnop',
      NODE_ENV: 'production',
      // info: the one process that applies the migrations says so ("migrations applied").
      LOG_LEVEL: 'info',
      MIRRORBASE_SERVICE_ALLOWED_HOSTS: '127.0.0.1',
      // A replica that dies holding a job gives it up within seconds, not the default minute.
      MIRRORBASE_JOBS_LEASE_SECONDS: '5',
    };
    sql = postgres(env.DATABASE_URL, { max: 1, onnotice: () => {} });
  });

  afterAll(async () => {
    for (const server of servers) server.child.kill('SIGKILL');
    await Promise.all(servers.map((server) => server.exited));
    await sql?.end();
    await service?.close();
    await environment?.cleanup();
  });

  it('all three start at once on an empty database: one applies the migrations, each exactly once', async () => {
    // Settled one by one, so that afterAll stops every process that did start, whatever failed.
    const started = await Promise.allSettled([1, 2, 3].map(() => startServer(env, { readyWithinMs: 150_000 })));
    servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    for (const s of started) if (s.status === 'rejected') throw s.reason;

    const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).map((f) => f.replace(/\.sql$/, ''));
    const rows = await sql<{ name: string; applied_at: Date }[]>`SELECT name, applied_at FROM mirrorbase_migration ORDER BY name`;
    expect(rows.map((r) => r.name)).toEqual(files.sort());
    // One transaction applied them all (now() is the transaction's start).
    expect(new Set(rows.map((r) => r.applied_at.getTime())).size).toBe(1);
    // The others waited on the advisory lock, then found nothing to do.
    const appliers = servers.map((s) => s.logLines().filter((line) => line.msg === 'migrations applied'));
    expect(appliers.filter((lines) => lines.length > 0)).toHaveLength(1);
    expect(appliers.flat()[0].applied).toEqual(files);

    const login = await fetch(`${servers[1].base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'default_user@localhost', password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    token = (await login.json()).access_token;
    // Entities made on one process are there for the others (and the token works everywhere).
    const [a, b, c] = servers;
    await expectStatus(
      send(a, 'POST', '/sensor/insert-sensor-type', {
        name: 'tank',
        description: '',
        measures: [{ name: 'level', units: 'm', datatype: 'float' }],
      }),
      201,
    );
    await expectStatus(send(b, 'POST', '/sensor/insert-sensor', { unique_identifier: 'rt-1', type_name: 'tank' }), 201);
    await expectStatus(send(c, 'POST', '/sensor/insert-sensor', { unique_identifier: 'k-1', type_name: 'tank' }), 201);
    await expectStatus(send(a, 'POST', '/sensor/insert-sensor', { unique_identifier: 'probe-1', type_name: 'tank' }), 201);
  });

  it('a reading posted to one process is streamed by all three', async () => {
    const streams: SseStream[] = await Promise.all(
      servers.map((s) => openSse(`${s.base}/api/v1/readings/stream?sensor=rt-1`, { authorization: `Bearer ${token}` })),
    );
    try {
      expect(streams.map((s) => s.status)).toEqual([200, 200, 200]);
      await expectStatus(send(servers[0], 'POST', '/api/v1/readings', series('rt-1', [Date.parse('2026-05-01T00:00:00Z')], [42.5])), 200);
      for (const stream of streams) {
        const event = await stream.next((e) => e.event === 'readings');
        expect(JSON.parse(event.data)).toMatchObject({ sensor: 'rt-1', measure: 'level', values: [42.5] });
      }
    } finally {
      for (const stream of streams) stream.close();
    }
  });

  it('a schedule that fires every second runs each beat on one process: none twice, no gap between runs', async () => {
    const [a, b, c] = servers;
    await expectStatus(
      send(a, 'POST', '/service/insert-service', { name: 'beat', url: `${service.base}/ok/beat`, http_method: 'POST' }),
      201,
    );
    await expectStatus(send(b, 'POST', '/api/v1/schedules', { name: 'every-second', service: 'beat', cron: '* * * * * *' }), 201);
    const calls = () => service.callsTo('/ok/beat');
    await waitFor(() => calls().length >= 6, 20_000, 'six beats');
    await expectStatus(send(c, 'PATCH', '/api/v1/schedules/every-second', { enabled: false }), 200);

    // Disabled: the runs already enqueued finish; then the run log and the service agree.
    const runs = async () => (await (await send(c, 'GET', '/api/v1/schedules/every-second/runs?limit=1000')).json()).items;
    await eventually(
      async () => {
        const items: Array<{ status: string }> = await runs();
        return items.length === calls().length && items.every((r) => r.status === 'succeeded');
      },
      15_000,
      'every enqueued run to finish',
    );
    const windows = calls().map((call: ReceivedCall) => ({
      from: call.headers['mirrorbase-window-from'] as string | undefined,
      to: call.headers['mirrorbase-window-to'] as string,
    }));
    const tos = windows.map((w) => w.to);
    expect(new Set(tos).size, 'a beat ran twice').toBe(tos.length);
    // Each window starts where the one before it ended, on the one-second grid: no beat lost,
    // none covered twice. A beat that could not start within its second (a run still going, or a
    // machine too loaded to wake in time) is folded into the next run's window, never run twice
    // (src/jobs/README.md, "Job sources"): the windows still cover the time exactly once.
    const ordered = [...windows].sort((x, y) => Date.parse(x.to) - Date.parse(y.to));
    expect(ordered[0].from).toBeUndefined();
    for (let i = 1; i < ordered.length; i++) {
      expect(ordered[i].from).toBe(ordered[i - 1].to);
      const step = Date.parse(ordered[i].to) - Date.parse(ordered[i - 1].to);
      expect(step > 0 && step % 1000 === 0, `a window of ${step} ms`).toBe(true);
    }
  });

  it('a process killed with SIGKILL mid-ingest loses no acknowledged reading; the other two serve throughout', async () => {
    const [a, b, c] = servers;
    const acked = new Set<number>();
    const refused: string[] = [];
    let nextBatch = 0;
    let killedAt = 0;

    // Probes of B and C: readiness, a read and a write, over and over, before, during and after the kill.
    const probes: Array<{ server: string; what: string; status: number | string; at: number }> = [];
    // Bounded, so that a failing test does not leave them running.
    const probeUntil = Date.now() + 45_000;
    let probing = true;
    let probeWrites = 0;
    const probe = async (server: ServerProcess, name: string) => {
      const record = async (what: string, request: () => Promise<Response>) => {
        try {
          const res = await request();
          await res.arrayBuffer();
          probes.push({ server: name, what, status: res.status, at: Date.now() });
        } catch (error) {
          probes.push({ server: name, what, status: String(error), at: Date.now() });
        }
      };
      while (probing && Date.now() < probeUntil) {
        const n = probeWrites++;
        await record('readyz', () => fetch(`${server.base}/readyz`));
        await record('read', () => send(server, 'GET', '/api/v1/readings/latest?sensor=k-1'));
        await record('write', () => send(server, 'POST', '/api/v1/readings', series('probe-1', [KILL_BASE + n * 1000], [n])));
      }
    };
    const probesDone = Promise.all([probe(b, 'B'), probe(c, 'C')]);

    const writer = async () => {
      for (;;) {
        const batch = nextBatch++;
        const times = Array.from({ length: BATCH }, (_, j) => KILL_BASE + (batch * BATCH + j) * 1000);
        const values = times.map((_, j) => batch * BATCH + j);
        let res: Response;
        try {
          res = await send(a, 'POST', '/api/v1/readings', series('k-1', times, values));
          await res.arrayBuffer();
        } catch {
          return; // A is gone: this batch was never acknowledged.
        }
        if (res.status !== 200) {
          refused.push(`batch ${batch}: ${res.status}`);
          return;
        }
        acked.add(batch);
        if (acked.size === ACKED_BEFORE_KILL) {
          // The other writers have their batches in flight: somewhere in parse, insert or commit.
          killedAt = Date.now();
          a.child.kill('SIGKILL');
        }
      }
    };
    let exitedAt = 0;
    try {
      await Promise.all(Array.from({ length: WRITERS }, writer));
      await a.exited;
      exitedAt = Date.now();
      // The other two keep answering after A is gone: a few rounds of probes each.
      await waitFor(() => probes.filter((p) => p.at > exitedAt).length >= 18, 15_000, 'probes after the kill');
    } finally {
      probing = false;
      await probesDone;
    }
    servers = servers.filter((s) => s !== a);

    expect(refused).toEqual([]);
    expect(killedAt).toBeGreaterThan(0);
    expect(acked.size).toBeGreaterThanOrEqual(ACKED_BEFORE_KILL);
    // Every probe of B and C succeeded, before, during and after the kill.
    const failed = probes.filter((p) => p.status !== 200);
    expect(failed).toEqual([]);
    expect(probes.some((p) => p.at < killedAt)).toBe(true);

    // In the database: every acknowledged batch whole, with its values; a batch in flight at the
    // kill either whole (committed, the answer lost) or absent; nothing that was not sent.
    const rows = await sql<{ n: number; ts: Date; value: number }[]>`
      SELECT r.ts, r.value FROM reading_float r JOIN sensor s ON s.id = r.sensor_id
       WHERE s.unique_identifier = 'k-1' ORDER BY r.ts`;
    const perBatch = new Map<number, number>();
    for (const row of rows) {
      const n = (row.ts.getTime() - KILL_BASE) / 1000;
      expect(row.value).toBe(n);
      const batch = Math.floor(n / BATCH);
      expect(batch).toBeLessThan(nextBatch);
      perBatch.set(batch, (perBatch.get(batch) ?? 0) + 1);
    }
    for (const batch of acked) expect(perBatch.get(batch), `acknowledged batch ${batch}`).toBe(BATCH);
    for (const count of perBatch.values()) expect(count).toBe(BATCH);
    // The rollups were written in the same transactions as the readings: they count the same.
    const [rollup] = await sql<{ count: number }[]>`
      SELECT coalesce(sum(m.count), 0)::int AS count FROM reading_rollup_minute m JOIN sensor s ON s.id = m.sensor_id
       WHERE s.unique_identifier = 'k-1'`;
    expect(rollup.count).toBe(rows.length);
    // And B serves them.
    const newest = rows.at(-1)!;
    const latest = await (await send(b, 'GET', '/api/v1/readings/latest?sensor=k-1')).json();
    expect(latest.measures[0]).toMatchObject({
      measure: 'level',
      value: newest.value,
      timestamp: newest.ts.toISOString().replace('.000Z', 'Z'),
    });
  });
});
