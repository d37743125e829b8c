import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplica, useTestApp } from './helpers/test-app.ts';

const ctx = useTestApp();

interface LogLine {
  msg: string;
  reqId?: string;
  traceId?: string;
  statusCode?: number;
}

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: Record<string, unknown> }[];
}

/** An OTLP/HTTP collector on a free port: keeps every span posted to /v1/traces (JSON). */
async function startCollector() {
  const spans: ExportedSpan[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      if (request.url === '/v1/traces' && request.method === 'POST') {
        const parsed = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: ExportedSpan[] }[] }[] };
        for (const resource of parsed.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const attribute = (span: ExportedSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value && Object.values(value)[0];
};

describe('request ids, logs and OpenTelemetry spans', () => {
  const lines: LogLine[] = [];
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let replica: Awaited<ReturnType<typeof startReplica>>;

  beforeAll(async () => {
    collector = await startCollector();
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    replica = await startReplica(ctx.db, { OTEL_EXPORTER_OTLP_ENDPOINT: `${collector.url}/` }, { logger });
  });
  afterAll(async () => {
    await replica?.app.close();
    await collector?.close();
  });

  it('keeps a plain X-Request-Id, sends it back, and puts it on every log line of the request', async () => {
    const res = await replica.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'lb-7f3a:0042.x_y' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toBe('lb-7f3a:0042.x_y');
    const own = lines.filter((line) => line.reqId === 'lb-7f3a:0042.x_y');
    expect(own.map((line) => line.msg)).toEqual(['request completed']);

    // No X-Request-Id: one is made, and sent back too.
    const anonymous = await replica.app.inject({ method: 'GET', url: '/healthz' });
    expect(anonymous.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('replaces an X-Request-Id that is long or not plain with an id of its own', async () => {
    for (const bad of ['a'.repeat(65), 'abc" level=60 msg="forged', 'id with spaces', 'x\u00e9']) {
      const res = await replica.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': bad } });
      expect(res.statusCode).toBe(200);
      const id = res.headers['x-request-id'] as string;
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(lines.find((line) => line.reqId === id)?.msg).toBe('request completed');
      expect(lines.some((line) => line.reqId === bad)).toBe(false);
    }
  });

  it("exports a server span per request that continues the caller's traceparent, named by the route template", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentSpanId = '00f067aa0ba902b7';
    const res = await replica.app.inject({
      method: 'GET',
      url: '/api/v1/sensors/no-such-sensor',
      headers: {
        authorization: `Bearer ${ctx.token}`,
        traceparent: `00-${traceId}-${parentSpanId}-01`,
        'x-request-id': 'traced-request-1',
      },
    });
    expect(res.statusCode).toBe(404);
    // The log lines of the request lead to its trace.
    expect(lines.find((line) => line.reqId === 'traced-request-1')).toMatchObject({ msg: 'request completed', traceId });

    // Closing the app sends what is batched.
    await replica.app.close();
    const span = collector.spans.find((s) => s.traceId === traceId);
    expect(span, JSON.stringify(collector.spans.map((s) => s.name))).toBeDefined();
    expect(span).toMatchObject({ name: 'GET /api/v1/sensors/:uid', parentSpanId });
    expect(attribute(span!, 'http.route')).toBe('/api/v1/sensors/:uid');
    expect(Number(attribute(span!, 'http.response.status_code'))).toBe(404);
    expect(attribute(span!, 'mirrorbase.request_id')).toBe('traced-request-1');
    // Requests without a traceparent start traces of their own.
    expect(collector.spans.filter((s) => s.name === 'GET /healthz').length).toBeGreaterThanOrEqual(6);
  });
});
