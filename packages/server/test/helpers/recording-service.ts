import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One call a test service received. */
export interface ReceivedCall {
  path: string;
  method: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

/**
 * A real HTTP service on 127.0.0.1 that records every call, answering by the first segment
 * of the path (`/ok/anything`): `/ok` 200 with JSON, `/fail` 500, `/garbage` 200 with a body that is not JSON, `/hang` never
 * (until the caller gives up), `/flaky` 500 on the first call then 200.
 */
export async function startRecordingService() {
  const calls: ReceivedCall[] = [];
  const hanging = new Set<http.ServerResponse>();
  let flakyCalls = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0];
      calls.push({ path, method: req.method ?? '', headers: req.headers, body, at: Date.now() });
      const answer = (status: number, text: string) => res.writeHead(status, { 'content-type': 'application/json' }).end(text);
      const kind = `/${path.split('/')[1]}`;
      if (kind === '/hang') {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
      } else if (kind === '/fail') answer(500, '{"error":"boom"}');
      else if (kind === '/garbage') answer(200, '<<<not json');
      else if (kind === '/flaky') answer(++flakyCalls === 1 ? 500 : 200, '{}');
      else answer(200, '{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    calls,
    callsTo: (path: string) => calls.filter((c) => c.path === path),
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
