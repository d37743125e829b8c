import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSse, type SseEvent } from './helpers/sse-client.ts';
import { BIN, serverEnvironment, startServer, type ServerProcess } from './helpers/server-process.ts';
import { testEngine } from './helpers/test-database.ts';

// Real server processes: what a deployment runs, restarts and scales out.
const PASSWORD = 'realtime-process-password';
let env: Record<string, string>;
let dataDir: string;
let cleanup: () => Promise<void>;
const running: ServerProcess[] = [];

beforeAll(async () => {
  const setting = await serverEnvironment();
  env = {
    ...setting.env,
    DT_DEFAULT_USER_PASS: PASSWORD,
    MIRRORBASE_ALLOW_DEFAULT_USER: '1',
    DT_JWT_SECRET_KEY: 'realtime-process-secret-0123456789-abcdefghij',
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
  };
  cleanup = setting.cleanup;
  dataDir = setting.dataDir;
});
afterAll(async () => {
  for (const server of running) await server.stop();
  await cleanup?.();
});

async function start(): Promise<ServerProcess> {
  const server = await startServer(env);
  running.push(server);
  return server;
}

async function tokenOf(server: ServerProcess): Promise<string> {
  const res = await fetch(`${server.base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'default_user@localhost', password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  return (await res.json()).access_token;
}

async function call(server: ServerProcess, token: string, url: string, body: unknown, expected: number) {
  const res = await fetch(`${server.base}${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(expected);
}

const post = (server: ServerProcess, token: string, value: number) =>
  call(
    server,
    token,
    '/api/v1/readings',
    {
      series: [
        { sensor: 'proc-1', measure: 'level', timestamps: [new Date(Date.UTC(2026, 5, 1, 0, value)).toISOString()], values: [value] },
      ],
    },
    200,
  );

const readingValue = (event: SseEvent) => (JSON.parse(event.data).values as number[])[0];

describe('realtime across server processes', () => {
  it('a client resumes with Last-Event-ID across a restart of the server: the missed readings, then live', async () => {
    const first = await start();
    const token = await tokenOf(first);
    await call(
      first,
      token,
      '/sensor/insert-sensor-type',
      {
        name: 'proc-type',
        description: '',
        measures: [{ name: 'level', units: 'm', datatype: 'float' }],
      },
      201,
    );
    await call(first, token, '/sensor/insert-sensor', { unique_identifier: 'proc-1', type_name: 'proc-type' }, 201);
    const stream = await openSse(`${first.base}/api/v1/readings/stream?sensor=proc-1`, { authorization: `Bearer ${token}` });
    expect(stream.status).toBe(200);
    await post(first, token, 1);
    const seen = await stream.next((e) => e.event === 'readings');
    expect(readingValue(seen)).toBe(1);
    await post(first, token, 2);
    await stream.next((e) => e.event === 'readings' && readingValue(e) === 2);
    const lastSeen = stream.events.at(-1)!.id!;
    // Stopping the server ends the stream with its reason.
    await first.stop();
    await stream.next((e) => e.event === 'close');
    expect(JSON.parse(stream.events.at(-1)!.data)).toMatchObject({ reason: 'server_shutdown' });
    stream.close();

    const second = await start();
    const token2 = await tokenOf(second);
    await post(second, token2, 3);
    await post(second, token2, 4);
    const resumed = await openSse(`${second.base}/api/v1/readings/stream?sensor=proc-1`, {
      authorization: `Bearer ${token2}`,
      'last-event-id': lastSeen,
    });
    await resumed.next((e) => e.event === 'readings' && readingValue(e) === 4);
    await post(second, token2, 5);
    await resumed.next((e) => e.event === 'readings' && readingValue(e) === 5);
    expect(resumed.events.filter((e) => e.event === 'readings').map(readingValue)).toEqual([3, 4, 5]);
    resumed.close();
    await second.stop();
    // Two server starts on PGlite (a data folder opened twice) take most of this.
  }, 120_000);

  // Two processes share a database only on a PostgreSQL server (PGlite's folder is one
  // process's); on PGlite, realtime.test.ts runs two replicas in one process instead.
  it.runIf(testEngine() === 'postgres')(
    'a reading posted to one server process, or imported by the CLI, reaches a subscriber of another',
    async () => {
      const [a, b] = await Promise.all([start(), start()]);
      const token = await tokenOf(a);
      const stream = await openSse(`${b.base}/api/v1/readings/stream?sensor=proc-1`, { authorization: `Bearer ${token}` });
      expect(stream.status).toBe(200);
      await post(a, token, 10);
      expect(readingValue(await stream.next((e) => e.event === 'readings'))).toBe(10);
      // A CSV import by the command line, a third process, is streamed too.
      const csv = path.join(dataDir, 'import.csv');
      await writeFile(csv, `sensor,measure,timestamp,value\nproc-1,level,2026-07-01T00:00:00Z,11\n`);
      await promisify(execFile)(process.execPath, [BIN, 'import', csv], { env: { ...process.env, ...env } });
      expect(readingValue(await stream.next((e) => e.event === 'readings' && readingValue(e) === 11))).toBe(11);
      stream.close();
    },
    120_000,
  );
});
