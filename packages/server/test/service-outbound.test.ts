import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplica, useTestApp } from './helpers/test-app.ts';

// The default policy: no allow-list, so every address below that is not public is refused.
const ctx = useTestApp();

/** A local HTTP server that records what it receives and counts every TCP connection made to it. */
async function startService(host: string) {
  const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
  const state = { connections: 0 };
  const server: Server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/redirect') return res.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
    return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, path: url.pathname }));
  });
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  const close = () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { seen, state, port, base: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, close };
}
type Service = Awaited<ReturnType<typeof startService>>;

async function listenRaw(onConnection: (socket: net.Socket) => void) {
  const server = net.createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

let service: Service; // 127.0.0.1: allow-listed on the second replica
let victim: Service; // 127.0.0.2: never allow-listed
let victimV6: Service; // ::1: never allow-listed
const rawServers: net.Server[] = [];
const ports = { closed: 0, reset: 0, silent: 0, notHttp: 0 };

// A second replica on the same database whose operator allow-listed 127.0.0.1, with its log kept.
const TIMEOUT_MS = 700;
const logLines: string[] = [];
let allowing: Awaited<ReturnType<typeof startReplica>>;

beforeAll(async () => {
  service = await startService('127.0.0.1');
  victim = await startService('127.0.0.2');
  victimV6 = await startService('::1');
  const closed = await listenRaw(() => {});
  ports.closed = closed.port;
  await new Promise<void>((resolve) => closed.server.close(() => resolve()));
  for (const [name, onConnection] of [
    ['reset', (socket: net.Socket) => socket.resetAndDestroy()],
    ['silent', () => {}],
    ['notHttp', (socket: net.Socket) => socket.end('SSH-2.0-OpenSSH_9.2\r\n')],
  ] as const) {
    const raw = await listenRaw(onConnection);
    rawServers.push(raw.server);
    ports[name] = raw.port;
  }
  const logger = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) }) as unknown as FastifyBaseLogger;
  allowing = await startReplica(
    ctx.db,
    { MIRRORBASE_SERVICE_ALLOWED_HOSTS: '127.0.0.1', MIRRORBASE_SERVICE_TIMEOUT_MS: String(TIMEOUT_MS) },
    { logger },
  );
});

afterAll(async () => {
  await allowing?.app.close();
  for (const s of [service, victim, victimV6]) await s?.close();
  for (const s of rawServers) s.close();
});

let serviceCount = 0;
/** Registers a service at `url` and runs it on `app` (the default-policy app unless given). */
async function run(url: string, app = ctx.app) {
  const name = `svc-${++serviceCount}`;
  await ctx.postCreated('/service/insert-service', { name, url, http_method: 'POST' });
  const res = await app.inject({
    method: 'POST',
    url: '/service/run-service',
    headers: { authorization: `Bearer ${ctx.token}` },
    payload: { service_name: name, parameters: { x: 1 } },
  });
  const runs = (await ctx.get(`/api/v1/services/${name}/runs`)).json().items;
  return { name, res, runs };
}

describe('run-service refuses addresses that are not public, by default', () => {
  it.each([
    ['127.0.0.1 (a service listens there)', () => `${service.base}/json`, /loopback/],
    ['::1 (a service listens there)', () => `${victimV6.base}/json`, /loopback/],
    ['localhost, a name resolving to loopback', () => `http://localhost:${service.port}/json`, /loopback/],
    ['::ffff:127.0.0.1, IPv4-mapped IPv6', () => `http://[::ffff:127.0.0.1]:${service.port}/json`, /loopback/],
    ['0.0.0.0, which Linux connects to loopback', () => `http://0.0.0.0:${service.port}/json`, /unspecified/],
    ['10.x, RFC 1918', () => 'http://10.0.0.1/run', /private address \(RFC 1918/],
    ['192.168.x, RFC 1918', () => 'http://192.168.1.10:8080/run', /private address \(RFC 1918/],
    ['169.254.169.254, cloud metadata', () => 'http://169.254.169.254/latest/meta-data/', /link-local/],
    ['100.64.x, carrier-grade NAT', () => 'http://100.64.0.1/', /carrier-grade NAT/],
    ['fd00::1, unique local', () => 'http://[fd00::1]/', /unique local/],
    ['224.0.0.1, multicast', () => 'http://224.0.0.1/', /multicast/],
  ])('%s: 403 naming the rule, the run logged as failed, no connection made', async (_label, url, rule) => {
    const before = { service: service.state.connections, v6: victimV6.state.connections };
    const { res, runs } = await run(url());
    expect(res.statusCode).toBe(403);
    expect(res.json().detail).toMatch(/^Service address refused: the service's address is /);
    expect(res.json().detail).toMatch(rule);
    expect(res.json().detail).toMatch(/MIRRORBASE_SERVICE_ALLOWED_HOSTS/);
    expect(runs).toEqual([
      expect.objectContaining({
        parameters: { x: 1 },
        response_status_code: null,
        response_json: null,
        error: expect.stringMatching(rule),
      }),
    ]);
    expect({ service: service.state.connections, v6: victimV6.state.connections }).toEqual(before);
  });
});

describe('run-service with an allow-list (MIRRORBASE_SERVICE_ALLOWED_HOSTS=127.0.0.1)', () => {
  it('calls the allow-listed server as DTBase would, and logs its answer', async () => {
    const { res, runs } = await run(`${service.base}/json`, allowing.app);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ detail: 'Service called successfully.' });
    expect(runs[0]).toMatchObject({ response_status_code: 200, response_json: { ok: true, path: '/json' }, error: null });
  });

  it('still refuses other loopback addresses, and a redirect from the allowed server to a refused address', async () => {
    for (const [url, rule] of [
      [`${victim.base}/json`, /^the service's address is a loopback/],
      [`${service.base}/redirect?to=${encodeURIComponent(`${victim.base}/json`)}`, /^the service redirected \(1\) to a loopback/],
      [`${service.base}/redirect?to=${encodeURIComponent(`${victimV6.base}/json`)}`, /^the service redirected \(1\) to a loopback/],
      [
        `${service.base}/redirect?to=${encodeURIComponent('http://169.254.169.254/latest/meta-data/iam/')}`,
        /^the service redirected \(1\) to a link-local/,
      ],
    ] as const) {
      const { res, runs } = await run(url, allowing.app);
      expect(res.statusCode, url).toBe(403);
      expect(res.json().detail.replace('Service address refused: ', ''), url).toMatch(rule);
      expect(runs[0], url).toMatchObject({ response_status_code: null, error: expect.stringMatching(/^Refused: the service/) });
    }
    expect(victim.state.connections).toBe(0);
    expect(victimV6.state.connections).toBe(0);
  });

  it('answers the same 502 and logs the same error for a closed port, a reset, a silent port and a non-HTTP port', async () => {
    const outcomes = [];
    for (const port of [ports.closed, ports.reset, ports.silent, ports.notHttp]) {
      const { res, runs } = await run(`http://127.0.0.1:${port}/`, allowing.app);
      outcomes.push({ status: res.statusCode, body: res.json(), error: runs[0].error, code: runs[0].response_status_code });
    }
    for (const outcome of outcomes) {
      expect(outcome).toEqual({
        status: 502,
        body: { detail: 'Service could not be reached.' },
        error: 'The service could not be reached.',
        code: null,
      });
    }
    // The server log has the real reasons, for the operator.
    const reasons = logLines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'outbound call failed');
    expect(reasons.map((entry) => entry.reason)).toEqual([
      expect.stringMatching(/ECONNREFUSED/),
      expect.stringMatching(/ECONNRESET/),
      `no answer within ${TIMEOUT_MS} ms`,
      expect.any(String),
    ]);
  });
});

describe('credentials inside a service URL', () => {
  const SECRET = 's3cret-pass';
  const withCredentials = (base: string) => base.replace('http://', `http://svc-user:${SECRET}@`);

  it('are used when calling, and shown redacted by list-services and the resource API', async () => {
    const { name, res } = await run(`${withCredentials(service.base)}/json`, allowing.app);
    expect(res.statusCode).toBe(200);
    expect(service.seen.at(-1)?.headers.authorization).toBe(`Basic ${Buffer.from(`svc-user:${SECRET}`).toString('base64')}`);

    const shown = `http://svc-user:***@127.0.0.1:${service.port}/json`;
    for (const app of [ctx.app, allowing.app]) {
      const list = await app.inject({ method: 'GET', url: '/service/list-services', headers: { authorization: `Bearer ${ctx.token}` } });
      expect(list.json().find((s: { name: string }) => s.name === name)).toEqual({ name, url: shown, http_method: 'POST' });
    }
    expect((await ctx.get(`/api/v1/services/${name}`)).json().url).toBe(shown);
    const page = (await ctx.get('/api/v1/services?limit=1000')).json().items;
    expect(page.find((s: { name: string }) => s.name === name).url).toBe(shown);
    for (const body of [(await ctx.get('/service/list-services')).body, JSON.stringify(page)]) {
      expect(body).not.toContain(SECRET);
    }
  });

  it('shows a user name standing alone (a token) as ***', async () => {
    const { name } = await run(`http://tok3n-value@127.0.0.1:${service.port}/json`, allowing.app);
    expect((await ctx.get(`/api/v1/services/${name}`)).json().url).toBe(`http://***@127.0.0.1:${service.port}/json`);
    expect(service.seen.at(-1)?.headers.authorization).toBe(`Basic ${Buffer.from('tok3n-value:').toString('base64')}`);
  });

  it('never reach the server log, whether the call succeeds, fails or is refused', async () => {
    await run(`${withCredentials(`http://127.0.0.1:${ports.closed}`)}/`, allowing.app);
    await run(`${withCredentials(victim.base)}/json`, allowing.app);
    await run(`${withCredentials(service.base)}/redirect?to=${encodeURIComponent(`${withCredentials(victim.base)}/`)}`, allowing.app);
    const text = logLines.join('\n');
    expect(logLines.length).toBeGreaterThan(10);
    expect(text).toContain('svc-user:***@127.0.0.1');
    for (const secret of [SECRET, Buffer.from(`svc-user:${SECRET}`).toString('base64'), 'tok3n-value']) {
      expect(text).not.toContain(secret);
    }
  });
});
