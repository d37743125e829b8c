import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, testEngine } from './helpers/test-database.ts';

const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'mirrorbase.js');
const SLOW_SERVICE_DELAY_MS = 1500;

let env: Record<string, string>;
let cleanup: () => Promise<void>;
let slowService: Server;
let slowServiceUrl: string;

beforeAll(async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'mirrorbase-serve-'));
  // A port of our own in the ephemeral range, different per engine so both projects can run at once.
  const port = String(40000 + Math.floor(Math.random() * 10000) + (testEngine() === 'postgres' ? 10000 : 0));
  env = {
    PORT: port,
    HOST: '127.0.0.1',
    MIRRORBASE_DATA_DIR: dataDir,
    DT_DEFAULT_USER_PASS: 'serve-test-password',
    // DTBase's default user, in production: said to be meant.
    MIRRORBASE_ALLOW_DEFAULT_USER: '1',
    DT_JWT_SECRET_KEY: 'serve-test-secret-serve-test-secret-0123456789',
    NODE_ENV: 'production',
    // The slow service listens on loopback, which only the allow-list lets the server call.
    MIRRORBASE_SERVICE_ALLOWED_HOSTS: '127.0.0.1',
  };
  let drop = async () => {};
  if (testEngine() === 'postgres') {
    const database = await createPostgresDatabase();
    env.DATABASE_URL = database.url;
    drop = database.drop;
  }
  cleanup = async () => {
    await drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  slowService = createServer((_req, res) => {
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), SLOW_SERVICE_DELAY_MS);
  });
  await new Promise<void>((resolve) => slowService.listen(0, '127.0.0.1', resolve));
  slowServiceUrl = `http://127.0.0.1:${(slowService.address() as AddressInfo).port}/run`;
});

afterAll(async () => {
  slowService?.close();
  await cleanup?.();
});

interface RunningServer {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  base: string;
}

async function startServer(): Promise<RunningServer> {
  const child = spawn('node', [BIN, 'serve'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${env.PORT}`;
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return { child, output: () => output, exited, base };
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not become ready:\n${output}`);
}

async function login(base: string): Promise<string> {
  const res = await fetch(`${base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'default_user@localhost', password: env.DT_DEFAULT_USER_PASS }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

const post = (base: string, token: string, url: string, body: unknown) =>
  fetch(`${base}${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });

describe('the server process', { timeout: 180_000 }, () => {
  it('finishes in-flight requests on SIGTERM, exits cleanly, and keeps its data across a restart', async () => {
    const first = await startServer();
    const token = await login(first.base);
    expect(
      (await post(first.base, token, '/service/insert-service', { name: 'slow', url: slowServiceUrl, http_method: 'POST' })).status,
    ).toBe(201);

    const inFlight = post(first.base, token, '/service/run-service', { service_name: 'slow' });
    await new Promise((r) => setTimeout(r, SLOW_SERVICE_DELAY_MS / 3));
    first.child.kill('SIGTERM');
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ detail: 'Service called successfully.' });
    expect(await first.exited, first.output()).toBe(0);
    expect(first.output()).toContain('shut down cleanly');

    const second = await startServer();
    try {
      const again = await login(second.base);
      const services = await fetch(`${second.base}/service/list-services`, { headers: { authorization: `Bearer ${again}` } });
      expect(await services.json()).toEqual([{ name: 'slow', url: slowServiceUrl, http_method: 'POST' }]);
      const runs = await post(second.base, again, '/service/list-runs', { service_name: 'slow' });
      expect(((await runs.json()) as unknown[]).length).toBe(1);
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
  });
});
