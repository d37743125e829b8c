import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type BaseIngress, postRequests, type RunWindow, type ServeHandle, type ServeOptions } from '../ingress.ts';

/** Parameters larger than this are refused: a service's parameters are a small JSON document. */
const BODY_LIMIT = 16 * 1024 * 1024;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT) throw Object.assign(new Error('the parameters are larger than 16 MB'), { status: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The window headers a schedule sends (C2); absent on a call that is not scheduled. */
export function windowFromHeaders(headers: IncomingMessage['headers']): RunWindow | undefined {
  const to = headers['mirrorbase-window-to'];
  if (typeof to !== 'string' || to === '') return undefined;
  const from = headers['mirrorbase-window-from'];
  return { from: typeof from === 'string' && from !== '' ? from : null, to };
}

function answer(response: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/**
 * The one path that does not run the service: a container's or a cluster's health check asks it
 * every few seconds, and must learn that the service listens without making it fetch and write.
 */
export const HEALTH_PATH = '/healthz';

function isHealthCheck(request: IncomingMessage): boolean {
  return (request.method === 'GET' || request.method === 'HEAD') && request.url?.split('?')[0] === HEALTH_PATH;
}

/**
 * Serves an ingress or model over HTTP for the registry: any method and path but `GET /healthz`
 * (200 `{"status": "ok"}`, nothing run); the JSON body (none: `{}`) is the parameters, the window
 * headers become `context.window`.
 * 'return' answers `{"requests": [[endpoint, payload], ...]}` (200); 'post' writes them and
 * answers `{"summary": RunSummary}`, 200 when everything was written and 502 when a request failed, so the
 * registry records the run as failed. An error of getServiceData answers 500 with its message.
 *
 * @example
 * const { url, close } = await serve(new Weather(), { port: 8080, mode: 'return' });
 */
export async function serve(ingress: BaseIngress<unknown>, options: ServeOptions = {}): Promise<ServeHandle> {
  const mode = options.mode ?? (ingress.hasCredentials ? 'post' : 'return');
  const server = createServer(async (request, response) => {
    if (isHealthCheck(request)) return answer(response, 200, { status: 'ok' });
    try {
      const text = await readBody(request);
      let params: unknown = {};
      if (text.trim() !== '') {
        try {
          params = JSON.parse(text);
        } catch {
          return answer(response, 400, { error: 'the body is not JSON' });
        }
      }
      const requests = await ingress.requests(params, windowFromHeaders(request.headers));
      if (mode === 'return') return answer(response, 200, { requests });
      const summary = await postRequests(ingress.client, requests);
      // Wrapped: a bare summary has a "requests" array, which the registry would take for pairs to write.
      answer(response, summary.failed === 0 ? 200 : 502, { summary });
    } catch (error) {
      const status = (error as { status?: number }).status ?? 500;
      if (!response.headersSent) answer(response, status, { error: (error as Error).message });
      else response.destroy();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
