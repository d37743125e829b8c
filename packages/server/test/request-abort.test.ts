import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverEnvironment, startServer, waitFor, type ServerProcess } from './helpers/server-process.ts';

// A client that goes away mid-request is the client's doing: the server logs the request once,
// as aborted, at info, never as an error of its own.

let server: ServerProcess;
let cleanup: () => Promise<void>;
let token: string;

beforeAll(async () => {
  const environment = await serverEnvironment();
  cleanup = environment.cleanup;
  server = await startServer({
    ...environment.env,
    DT_DEFAULT_USER_PASS: 'abort-test-password',
    // DTBase's default user, in production: said to be meant.
    MIRRORBASE_ALLOW_DEFAULT_USER: '1',
    DT_JWT_SECRET_KEY: 'abort-test-secret-abort-test-secret-0123456789',
    NODE_ENV: 'production',
  });
  const login = await fetch(`${server.base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'default_user@localhost', password: 'abort-test-password' }),
  });
  token = ((await login.json()) as { access_token: string }).access_token;
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await cleanup?.();
});

/** Sends `head` and `body` on a socket of its own, waits until the server is busy with it, then hangs up. */
function sendAndHangUp(head: string, body: string, afterFirstBytes = false): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1', () => socket.write(head + body));
    const hangUp = () => {
      socket.destroy();
      resolve();
    };
    if (afterFirstBytes) socket.once('data', hangUp);
    else setTimeout(hangUp, 300);
    socket.on('error', reject);
  });
}

const authorised = () => `authorization: Bearer ${token}\r\n`;

describe('a client that disconnects mid-request', { timeout: 60_000 }, () => {
  it('is logged once per request, as aborted at info, never as an error', async () => {
    const before = server.logLines().length;
    // Bodies cut short: JSON (read by Fastify), NDJSON and CSV (streamed by the ingest), and chunked.
    await sendAndHangUp(
      'POST /auth/login HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n',
      '{"email":',
    );
    await sendAndHangUp(
      `POST /api/v1/readings HTTP/1.1\r\nhost: x\r\n${authorised()}content-type: application/json\r\ncontent-length: 100000\r\n\r\n`,
      '{"series":[',
    );
    await sendAndHangUp(
      `POST /api/v1/readings HTTP/1.1\r\nhost: x\r\n${authorised()}content-type: application/x-ndjson\r\ncontent-length: 100000\r\n\r\n`,
      '{"sensor":"s","measure":"m","timestamp":"2024-01-01T00:00:00Z","value":1}\n',
    );
    await sendAndHangUp(
      `POST /api/v1/readings HTTP/1.1\r\nhost: x\r\n${authorised()}content-type: text/csv\r\ntransfer-encoding: chunked\r\n\r\n`,
      '1f\r\nsensor,measure,timestamp,value\n\r\n',
    );
    // An answer cut short: the client leaves after the first bytes of a large file.
    await sendAndHangUp('GET /docs/static/swagger-ui-bundle.js HTTP/1.1\r\nhost: x\r\n\r\n', '', true);

    const lines = () => server.logLines().slice(before);
    const aborted = () => lines().filter((line) => line.msg === 'request aborted');
    await waitFor(() => aborted().length >= 5, 20_000, `five aborted requests in the log:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 500)); // anything logged late about them would show now

    expect(
      lines().filter((line) => (line.level as number) >= 40),
      server.output(),
    ).toEqual([]);
    expect(aborted().map((line) => line.level)).toEqual([30, 30, 30, 30, 30]);
    expect(
      aborted()
        .map((line) => `${line.method} ${line.url}`)
        .sort(),
    ).toEqual([
      'GET /docs/static/swagger-ui-bundle.js',
      'POST /api/v1/readings',
      'POST /api/v1/readings',
      'POST /api/v1/readings',
      'POST /auth/login',
    ]);
    // One line per request: none of them is also logged as completed.
    const abortedIds = new Set(aborted().map((line) => line.reqId));
    expect(abortedIds.size).toBe(5);
    expect(lines().filter((line) => abortedIds.has(line.reqId) && line.msg !== 'request aborted')).toEqual([]);

    // The server is still fine, and a request that is answered is logged as completed.
    expect((await fetch(`${server.base}/readyz?after-aborts`)).status).toBe(200);
    const completed = () => lines().filter((line) => line.url === '/readyz?after-aborts');
    await waitFor(() => completed().length === 1, 5_000, 'the completion line');
    expect(completed()[0]).toMatchObject({ level: 30, msg: 'request completed', statusCode: 200 });
  });
});
