import { describe, expect, it } from 'vitest';
import { BaseIngress, BaseModel, MirrorbaseClient, type RunWindow, type ServiceContext, type ServiceRequest } from '../src/index.ts';
import { runCli } from '../src/node/index.ts';
import { TEST_EMAIL, TEST_PASSWORD, useSdkServer } from './helpers/server.ts';

const server = useSdkServer({ MIRRORBASE_SERVICE_ALLOWED_HOSTS: '127.0.0.1' });

interface Params {
  sensor: string;
  values: number[];
  type?: string;
}

/** DTBase's example ingress: a sensor type, a sensor, and its readings, every run. */
class TestIngress extends BaseIngress<Params> {
  windows: (RunWindow | undefined)[] = [];
  getServiceData(params: Params, context: ServiceContext): ServiceRequest[] {
    this.windows.push(context.window);
    const type = params.type ?? 'ingress-type';
    return [
      [
        '/sensor/insert-sensor-type',
        { name: type, description: null, measures: [{ name: 'temperature', units: 'degC', datatype: 'float' }] },
      ],
      ['/sensor/insert-sensor', { type_name: type, unique_identifier: params.sensor }],
      [
        '/sensor/insert-sensor-readings',
        {
          measure_name: 'temperature',
          unique_identifier: params.sensor,
          readings: params.values,
          timestamps: params.values.map((_, i) => new Date(Date.UTC(2024, 0, 1, i)).toISOString()),
        },
      ],
    ];
  }
}

class FailingModel extends BaseModel<Record<string, never>> {
  getServiceData(): ServiceRequest[] {
    throw new Error('the weather service is down');
  }
}

const stored = (sensor: string) =>
  server.ctx.count(`reading_float r JOIN sensor s ON s.id = r.sensor_id WHERE s.unique_identifier = '${sensor}'`);
const passwordOptions = () => ({ baseUrl: server.url, email: TEST_EMAIL, password: TEST_PASSWORD, clientOptions: { env: false } });

describe('BaseIngress.run', () => {
  it('logs in, posts the pairs in order, and takes "already exists" (409) on a re-run as done', async () => {
    const ingress = new TestIngress(passwordOptions());
    const first = await ingress.run({ sensor: 'ing-1', values: [1, 2, 3] });
    expect(first).toEqual({
      requests: [
        { endpoint: '/sensor/insert-sensor-type', status: 201, ok: true },
        { endpoint: '/sensor/insert-sensor', status: 201, ok: true },
        { endpoint: '/sensor/insert-sensor-readings', status: 201, ok: true },
      ],
      written: 3,
      failed: 0,
    });
    const again = await ingress.run({ sensor: 'ing-1', values: [1, 2, 3] });
    expect(again.failed).toBe(0);
    expect(again.written).toBe(3);
    expect(again.requests.slice(0, 2).map((r) => r.status)).toEqual([409, 409]);
    expect(await stored('ing-1')).toBe(3);
  });

  it('works with an API key in place of a password', async () => {
    const ingress = new TestIngress({ baseUrl: server.url, apiKey: await server.createKey(), clientOptions: { env: false } });
    const summary = await ingress.run({ sensor: 'ing-key', values: [4] });
    expect(summary.failed).toBe(0);
    expect(await stored('ing-key')).toBe(1);
  });

  it('reports a refused request in the summary, with the server message, and goes on', async () => {
    const client = new MirrorbaseClient({ baseUrl: server.url, apiKey: await server.createKey(), env: false });
    class Partly extends BaseIngress {
      getServiceData(): ServiceRequest[] {
        return [
          ['/sensor/insert-sensor', { type_name: 'no-such-type', unique_identifier: 'orphan' }],
          ['sensor/insert-sensor', { type_name: 'ingress-type', unique_identifier: 'ing-2' }],
        ];
      }
    }
    const summary = await new Partly({ client }).run({});
    expect(summary.failed).toBe(1);
    expect(summary.written).toBe(1);
    expect(summary.requests[0]).toMatchObject({ ok: false, status: expect.any(Number), error: expect.any(String) });
    expect(summary.requests[0].status).toBeGreaterThanOrEqual(400);
    // DTBase-style endpoints without the leading slash are server paths too.
    expect(summary.requests[1]).toEqual({ endpoint: '/sensor/insert-sensor', status: 201, ok: true });
  });

  it('names a getServiceData result that is not pairs', async () => {
    class Wrong extends BaseIngress {
      getServiceData() {
        return [{ endpoint: '/x' }] as unknown as ServiceRequest[];
      }
    }
    await expect(new Wrong(passwordOptions()).run({})).rejects.toThrow(/item 0 is not an \[endpoint, payload\] pair/);
  });
});

describe('runCli', () => {
  it('exits 0 after a good run, 1 after a failed request or an error, and prints the summary', async () => {
    const lines: string[] = [];
    const out = { log: (t: string) => lines.push(t), error: (t: string) => lines.push(t) };
    const ingress = new TestIngress(passwordOptions());
    const params = JSON.stringify({ sensor: 'cli-1', values: [7, 8] });
    expect(await runCli(ingress, ['--params', params, '--window-to', '2024-01-02T00:00:00Z'], out)).toBe(0);
    expect(JSON.parse(lines[0])).toMatchObject({ written: 3, failed: 0 });
    expect(ingress.windows.at(-1)).toEqual({ from: null, to: '2024-01-02T00:00:00Z' });

    const bad = JSON.stringify({ sensor: 'cli-2', values: [1] });
    lines.length = 0;
    // A reading the measure's datatype refuses: a real 4xx from the server.
    class BadReading extends TestIngress {
      override getServiceData(params: Params, context: ServiceContext): ServiceRequest[] {
        const requests = super.getServiceData(params, context);
        (requests[2][1] as { readings: unknown[] }).readings = ['not a number'];
        return requests;
      }
    }
    expect(await runCli(new BadReading(passwordOptions()), ['--params', bad], out)).toBe(1);
    expect(JSON.parse(lines[0])).toMatchObject({ failed: 1 });

    lines.length = 0;
    expect(await runCli(new FailingModel(passwordOptions()), [], out)).toBe(1);
    expect(lines.join('\n')).toMatch(/the weather service is down/);
    expect(await runCli(ingress, ['--params', '{not json'], out)).toBe(1);
  });
});

describe('serve()', () => {
  it("'return' mode answers the pairs for the registry to write, with the window headers in context", async () => {
    const ingress = new TestIngress({ clientOptions: { env: false } });
    expect(ingress.hasCredentials).toBe(false);
    const service = await ingress.serve();
    try {
      const res = await fetch(service.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'Mirrorbase-Window-From': '2024-01-01T00:00:00.000Z',
          'Mirrorbase-Window-To': '2024-01-02T00:00:00.000Z',
        },
        body: JSON.stringify({ sensor: 'ret-1', values: [1] }),
      });
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body.requests).toHaveLength(3);
      expect(body.requests[1]).toEqual(['/sensor/insert-sensor', { type_name: 'ingress-type', unique_identifier: 'ret-1' }]);
      expect(ingress.windows.at(-1)).toEqual({ from: '2024-01-01T00:00:00.000Z', to: '2024-01-02T00:00:00.000Z' });

      const garbage = await fetch(service.url, { method: 'POST', body: '{oops' });
      expect(garbage.status).toBe(400);
    } finally {
      await service.close();
    }
  });

  it("'return' mode end to end: the registry writes the served pairs as the caller of the run", async () => {
    const service = await new TestIngress({ clientOptions: { env: false } }).serve();
    try {
      await server.ctx.postCreated('/service/insert-service', { name: 'sdk-returning', url: service.url, http_method: 'POST' });
      const run = await server.ctx.post('/api/v1/services/sdk-returning/runs', {
        parameters: { sensor: 'ret-e2e', values: [4, 5, 6], type: 'returning-type' },
      });
      expect(run.statusCode, run.body).toBe(201);
      expect(run.json()).toMatchObject({ status: 'succeeded' });
      expect(run.json().written.map((w: { endpoint: string; status: number }) => [w.endpoint, w.status])).toEqual([
        ['/sensor/insert-sensor-type', 201],
        ['/sensor/insert-sensor', 201],
        ['/sensor/insert-sensor-readings', 201],
      ]);
      expect(await stored('ret-e2e')).toBe(3);
      // Run again: the creates answer 409, which is done; the readings are not stored twice.
      const again = await server.ctx.post('/api/v1/services/sdk-returning/runs', {
        parameters: { sensor: 'ret-e2e', values: [4, 5, 6], type: 'returning-type' },
      });
      expect(again.json(), again.body).toMatchObject({ status: 'succeeded' });
      expect(await stored('ret-e2e')).toBe(3);
    } finally {
      await service.close();
    }
  });

  it('answers a health check on GET /healthz without running the service', async () => {
    const ingress = new TestIngress({ clientOptions: { env: false } });
    const service = await ingress.serve({ mode: 'return' });
    try {
      for (const method of ['GET', 'HEAD']) {
        const res = await fetch(`${service.url}/healthz`, { method });
        expect(res.status, method).toBe(200);
        if (method === 'GET') expect(await res.json()).toEqual({ status: 'ok' });
      }
      expect(ingress.windows).toHaveLength(0);
      // Any other call is a run, as before (a POST to /healthz included).
      const run = await fetch(`${service.url}/healthz`, { method: 'POST', body: JSON.stringify({ sensor: 'health', values: [1] }) });
      expect(run.status).toBe(200);
      expect(ingress.windows).toHaveLength(1);
    } finally {
      await service.close();
    }
  });

  it('answers 500 with the message when getServiceData fails', async () => {
    const service = await new FailingModel({ clientOptions: { env: false } }).serve({ mode: 'return' });
    try {
      const res = await fetch(service.url, { method: 'POST', body: '{}' });
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ error: 'the weather service is down' });
    } finally {
      await service.close();
    }
  });

  it("'post' mode: the registry's run-service calls it and it writes the readings itself", async () => {
    const ingress = new TestIngress({ baseUrl: server.url, apiKey: await server.createKey(), clientOptions: { env: false } });
    const service = await ingress.serve();
    try {
      await server.ctx.postCreated('/service/insert-service', { name: 'sdk-ingress', url: service.url, http_method: 'POST' });
      const run = await server.ctx.post('/service/run-service', {
        service_name: 'sdk-ingress',
        parameters: { sensor: 'post-1', values: [1, 2] },
      });
      expect(run.statusCode, run.body).toBe(200);
      expect(await stored('post-1')).toBe(2);
      const runs = await server.ctx.post('/service/list-runs', { service_name: 'sdk-ingress' });
      expect(runs.statusCode, runs.body).toBe(200);
      expect(JSON.stringify(runs.json())).toContain('"written":3');

      // Its answer, asked directly: the summary, wrapped (a bare "requests" array would read as pairs
      // to the registry), and 502 when a request failed so that the run is recorded as failed.
      const direct = await fetch(service.url, { method: 'POST', body: JSON.stringify({ sensor: 'post-2', values: [5] }) });
      expect(direct.status).toBe(200);
      expect((await direct.json()).summary).toMatchObject({ written: 3, failed: 0 });
      const refused = await fetch(service.url, { method: 'POST', body: JSON.stringify({ sensor: 'post-3', values: ['x'] }) });
      expect(refused.status).toBe(502);
      expect((await refused.json()).summary).toMatchObject({ written: 2, failed: 1 });
    } finally {
      await service.close();
    }
  });
});
