import net from 'node:net';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { serverEnvironment, startServer, type ServerProcess } from './helpers/server-process.ts';
import { testEngine } from './helpers/test-database.ts';

// SIGTERM waits for the requests in flight, but not forever: past MIRRORBASE_SHUTDOWN_TIMEOUT_MS
// the server closes what is left and exits with 1, so an orchestrator's stop never hangs until
// its SIGKILL.

const DEADLINE_MS = 1500;
/** Room for the forced close and the exit on a busy machine, far below the old 30 s. */
const SLACK_MS = 5000;

let environment: Awaited<ReturnType<typeof serverEnvironment>>;
let env: Record<string, string>;

beforeAll(async () => {
  environment = await serverEnvironment();
  env = {
    ...environment.env,
    MIRRORBASE_SHUTDOWN_TIMEOUT_MS: String(DEADLINE_MS),
    DT_DEFAULT_USER_PASS: 'shutdown-test-password',
    // DTBase's default user, in production: said to be meant.
    MIRRORBASE_ALLOW_DEFAULT_USER: '1',
    DT_JWT_SECRET_KEY: 'shutdown-test-secret-shutdown-test-secret-0123',
    NODE_ENV: 'production',
  };
});
afterAll(async () => {
  await environment?.cleanup();
});

/** An upload that never finishes: headers and the first bytes of a body announced much longer. */
function stuckUpload(server: ServerProcess): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1', () => {
      socket.write('POST /auth/login HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"email":');
      setTimeout(() => resolve(socket), 300);
    });
    socket.on('error', reject);
  });
}

/** SIGTERM, then how long the process took to exit, and its exit code. */
async function terminate(server: ServerProcess) {
  const started = Date.now();
  server.child.kill('SIGTERM');
  const code = await server.exited;
  return { code, ms: Date.now() - started };
}

describe('shutdown with a request that never finishes', { timeout: 120_000 }, () => {
  it("defaults to a deadline of 10 s, below Kubernetes' 30 s grace period", () => {
    expect(loadConfig({}).shutdownTimeoutMs).toBe(10_000);
    expect(() => loadConfig({ MIRRORBASE_SHUTDOWN_TIMEOUT_MS: 'soon' })).toThrow(/MIRRORBASE_SHUTDOWN_TIMEOUT_MS must be an integer/);
  });

  it('a stuck upload: closes it at the deadline and exits with 1 and a log line', async () => {
    const server = await startServer(env);
    const socket = await stuckUpload(server);
    const closed = new Promise((resolve) => socket.on('close', resolve));
    const { code, ms } = await terminate(server);
    expect(code, server.output()).toBe(1);
    expect(ms).toBeGreaterThanOrEqual(DEADLINE_MS - 100);
    expect(ms).toBeLessThan(DEADLINE_MS + SLACK_MS);
    await closed;
    const deadline = server.logLines().find((line) => line.msg === 'shutdown deadline passed: closing what is left');
    expect(deadline).toMatchObject({ level: 50, timeoutMs: DEADLINE_MS, openConnections: 1 });
    expect(server.output()).not.toContain('shut down cleanly');
  });

  it('nothing in flight: exits at once with 0', async () => {
    const server = await startServer(env);
    const { code, ms } = await terminate(server);
    expect(code, server.output()).toBe(0);
    expect(ms).toBeLessThan(DEADLINE_MS);
    expect(server.output()).toContain('shut down cleanly');
  });

  if (testEngine() === 'postgres') {
    it('a request whose database call never returns: ends it at the deadline and exits with 1', async () => {
      const server = await startServer(env);
      // Another session holds a lock the login's query waits for.
      const blocker = postgres(env.DATABASE_URL, { max: 1, onnotice: () => {} });
      const reserved = await blocker.reserve();
      try {
        await reserved`BEGIN`;
        await reserved`LOCK TABLE users IN ACCESS EXCLUSIVE MODE`;
        const login = fetch(`${server.base}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'default_user@localhost', password: 'shutdown-test-password' }),
        }).then(
          (res) => res.status,
          () => 'connection closed',
        );
        await new Promise((r) => setTimeout(r, 500)); // the query is now waiting for the lock
        const { code, ms } = await terminate(server);
        expect(code, server.output()).toBe(1);
        expect(ms).toBeLessThan(DEADLINE_MS + SLACK_MS);
        expect(await login).toBe('connection closed');
        expect(server.logLines().some((line) => line.msg === 'shutdown deadline passed: closing what is left')).toBe(true);
      } finally {
        await reserved`ROLLBACK`;
        reserved.release();
        await blocker.end();
      }
    });
  }
});
