import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAddressPolicy, parseAllowList } from './address-policy.ts';
import { createOutboundCaller, type OutboundCallerOptions, type ResolvedAddress } from './outbound-caller.ts';

interface Seen {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

/** A local HTTP server that records what it receives and counts every TCP connection made to it. */
async function startServer(host: string, handle: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const seen: Seen[] = [];
  const state = { connections: 0 };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        path: req.url ?? '',
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body,
      });
      handle(req, res, body);
    });
  });
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    seen,
    state,
    port,
    base: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
type TestServer = Awaited<ReturnType<typeof startServer>>;

const logs: { data: Record<string, unknown>; message: string }[] = [];
const log = { warn: (data: object, message: string) => logs.push({ data: data as Record<string, unknown>, message }) };

function caller(allowList: string, extra: Partial<OutboundCallerOptions> = {}) {
  return createOutboundCaller({
    policy: createAddressPolicy(parseAllowList(allowList)),
    timeoutMs: 1500,
    maxResponseBytes: 1024,
    log,
    ...extra,
  });
}

let service: TestServer; // on 127.0.0.1, the allow-listed address
let other: TestServer; // on 127.0.0.1 as well: another origin (port)
let victim: TestServer; // on 127.0.0.2, never allow-listed: nothing may ever connect to it
let victimV6: TestServer; // on ::1
let closedPort: number;
let resetPort: number;
let resetServer: net.Server;
let silentServer: net.Server;
let silentPort: number;
let garbageServer: net.Server;
let garbagePort: number;

async function listenRaw(onConnection: (socket: net.Socket) => void) {
  const server = net.createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

beforeAll(async () => {
  victim = await startServer('127.0.0.2', (_req, res) => res.end('{"secret":true}'));
  victimV6 = await startServer('::1', (_req, res) => res.end('{"secret":true}'));
  other = await startServer('127.0.0.1', (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"other":true}'));
  service = await startServer('127.0.0.1', (req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const to = url.searchParams.get('to');
    const status = Number(url.searchParams.get('status') ?? 302);
    switch (url.pathname) {
      case '/json':
        return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, body }));
      case '/redirect':
        return res.writeHead(status, { location: to ?? '/json' }).end('moved');
      case '/loop':
        return res.writeHead(302, { location: '/loop' }).end();
      case '/big':
        return res.writeHead(200, { 'content-type': 'application/json' }).end(`"${'x'.repeat(4096)}"`);
      case '/big-chunked':
        res.writeHead(200, { 'content-type': 'application/json' });
        for (let i = 0; i < 8; i++) res.write('x'.repeat(512));
        return res.end();
      case '/stall':
        // Headers at once, then a body that never ends.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('"partial');
        return;
      default:
        return res.writeHead(404).end();
    }
  });
  const closed = await listenRaw(() => {});
  closedPort = closed.port;
  await new Promise<void>((resolve) => closed.server.close(() => resolve()));
  ({ server: resetServer, port: resetPort } = await listenRaw((socket) => socket.resetAndDestroy()));
  ({ server: silentServer, port: silentPort } = await listenRaw(() => {}));
  ({ server: garbageServer, port: garbagePort } = await listenRaw((socket) => socket.end('SSH-2.0-OpenSSH_9.2\r\n')));
});

afterAll(async () => {
  for (const s of [service, other, victim, victimV6]) await s?.close();
  for (const s of [resetServer, silentServer, garbageServer]) {
    s?.close();
  }
});

describe('the address policy, before any connection', () => {
  it('refuses loopback, private, link-local and mapped addresses, and a name resolving to loopback, connecting to nothing', async () => {
    const call = caller('');
    const urls = [
      `${victim.base}/`,
      `${victimV6.base}/`,
      `http://[::ffff:127.0.0.2]:${victim.port}/`,
      `http://[::ffff:7f00:2]:${victim.port}/`,
      `http://localhost:${service.port}/json`,
      'http://10.0.0.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://[fe80::1]/',
      'http://0.0.0.0/',
      'http://2130706434/', // 127.0.0.2 as one number: URL parsing normalises it first
    ];
    const before = service.state.connections;
    for (const url of urls) {
      const result = await call({ url, method: 'GET' });
      expect(result, url).toEqual({ outcome: 'refused', rule: expect.stringMatching(/address is .*MIRRORBASE_SERVICE_ALLOWED_HOSTS/) });
    }
    expect(victim.state.connections).toBe(0);
    expect(victimV6.state.connections).toBe(0);
    expect(service.state.connections).toBe(before);
  });

  it('refuses what is not http(s)', async () => {
    for (const url of ['ftp://example.org/x', 'not a url', 'file:///etc/passwd']) {
      expect(await caller('')({ url, method: 'GET' })).toEqual({
        outcome: 'refused',
        rule: expect.stringMatching(/not an absolute http or https URL/),
      });
    }
  });

  it('calls an allow-listed address, with the JSON body and the headers given', async () => {
    const result = await caller('127.0.0.1')({
      url: `${service.base}/json`,
      method: 'GET',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(result).toMatchObject({ outcome: 'answered', statusCode: 200 });
    expect(result.outcome === 'answered' && JSON.parse(result.body!.toString())).toEqual({ ok: true, body: '{"a":1}' });
    expect(service.seen.at(-1)).toMatchObject({ method: 'GET', contentType: 'application/json' });
  });

  it('resolves a name once and connects to the address it checked (DNS rebinding cannot swap it)', async () => {
    let lookups = 0;
    // The first answer is allowed; any later one points at the victim.
    const resolve = async (): Promise<ResolvedAddress[]> => [{ address: lookups++ === 0 ? '127.0.0.1' : '127.0.0.2', family: 4 }];
    const result = await caller('127.0.0.1', { resolve })({ url: `http://rebind.test:${service.port}/json`, method: 'GET' });
    expect(result).toMatchObject({ outcome: 'answered', statusCode: 200 });
    expect(lookups).toBe(1);
    expect(victim.state.connections).toBe(0);
  });

  it('refuses a name when one of its addresses is refused, and connects to none', async () => {
    const resolve = async (): Promise<ResolvedAddress[]> => [
      { address: '127.0.0.1', family: 4 },
      { address: '127.0.0.2', family: 4 },
    ];
    const before = service.state.connections;
    const result = await caller('127.0.0.1', { resolve })({ url: `http://two.test:${service.port}/json`, method: 'GET' });
    expect(result).toEqual({ outcome: 'refused', rule: expect.stringMatching(/loopback/) });
    expect(service.state.connections).toBe(before);
  });
});

describe('redirects', () => {
  it('checks every hop: a redirect from an allowed server to a refused address connects to nothing there', async () => {
    for (const to of [`${victim.base}/`, `${victimV6.base}/`, 'http://169.254.169.254/latest/meta-data/']) {
      const result = await caller('127.0.0.1')({ url: `${service.base}/redirect?to=${encodeURIComponent(to)}`, method: 'GET' });
      expect(result, to).toEqual({ outcome: 'refused', rule: expect.stringMatching(/^the service redirected \(1\) to a /) });
    }
    expect(victim.state.connections).toBe(0);
    expect(victimV6.state.connections).toBe(0);
  });

  it('follows a relative redirect; 303 (and 302, 301 from POST) turn into a GET without body, 307 and 308 keep both', async () => {
    const call = caller('127.0.0.1');
    for (const [status, method, expected] of [
      [303, 'PUT', 'GET'],
      [302, 'POST', 'GET'],
      [301, 'POST', 'GET'],
      [301, 'DELETE', 'DELETE'],
      [307, 'POST', 'POST'],
      [308, 'PUT', 'PUT'],
    ] as const) {
      const result = await call({
        url: `${service.base}/redirect?status=${status}&to=/json`,
        method,
        headers: { 'content-type': 'application/json' },
        body: '{"x":1}',
      });
      expect(result).toMatchObject({ outcome: 'answered', statusCode: 200 });
      const keeps = status === 307 || status === 308;
      expect(service.seen.at(-1), `${status} ${method}`).toMatchObject({
        method: expected,
        path: '/json',
        body: keeps ? '{"x":1}' : '',
        contentType: keeps ? 'application/json' : undefined,
      });
    }
  });

  it('gives up after the redirect limit', async () => {
    const result = await caller('127.0.0.1', { maxRedirects: 3 })({ url: `${service.base}/loop`, method: 'GET' });
    expect(result).toEqual({ outcome: 'unreachable' });
    expect(logs.at(-1)?.data.reason).toBe('more than 3 redirects');
  });

  it("sends a URL's credentials to its own origin only, never to another after a redirect", async () => {
    const basic = `Basic ${Buffer.from('svc:p@ss').toString('base64')}`;
    const call = caller('127.0.0.1');
    const withCredentials = service.base.replace('http://', 'http://svc:p%40ss@');
    await call({ url: `${withCredentials}/redirect?to=/json`, method: 'GET' });
    expect(service.seen.slice(-2).map((s) => s.authorization)).toEqual([basic, basic]);
    await call({
      url: `${withCredentials}/redirect?to=${encodeURIComponent(`${other.base}/`)}`,
      method: 'GET',
      headers: { authorization: 'Bearer x' },
    });
    expect(service.seen.at(-1)?.authorization).toBe(basic);
    expect(other.seen.at(-1)?.authorization).toBeUndefined();
  });
});

describe('failures', () => {
  it('answers the same for a closed port, a reset, a silent server, non-HTTP and an unknown name, and logs the real reason', async () => {
    const call = caller('127.0.0.1', { timeoutMs: 500 });
    const urls = [
      `http://127.0.0.1:${closedPort}/`,
      `http://127.0.0.1:${resetPort}/`,
      `http://127.0.0.1:${silentPort}/`,
      `http://127.0.0.1:${garbagePort}/`,
      'http://no-such-host.invalid/',
      `${service.base}/stall`,
    ];
    const reasons: unknown[] = [];
    for (const url of urls) {
      expect(await call({ url, method: 'POST', body: '{}' }), url).toEqual({ outcome: 'unreachable' });
      expect(logs.at(-1)).toMatchObject({ message: 'outbound call failed', data: { url } });
      reasons.push(logs.at(-1)?.data.reason);
    }
    expect(reasons[0]).toMatch(/ECONNREFUSED/);
    expect(reasons[2]).toBe('no answer within 500 ms');
    // (A resolver that does not answer at all would time out: still the same to the caller.)
    expect(reasons[4]).toMatch(/ENOTFOUND|EAI_AGAIN|no answer within/);
    expect(reasons[5]).toBe('no answer within 500 ms');
  });

  it('returns the status but not the body of an answer over the size cap', async () => {
    const call = caller('127.0.0.1');
    for (const path of ['/big', '/big-chunked']) {
      const result = await call({ url: `${service.base}${path}`, method: 'GET' });
      expect(result, path).toMatchObject({ outcome: 'answered', statusCode: 200, body: undefined });
    }
    expect(logs.at(-1)).toMatchObject({ message: 'outbound answer too large: not kept', data: { maxResponseBytes: 1024 } });
  });

  it('never logs the credentials of a URL', async () => {
    logs.length = 0;
    const call = caller('127.0.0.1', { timeoutMs: 500 });
    await call({ url: `http://svc:hunter2@127.0.0.1:${closedPort}/`, method: 'GET' });
    await call({ url: `http://svc:hunter2@127.0.0.1:${victim.port}/`.replace('127.0.0.1', '127.0.0.2'), method: 'GET' });
    await call({ url: `http://token-hunter2@127.0.0.1:${silentPort}/`, method: 'GET' });
    expect(logs).toHaveLength(3);
    const text = JSON.stringify(logs);
    expect(text).not.toContain('hunter2');
    expect(text).toContain('svc:***@127.0.0.1');
  });
});
