import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/test-app.ts';

// A short timeout so that the slow fake service times out quickly, yet long enough that a
// loaded machine (two engines' suites at once) answers the fast fake paths within it.
const TIMEOUT_MS = 1000;
// The fake services listen on loopback, which only the allow-list lets the server call.
const ctx = useTestApp({ MIRRORBASE_SERVICE_TIMEOUT_MS: String(TIMEOUT_MS), MIRRORBASE_SERVICE_ALLOWED_HOSTS: '127.0.0.1' });

interface ReceivedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  body: string;
}

/**
 * A fake external service on loopback that records every call and answers by path:
 * JSON, a JSON array, plain text, an error status, or too slowly.
 */
const received: ReceivedCall[] = [];
let fake: Server;
let fakeUrl: string;
let closedPortUrl: string;

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => (text += chunk));
    request.on('end', () => resolve(text));
  });
}

beforeAll(async () => {
  fake = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const body = await readBody(request);
    received.push({
      method: request.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      contentType: request.headers['content-type'],
      body,
    });
    const json = (status: number, value: unknown) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    switch (url.pathname) {
      case '/json':
        return json(200, { ok: true, got: body === '' ? null : JSON.parse(body) });
      case '/array':
        return json(201, [1, 'two', { three: 3 }]);
      case '/text':
        return response.writeHead(200, { 'content-type': 'text/plain' }).end('all good, no JSON here');
      case '/nul':
        return json(200, { 'key\u0000': ['text with \u0000 inside'] });
      case '/error':
        return json(503, { error: 'overloaded' });
      case '/slow':
        setTimeout(() => json(200, { late: true }), TIMEOUT_MS * 10).unref();
        return;
      default:
        return json(404, { error: 'no such path' });
    }
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;

  // A port that was just free and is closed again: connecting to it is refused.
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  closedPortUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/gone`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
});

afterAll(async () => {
  fake.closeAllConnections();
  await new Promise<void>((resolve) => fake.close(() => resolve()));
});

const lastCall = () => received[received.length - 1];

async function listRuns(body?: unknown) {
  const res = await ctx.post('/service/list-runs', body);
  expect(res.statusCode).toBe(200);
  return res.json() as Record<string, unknown>[];
}

describe('/service/insert-service and list-services', () => {
  it('lists no services on a fresh database', async () => {
    const res = await ctx.get('/service/list-services');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([]);
  });

  it('registers services and lists them in insertion order', async () => {
    const services = [
      { name: 'ingress', url: `${fakeUrl}/json`, http_method: 'POST' },
      { name: 'arrays', url: `${fakeUrl}/array`, http_method: 'PUT' },
      { name: 'texts', url: `${fakeUrl}/text`, http_method: 'DELETE' },
      { name: 'failing', url: `${fakeUrl}/error`, http_method: 'POST' },
      { name: 'slow', url: `${fakeUrl}/slow`, http_method: 'POST' },
      { name: 'getter', url: `${fakeUrl}/json?fixed=1`, http_method: 'GET' },
      { name: 'unreachable', url: closedPortUrl, http_method: 'POST' },
    ];
    for (const service of services) {
      const res = await ctx.post('/service/insert-service', { ...service, extra_key: 'ignored' });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toEqual({ detail: 'Service created successfully.' });
    }
    const list = await ctx.get('/service/list-services');
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual(services);
  });

  it('answers 409 for an existing name and keeps the stored service', async () => {
    const res = await ctx.post('/service/insert-service', { name: 'ingress', url: 'http://127.0.0.1:1/other', http_method: 'GET' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ detail: 'Service already exists.' });
    const stored = (await ctx.get('/service/list-services')).json().find((s: { name: string }) => s.name === 'ingress');
    expect(stored).toEqual({ name: 'ingress', url: `${fakeUrl}/json`, http_method: 'POST' });
  });

  it('answers one 201 and otherwise 409 to concurrent inserts of one name', async () => {
    const body = { name: 'raced', url: 'http://127.0.0.1:1/x', http_method: 'POST' };
    const results = await Promise.all([1, 2, 3, 4].map(() => ctx.post('/service/insert-service', body)));
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409]);
    expect(await ctx.count(`service WHERE name = 'raced'`)).toBe(1);
    expect((await ctx.post('/service/delete-service', { name: 'raced' })).statusCode).toBe(200);
  });

  it('answers 422 (DTBase: 500) for an HTTP method outside GET/POST/PUT/DELETE', async () => {
    const res = await ctx.post('/service/insert-service', { name: 'patcher', url: 'http://127.0.0.1:1/', http_method: 'PATCH' });
    expect(res.statusCode).toBe(422);
    expect(res.json().detail[0].loc).toEqual(['body', 'http_method']);
    expect(await ctx.count(`service WHERE name = 'patcher'`)).toBe(0);
  });

  it('answers 422 for a url that is not an absolute http(s) URL', async () => {
    for (const url of ['/relative/path', 'not a url', 'ftp://127.0.0.1/file']) {
      const res = await ctx.post('/service/insert-service', { name: 'bad-url', url, http_method: 'POST' });
      expect(res.statusCode).toBe(422);
      expect(res.json().detail).toMatch(/url must be an absolute http or https URL/);
    }
    expect(await ctx.count(`service WHERE name = 'bad-url'`)).toBe(0);
  });

  it('answers 422 for missing fields', async () => {
    const res = await ctx.post('/service/insert-service', { name: 'half' });
    expect(res.statusCode).toBe(422);
    expect(
      res
        .json()
        .detail.map((d: { loc: string[] }) => d.loc.join('.'))
        .sort(),
    ).toEqual(['body.http_method', 'body.url']);
  });
});

describe('/service parameter sets', () => {
  it('stores parameter sets and lists them all, with no body, {} or a null filter', async () => {
    const sets = [
      { service_name: 'ingress', name: 'london', parameters: { city: 'London', days: 3, nested: { a: [1, 2] } } },
      { service_name: 'ingress', name: 'empty', parameters: {} },
      { service_name: 'getter', name: 'london', parameters: { city: 'London', days: 2, verbose: true } },
    ];
    for (const set of sets) {
      const res = await ctx.post('/service/insert-parameter-set', set);
      expect(res.statusCode).toBe(201);
      expect(res.json()).toEqual({ detail: 'Parameter set created successfully.' });
    }
    // No body and no content-type, as DTBase's client sends an empty payload.
    const bare = await ctx.app.inject({
      method: 'POST',
      url: '/service/list-parameter-sets',
      headers: { authorization: `Bearer ${ctx.token}` },
    });
    expect(bare.statusCode).toBe(200);
    expect(bare.headers['content-type']).toMatch(/application\/json/);
    expect(bare.json()).toEqual(sets);
    expect((await ctx.post('/service/list-parameter-sets', {})).json()).toEqual(sets);
    expect((await ctx.post('/service/list-parameter-sets', { service_name: null })).json()).toEqual(sets);
  });

  it('filters parameter sets by service', async () => {
    const res = await ctx.post('/service/list-parameter-sets', { service_name: 'getter' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([{ service_name: 'getter', name: 'london', parameters: { city: 'London', days: 2, verbose: true } }]);
    expect((await ctx.post('/service/list-parameter-sets', { service_name: 'nobody' })).json()).toEqual([]);
  });

  it('answers 422 for a wrongly typed filter', async () => {
    const res = await ctx.post('/service/list-parameter-sets', { service_name: 5 });
    expect(res.statusCode).toBe(422);
    expect(res.json().detail[0].loc).toEqual(['body', 'service_name']);
  });

  it('answers 400 (DTBase: 500) for a parameter set of an unknown service', async () => {
    const before = await ctx.count('service_parameter_set');
    const res = await ctx.post('/service/insert-parameter-set', { service_name: 'nobody', name: 'x', parameters: {} });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ detail: 'Service does not exist.' });
    expect(await ctx.count('service_parameter_set')).toBe(before);
  });

  it('answers 409 (DTBase: 500) for a duplicate set and keeps the stored parameters', async () => {
    const res = await ctx.post('/service/insert-parameter-set', { service_name: 'ingress', name: 'london', parameters: { city: 'Paris' } });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ detail: 'Parameter set already exists.' });
    const stored = (await ctx.post('/service/list-parameter-sets', { service_name: 'ingress' })).json();
    expect(stored[0].parameters.city).toBe('London');
  });

  it('answers 422 when parameters are not a JSON object', async () => {
    for (const parameters of [[1, 2], 'text', 3, null]) {
      const res = await ctx.post('/service/insert-parameter-set', { service_name: 'ingress', name: 'odd', parameters });
      expect(res.statusCode).toBe(422);
      expect(res.json().detail[0].loc).toEqual(['body', 'parameters']);
    }
    const edit = await ctx.post('/service/edit-parameter-set', { service_name: 'ingress', name: 'london', parameters: [1] });
    expect(edit.statusCode).toBe(422);
    expect(await ctx.count(`service_parameter_set WHERE name = 'odd'`)).toBe(0);
  });

  it('edits the parameters of a set', async () => {
    const res = await ctx.post('/service/edit-parameter-set', { service_name: 'ingress', name: 'empty', parameters: { filled: 'now' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ detail: 'Parameter set edited successfully.' });
    const sets = (await ctx.post('/service/list-parameter-sets', { service_name: 'ingress' })).json();
    expect(sets.map((s: { name: string }) => s.name)).toEqual(['london', 'empty']);
    expect(sets[1].parameters).toEqual({ filled: 'now' });
    // Only that set changed: the set of the same name on another service is untouched.
    const other = (await ctx.post('/service/list-parameter-sets', { service_name: 'getter' })).json();
    expect(other[0].parameters.days).toBe(2);
  });

  it('answers 400 when editing a set that does not exist, or of an unknown service', async () => {
    for (const key of [
      { service_name: 'ingress', name: 'nope' },
      { service_name: 'nobody', name: 'london' },
    ]) {
      const res = await ctx.post('/service/edit-parameter-set', { ...key, parameters: { x: 1 } });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ detail: 'Parameter set does not exist.' });
    }
  });

  it('answers 400 when deleting a set that does not exist, or of an unknown service', async () => {
    const before = await ctx.count('service_parameter_set');
    for (const key of [
      { service_name: 'ingress', name: 'nope' },
      { service_name: 'nobody', name: 'london' },
    ]) {
      const res = await ctx.post('/service/delete-parameter-set', key);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ detail: 'Parameter set does not exist.' });
    }
    expect(await ctx.count('service_parameter_set')).toBe(before);
  });
});

describe('/service/run-service', () => {
  it("calls the service with its method and the set's parameters as the JSON body, and logs the run", async () => {
    const res = await ctx.post('/service/run-service', { service_name: 'ingress', parameter_set_name: 'london', name: 'ignored' });
    expect(res.json()).toEqual({ detail: 'Service called successfully.' });
    expect(res.statusCode).toBe(200);
    expect(lastCall()).toMatchObject({ method: 'POST', path: '/json', contentType: 'application/json' });
    expect(JSON.parse(lastCall().body)).toEqual({ city: 'London', days: 3, nested: { a: [1, 2] } });

    const runs = await listRuns();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toEqual({
      service_name: 'ingress',
      parameter_set_name: 'london',
      parameters: { city: 'London', days: 3, nested: { a: [1, 2] } },
      response_json: { ok: true, got: { city: 'London', days: 3, nested: { a: [1, 2] } } },
      response_status_code: 200,
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$/),
    });
    expect(Math.abs(Date.parse(runs[0].timestamp as string) - Date.now())).toBeLessThan(60_000);
  });

  it('lets explicit parameters win over the set, and still records the set', async () => {
    const res = await ctx.post('/service/run-service', {
      service_name: 'ingress',
      parameter_set_name: 'london',
      parameters: { city: 'Leeds' },
    });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(lastCall().body)).toEqual({ city: 'Leeds' });
    const run = (await listRuns()).at(-1);
    expect(run).toMatchObject({
      parameter_set_name: 'london',
      parameters: { city: 'Leeds' },
      response_json: { ok: true, got: { city: 'Leeds' } },
    });
  });

  it('sends array parameters as they are, and no body without parameters', async () => {
    expect((await ctx.post('/service/run-service', { service_name: 'ingress', parameters: [1, 'a'] })).statusCode).toBe(200);
    expect(JSON.parse(lastCall().body)).toEqual([1, 'a']);
    expect((await ctx.post('/service/run-service', { service_name: 'ingress' })).statusCode).toBe(200);
    expect(lastCall().body).toBe('');
    expect(lastCall().contentType).toBeUndefined();
    const runs = (await listRuns()).slice(-2);
    expect(runs.map((r) => [r.parameter_set_name, r.parameters])).toEqual([
      [null, [1, 'a']],
      [null, null],
    ]);
  });

  it('records a JSON array answer, with the PUT method', async () => {
    const res = await ctx.post('/service/run-service', { service_name: 'arrays', parameters: { x: 1 } });
    expect(res.statusCode).toBe(200);
    expect(lastCall()).toMatchObject({ method: 'PUT', path: '/array' });
    expect((await listRuns({ service_name: 'arrays' }))[0]).toMatchObject({
      response_status_code: 201,
      response_json: [1, 'two', { three: 3 }],
    });
  });

  it('records null response_json for an answer that is not JSON, with the DELETE method', async () => {
    const res = await ctx.post('/service/run-service', { service_name: 'texts', parameters: { x: 1 } });
    expect(res.statusCode).toBe(200);
    expect(lastCall()).toMatchObject({ method: 'DELETE', path: '/text' });
    expect((await listRuns({ service_name: 'texts' }))[0]).toMatchObject({ response_status_code: 200, response_json: null });
  });

  it('logs an answer holding NUL characters, which jsonb cannot store, with U+FFFD in their place', async () => {
    expect((await ctx.post('/service/insert-service', { name: 'nul', url: `${fakeUrl}/nul`, http_method: 'POST' })).statusCode).toBe(201);
    const res = await ctx.post('/service/run-service', { service_name: 'nul' });
    expect(res.statusCode).toBe(200);
    expect((await listRuns({ service_name: 'nul' }))[0].response_json).toEqual({ 'key\uFFFD': ['text with \uFFFD inside'] });
    expect((await ctx.post('/service/delete-service', { name: 'nul' })).statusCode).toBe(200);
  });

  it("answers 200 whatever the service's status, and records that status", async () => {
    const res = await ctx.post('/service/run-service', { service_name: 'failing', parameters: {} });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ detail: 'Service called successfully.' });
    expect((await listRuns({ service_name: 'failing' }))[0]).toMatchObject({
      response_status_code: 503,
      response_json: { error: 'overloaded' },
    });
  });

  it('sends the parameters of a GET as a JSON body, as DTBase does with requests.get(url, json=...)', async () => {
    const res = await ctx.post('/service/run-service', { service_name: 'getter', parameter_set_name: 'london' });
    expect(res.statusCode).toBe(200);
    expect(lastCall()).toMatchObject({ method: 'GET', path: '/json', contentType: 'application/json', query: { fixed: '1' } });
    expect(JSON.parse(lastCall().body)).toEqual({ city: 'London', days: 2, verbose: true });
    expect((await listRuns({ service_name: 'getter' }))[0]).toMatchObject({
      parameter_set_name: 'london',
      parameters: { city: 'London', days: 2, verbose: true },
      response_status_code: 200,
    });
  });

  it('answers 502 (DTBase: 500) for an unreachable service and logs the failed run, without saying why', async () => {
    const res = await ctx.post('/service/run-service', { service_name: 'unreachable', parameters: { x: 1 } });
    expect(res.statusCode).toBe(502);
    expect(res.json()).toEqual({ detail: 'Service could not be reached.' });
    const runs = await listRuns({ service_name: 'unreachable' });
    expect(runs).toEqual([expect.objectContaining({ parameters: { x: 1 }, response_status_code: null, response_json: null })]);
    const logged = await ctx.db.query<{ error: string }>(
      `SELECT r.error FROM service_run_log r JOIN service s ON s.id = r.service_id WHERE s.name = 'unreachable'`,
    );
    // Refused, reset or timed out: the same words, so that the log does not scan ports either.
    expect(logged[0].error).toBe('The service could not be reached.');
  });

  it('answers 502 when the service does not answer within the timeout, and logs the run', async () => {
    const started = Date.now();
    const res = await ctx.post('/service/run-service', { service_name: 'slow', parameters: { x: 1 } });
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 4);
    expect(res.statusCode).toBe(502);
    expect(res.json()).toEqual({ detail: 'Service could not be reached.' });
    expect(lastCall().path).toBe('/slow');
    expect(await listRuns({ service_name: 'slow' })).toEqual([
      expect.objectContaining({ response_status_code: null, response_json: null }),
    ]);
  });

  it('answers 400 for an unknown service or parameter set, calls nothing and logs nothing', async () => {
    const calls = received.length;
    const runs = await ctx.count('service_run_log');
    for (const body of [
      { service_name: 'nobody' },
      { service_name: 'ingress', parameter_set_name: 'nope' },
      { service_name: 'arrays', parameter_set_name: 'london' }, // a set of that name exists, but for another service
    ]) {
      const res = await ctx.post('/service/run-service', body);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ detail: 'Service or parameter set does not exist.' });
    }
    expect(received.length).toBe(calls);
    expect(await ctx.count('service_run_log')).toBe(runs);
  });

  it('answers 422 for parameters that are neither object nor array', async () => {
    const res = await ctx.post('/service/run-service', { service_name: 'ingress', parameters: 'text' });
    expect(res.statusCode).toBe(422);
    expect(res.json().detail[0].loc).toEqual(['body', 'parameters']);
  });
});

describe('/service/list-runs', () => {
  it('lists every run in order with no body, {} or null filters', async () => {
    const all = await listRuns();
    expect(all.map((r) => r.service_name)).toEqual([
      'ingress',
      'ingress',
      'ingress',
      'ingress',
      'arrays',
      'texts',
      'failing',
      'getter',
      'unreachable',
      'slow',
    ]);
    expect(await listRuns({})).toEqual(all);
    expect(await listRuns({ service_name: null, parameter_set_name: null })).toEqual(all);
    for (const run of all) {
      expect(Object.keys(run).sort()).toEqual([
        'parameter_set_name',
        'parameters',
        'response_json',
        'response_status_code',
        'service_name',
        'timestamp',
      ]);
    }
  });

  it('filters by service and parameter set', async () => {
    const runs = await listRuns({ service_name: 'ingress', parameter_set_name: 'london' });
    expect(runs.map((r) => r.parameters)).toEqual([{ city: 'London', days: 3, nested: { a: [1, 2] } }, { city: 'Leeds' }]);
    expect(await listRuns({ service_name: 'nobody' })).toEqual([]);
  });

  it('filters by parameter set name across services (DTBase: 500)', async () => {
    const runs = await listRuns({ parameter_set_name: 'london' });
    expect(runs.map((r) => r.service_name)).toEqual(['ingress', 'ingress', 'getter']);
  });

  it('answers 422 for a wrongly typed filter', async () => {
    const res = await ctx.post('/service/list-runs', { parameter_set_name: ['london'] });
    expect(res.statusCode).toBe(422);
    expect(res.json().detail[0].loc).toEqual(['body', 'parameter_set_name']);
  });

  it('takes an empty body sent as application/json as no body, on both listings', async () => {
    for (const [url, expected] of [
      ['/service/list-runs', await listRuns()],
      ['/service/list-parameter-sets', (await ctx.post('/service/list-parameter-sets')).json()],
    ] as const) {
      const res = await ctx.app.inject({
        method: 'POST',
        url,
        payload: '',
        headers: { authorization: `Bearer ${ctx.token}`, 'content-type': 'application/json' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(expected);
      expect(expected.length).toBeGreaterThan(0);
    }
  });

  it('still answers 422 for malformed JSON on the listings', async () => {
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/service/list-runs',
      payload: '{"service_name": ',
      headers: { authorization: `Bearer ${ctx.token}`, 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().detail[0].type).toBe('json_invalid');
  });
});

describe('the service registry reads for the resource API', () => {
  it('pages services, parameter sets and runs by id cursor and limit', async () => {
    const services = ctx.services.registry;
    const all = await services.listServices();
    expect(all.map((s) => s.name)).toEqual(['ingress', 'arrays', 'texts', 'failing', 'slow', 'getter', 'unreachable']);
    const page = await services.listServices({ afterId: all[1].id, limit: 2 });
    expect(page.map((s) => s.name)).toEqual(['texts', 'failing']);
    expect(page[0]).toMatchObject({ url: `${fakeUrl}/text`, httpMethod: 'DELETE', createdAt: expect.stringMatching(/Z$/) });

    const sets = await services.listParameterSets({ serviceName: 'ingress' });
    expect(sets.map((p) => [p.serviceName, p.name])).toEqual([
      ['ingress', 'london'],
      ['ingress', 'empty'],
    ]);
    expect(await services.listParameterSets({ afterId: sets[0].id, limit: 1 })).toEqual([sets[1]]);

    const runs = await services.listRuns({ serviceName: 'ingress' });
    expect(runs).toHaveLength(4);
    const rest = await services.listRuns({ serviceName: 'ingress', afterId: runs[1].id, limit: 10 });
    expect(rest.map((r) => r.id)).toEqual([runs[2].id, runs[3].id]);
    const unreachable = await services.listRuns({ serviceName: 'unreachable' });
    expect(unreachable[0]).toMatchObject({ responseStatusCode: null, error: 'The service could not be reached.' });
  });
});

describe('/service deletions', () => {
  it('deletes a parameter set and keeps its runs in the log under its name', async () => {
    const res = await ctx.post('/service/delete-parameter-set', { service_name: 'ingress', name: 'london' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ detail: 'Parameter set deleted successfully.' });
    const sets = (await ctx.post('/service/list-parameter-sets')).json();
    expect(sets.map((s: { service_name: string; name: string }) => `${s.service_name}/${s.name}`)).toEqual([
      'ingress/empty',
      'getter/london',
    ]);
    expect(await listRuns({ service_name: 'ingress', parameter_set_name: 'london' })).toHaveLength(2);
  });

  it('deletes a service with its parameter sets and runs', async () => {
    const res = await ctx.post('/service/delete-service', { name: 'getter' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ detail: 'Service deleted successfully.' });
    const names = (await ctx.get('/service/list-services')).json().map((s: { name: string }) => s.name);
    expect(names).not.toContain('getter');
    expect((await ctx.post('/service/list-parameter-sets', { service_name: 'getter' })).json()).toEqual([]);
    expect(await listRuns({ service_name: 'getter' })).toEqual([]);
    expect((await listRuns({ parameter_set_name: 'london' })).map((r) => r.service_name)).toEqual(['ingress', 'ingress']);
  });

  it('answers 400 when deleting a service that does not exist', async () => {
    const before = await ctx.count('service');
    const res = await ctx.post('/service/delete-service', { name: 'getter' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ detail: 'Service does not exist.' });
    expect(await ctx.count('service')).toBe(before);
  });
});

describe('/service authentication', () => {
  it('requires a token on every /service route, before validating the body', async () => {
    const routes = [
      ['GET', '/service/list-services'],
      ...[
        'insert-service',
        'delete-service',
        'insert-parameter-set',
        'delete-parameter-set',
        'list-parameter-sets',
        'edit-parameter-set',
        'run-service',
        'list-runs',
      ].map((path) => ['POST', `/service/${path}`]),
    ] as const;
    expect(routes).toHaveLength(9);
    const calls = received.length;
    for (const [method, url] of routes) {
      const res = await ctx.app.inject({ method, url, payload: method === 'POST' ? { not: 'valid' } : undefined });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ detail: 'Not authenticated' });
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
    expect(received.length).toBe(calls);
  });
});
