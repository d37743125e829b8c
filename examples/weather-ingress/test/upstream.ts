import { readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const fixture = (name: string) => readFileSync(path.join(fixtures, name), 'utf8');

/**
 * A stand-in for Open-Meteo on 127.0.0.1: the recorded answers by path, and the failures a
 * real upstream has. Every request's query is kept so tests can check what was asked.
 *   /v1/forecast  forecast-berlin.json       /v1/archive  archive-berlin-local.json
 *   /bad-variable 400 with Open-Meteo's error body
 *   /500          500 with an HTML page      /garbage     200 with a body that is not JSON
 *   /wrong-shape  200 JSON without hourly    /hang        headers never sent
 */
export async function startUpstream() {
  const requests: URLSearchParams[] = [];
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://upstream');
    requests.push(url.searchParams);
    const send = (status: number, body: string, type = 'application/json; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    switch (url.pathname) {
      case '/v1/forecast':
        return send(200, fixture('forecast-berlin.json'));
      case '/v1/archive':
        return send(200, fixture('archive-berlin-local.json'));
      case '/bad-variable':
        return send(400, fixture('error-400.json'));
      case '/500':
        return send(500, '<html><body>Internal Server Error</body></html>', 'text/html');
      case '/garbage':
        return send(200, 'this is not JSON {', 'text/plain');
      case '/wrong-shape':
        return send(200, JSON.stringify({ latitude: 1, longitude: 2, daily: {} }));
      case '/hang':
        hanging.add(res);
        return;
      default:
        return send(404, JSON.stringify({ error: true, reason: 'Not Found' }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
