import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EntityChanged } from '../src/events/events.ts';
import { MAX_RETURNED_REQUESTS } from '../src/modules/services/returned-data.ts';
import { createSensorType } from './helpers/sensor-fixtures.ts';
import { TEST_EMAIL, useTestApp } from './helpers/test-app.ts';

const TIMEOUT_MS = 1000;
const ctx = useTestApp({
  MIRRORBASE_SERVICE_TIMEOUT_MS: String(TIMEOUT_MS),
  MIRRORBASE_SERVICE_ALLOWED_HOSTS: '127.0.0.1',
  MIRRORBASE_JOBS_POLL_MS: '50',
});
const PASSWORD = 'a password long enough';

/**
 * A fake service on loopback: each path answers what `answers` holds for it (a function of the
 * JSON body it received, or a raw status/body), and every call is recorded.
 */
type Answer = { status?: number; json?: unknown; raw?: string; hang?: boolean };
const answers = new Map<string, (body: unknown) => Answer>();
const received: { path: string; body: unknown }[] = [];
let fake: Server;
let fakeUrl: string;
let closedUrl: string;

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => (text += chunk));
    request.on('end', () => resolve(text));
  });
}

const tokens: Record<'editor' | 'viewer', string> = { editor: '', viewer: '' };
const userIds: Record<'editor' | 'viewer' | 'admin', number> = { editor: 0, viewer: 0, admin: 0 };
let adminKey = '';
const events: EntityChanged[] = [];
let unsubscribe: () => void = () => {};
const actionsOf = (runId: number) => events.filter((e) => e.key === String(runId)).map((e) => e.action);

async function login(email: string) {
  const res = await ctx.app.inject({ method: 'POST', url: '/auth/login', payload: { email, password: PASSWORD } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().access_token as string;
}

/** Registers a service at a path of the fake that answers as `answer` does. */
async function service(name: string, answer: (body: unknown) => Answer) {
  answers.set(`/${name}`, answer);
  await ctx.postCreated('/service/insert-service', { name, url: `${fakeUrl}/${name}`, http_method: 'POST' });
}

const run = (name: string, body: Record<string, unknown> = {}, token = ctx.token) =>
  ctx.app.inject({ method: 'POST', url: `/api/v1/services/${name}/runs`, headers: { authorization: `Bearer ${token}` }, payload: body });

const readingsOf = async (uid: string) =>
  ctx.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM reading_float r JOIN sensor s ON s.id = r.sensor_id WHERE s.unique_identifier = $1`,
    [uid],
  );

beforeAll(async () => {
  fake = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const text = await readBody(request);
    const body = text === '' ? null : JSON.parse(text);
    received.push({ path, body });
    const answer = answers.get(path)?.(body) ?? { status: 404, json: { error: 'no such path' } };
    if (answer.hang) return;
    if (answer.raw !== undefined) return response.writeHead(answer.status ?? 200, { 'content-type': 'text/plain' }).end(answer.raw);
    response.writeHead(answer.status ?? 200, { 'content-type': 'application/json' }).end(JSON.stringify(answer.json ?? null));
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/gone`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));

  for (const role of ['editor', 'viewer'] as const) {
    userIds[role] = (await ctx.services.users.create(`${role}@example.org`, PASSWORD, role)).id;
    tokens[role] = await login(`${role}@example.org`);
  }
  userIds.admin = (await ctx.services.users.findByEmail(TEST_EMAIL))!.id;
  const key = await ctx.post('/api/v1/keys', { name: 'runner', scope: 'read-write' });
  expect(key.statusCode, key.body).toBe(201);
  adminKey = key.json().key;

  await createSensorType(ctx.db, [{ name: 'temperature', units: 'degC', datatype: 'float' }], 'station');
  for (const uid of ['ws-1', 'ws-2']) await ctx.postCreated('/sensor/insert-sensor', { type_name: 'station', unique_identifier: uid });
  const ingest = await ctx.post('/api/v1/readings', {
    series: [
      {
        sensor: 'ws-1',
        measure: 'temperature',
        timestamps: ['2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z', '2024-01-05T00:00:00Z'],
        values: [1.5, 2.5, 3.5],
      },
    ],
  });
  expect(ingest.statusCode, ingest.body).toBe(200);

  unsubscribe = ctx.events.subscribe((event) => {
    if (event.type === 'entity.changed' && event.entity === 'service_run') events.push(event);
  });
  await ctx.services.jobs.start();
});

afterAll(async () => {
  unsubscribe();
  await ctx.services.jobs.stop(2000);
  fake.closeAllConnections();
  await new Promise<void>((resolve) => fake.close(() => resolve()));
});

describe('runs and their log', () => {
  it('runs a service now: 201 with the finished run, its status, trigger and duration', async () => {
    await service('echo', (body) => ({ json: { received: body } }));
    const res = await run('echo', { parameters: { city: 'London' } });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      service: 'echo',
      status: 'succeeded',
      trigger: 'request',
      response_status_code: 200,
      response_json: { received: { city: 'London' } },
      error: null,
      written: null,
    });
    expect(body.duration_ms).toBeGreaterThanOrEqual(0);
    expect(Date.parse(body.finished_at)).toBeGreaterThanOrEqual(Date.parse(body.started_at));
    const again = await ctx.get(`/api/v1/services/echo/runs/${body.id}`);
    expect(again.json()).toEqual(body);
    expect((await ctx.get(`/api/v1/services/echo/runs/${body.id + 1000}`)).statusCode).toBe(404);
    // The run was announced as created (running) and updated (finished); across processes the
    // events port delivers them a little later.
    await vi.waitFor(() => expect(actionsOf(body.id)).toEqual(['created', 'updated']), { timeout: 5000 });
    // DTBase's list-runs keeps its exact shape.
    const listed = (await ctx.post('/service/list-runs', { service_name: 'echo' })).json();
    expect(Object.keys(listed[0]).sort()).toEqual([
      'parameter_set_name',
      'parameters',
      'response_json',
      'response_status_code',
      'service_name',
      'timestamp',
    ]);
  });

  it('runs in the background: 202 with the id at once, then the job runner finishes it', async () => {
    await service('later', (body) => ({ json: { done: body } }));
    const res = await run('later', { parameters: { n: 1 }, async: true });
    expect(res.statusCode, res.body).toBe(202);
    const { id, status } = res.json();
    expect(status).toBe('queued');
    const dtbase = await ctx.post('/service/run-service', { service_name: 'later', parameters: { n: 2 }, async: true });
    expect(dtbase.statusCode, dtbase.body).toBe(202);
    expect(dtbase.json()).toMatchObject({ detail: 'Service run queued.', status: 'queued', id: expect.any(Number) });

    for (const runId of [id, dtbase.json().id]) {
      let body: { status: string } = { status: 'queued' };
      for (let i = 0; i < 200 && (body.status === 'queued' || body.status === 'running'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        body = (await ctx.get(`/api/v1/services/later/runs/${runId}`)).json();
      }
      expect(body).toMatchObject({ status: 'succeeded', response_status_code: 200, trigger: 'request' });
      // Queued, running, finished.
      await vi.waitFor(() => expect(actionsOf(runId)).toEqual(['created', 'updated', 'updated']), { timeout: 5000 });
    }
    // Both background runs were made (in either order: the job runner runs jobs concurrently).
    const bodies = received.filter((r) => r.path === '/later').map((r) => r.body as { n: number });
    expect(bodies.sort((a, b) => a.n - b.n)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('records failures as failed runs with a clear error: unreachable, timed out, 500, malformed data', async () => {
    await ctx.postCreated('/service/insert-service', { name: 'closed', url: closedUrl, http_method: 'POST' });
    await service('hangs', () => ({ hang: true }));
    await service('fails', () => ({ status: 500, json: { error: 'boom' } }));
    await service('garbage', () => ({ json: [['/api/v1/readings', { series: [] }], 5] }));
    await service('too-many', () => ({
      json: { requests: Array.from({ length: MAX_RETURNED_REQUESTS + 1 }, () => ['/api/v1/readings', {}]) },
    }));
    await service('deep-answer', () => ({ raw: `${'['.repeat(10_000)}${']'.repeat(10_000)}` }));
    const deep = await run('deep-answer', { parameters: {} });
    expect(deep.statusCode, deep.body).toBe(201);
    // A 2xx answer is a success; one too deep to keep is recorded without its body, saying why.
    expect(deep.json()).toMatchObject({ status: 'succeeded', response_status_code: 200, response_json: null });
    expect(deep.json().error).toMatch(/nested deeper than 256 levels/);
    const expected: Record<string, RegExp> = {
      closed: /^The service could not be reached\.$/,
      hangs: /^The service could not be reached\.$/,
      fails: /status 500/,
      garbage: /item 1 is not an \[endpoint, payload\] pair/,
      'too-many': /at most 1000 are written per answer, so none was/,
    };
    for (const [name, error] of Object.entries(expected)) {
      const res = await run(name, { parameters: {} });
      expect(res.statusCode, `${name}: ${res.body}`).toBe(201);
      expect(res.json().status, name).toBe('failed');
      expect(res.json().error, name).toMatch(error);
    }
    // DTBase's route still answers as before for an unreachable service, after logging the run.
    expect((await ctx.post('/service/run-service', { service_name: 'closed' })).statusCode).toBe(502);
    const logged = (await ctx.get('/api/v1/services/closed/runs')).json().items;
    expect(logged.map((r: { status: string }) => r.status)).toEqual(['failed', 'failed']);
  });
});

/** mirrorbase_readings_ingested_total of the two paths a service run's readings could be counted under. */
async function ingestedByPath() {
  const { body } = await ctx.services.metrics.scrape();
  const of = (path: string) =>
    Number(new RegExp(`^mirrorbase_readings_ingested_total\\{path="${path}"\\} (\\d+)$`, 'm').exec(body)?.[1] ?? 0);
  return { service_run: of('service_run'), dtbase_json: of('dtbase_json') };
}

describe('data returned by a service', () => {
  const pairs = [
    // DTBase's ingress creates its sensor first: "already exists" is fine.
    ['/sensor/insert-sensor', { type_name: 'station', unique_identifier: 'ws-2' }],
    [
      '/sensor/insert-sensor-readings',
      {
        measure_name: 'temperature',
        unique_identifier: 'ws-2',
        readings: [10, 11],
        timestamps: ['2024-03-01T00:00:00Z', '2024-03-01T01:00:00Z'],
      },
    ],
  ];

  it("writes [endpoint, payload] pairs with the caller's credentials; a 409 on a create is success", async () => {
    await service('ingress', () => ({ json: pairs }));
    const countedBefore = await ingestedByPath();
    const res = await run('ingress', {}, tokens.editor);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      status: 'succeeded',
      error: null,
      written: [
        { endpoint: '/sensor/insert-sensor', status: 409, count: 0 },
        { endpoint: '/sensor/insert-sensor-readings', status: 201, count: 2 },
      ],
    });
    expect((await readingsOf('ws-2'))[0].n).toBe(2);
    // Counted as the service run's, not as the DTBase route's they passed through.
    const counted = await ingestedByPath();
    expect(counted.service_run - countedBefore.service_run).toBe(2);
    expect(counted.dtbase_json).toBe(countedBefore.dtbase_json);
    const actor = await ctx.db.query<{ actor_user_id: number }>('SELECT actor_user_id FROM service_run_log WHERE id = $1', [res.json().id]);
    expect(actor[0].actor_user_id).toBe(userIds.editor);
  });

  it("a viewer's run cannot write: each refused request is recorded with its 403 and the run fails", async () => {
    await service('viewer-ingress', () => ({ json: { requests: pairs } }));
    const outcome = await ctx.services.registry.runService({ serviceName: 'viewer-ingress', actor: { userId: userIds.viewer } });
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatch(/2 of 2 returned requests failed; the first: \/sensor\/insert-sensor answered 403: Your role \(viewer\)/);
    const stored = (await ctx.get(`/api/v1/services/viewer-ingress/runs/${outcome.runId}`)).json();
    expect(stored.status).toBe('failed');
    expect(stored.written.map((w: { status: number }) => w.status)).toEqual([403, 403]);
    expect((await readingsOf('ws-2'))[0].n).toBe(2);
  });

  it("an API key's scope applies to what its run writes, beyond its user's role", async () => {
    const newUser = (email: string) => ['/api/v1/users', { email, password: PASSWORD, role: 'viewer' }];
    await service('admin-things', (body) => ({ json: [newUser((body as { email: string }).email)] }));
    const byKey = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/services/admin-things/runs',
      headers: { 'x-api-key': adminKey },
      payload: { parameters: { email: 'by-key@example.org' } },
    });
    expect(byKey.statusCode, byKey.body).toBe(201);
    expect(byKey.json().status).toBe('failed');
    expect(byKey.json().written[0]).toMatchObject({ status: 403, error: expect.stringMatching(/This API key \(scope read-write\)/) });
    expect(await ctx.count(`users WHERE email = 'by-key@example.org'`)).toBe(0);
    const keyId = await ctx.db.query<{ actor_api_key_id: number }>('SELECT actor_api_key_id FROM service_run_log WHERE id = $1', [
      byKey.json().id,
    ]);
    expect(keyId[0].actor_api_key_id).toEqual(expect.any(Number));
    // The same service run by the admin in person creates the user.
    const byAdmin = await run('admin-things', { parameters: { email: 'by-admin@example.org' } });
    expect(byAdmin.json()).toMatchObject({ status: 'succeeded', written: [{ endpoint: '/api/v1/users', status: 201 }] });
    expect(await ctx.count(`users WHERE email = 'by-admin@example.org'`)).toBe(1);
  });

  it('writes an answer in the POST /api/v1/readings format', async () => {
    const series = {
      sensor: 'ws-2',
      measure: 'temperature',
      timestamps: ['2024-04-01T00:00:00Z', '2024-04-02T00:00:00Z', '2024-04-03T00:00:00Z'],
    };
    await service('readings-out', () => ({ json: { series: [{ ...series, values: [1, 2, 3] }] } }));
    const res = await run('readings-out', {}, tokens.editor);
    expect(res.json()).toMatchObject({ status: 'succeeded', written: [{ endpoint: '/api/v1/readings', status: 200, count: 3 }] });
    expect((await readingsOf('ws-2'))[0].n).toBe(5);
  });

  it('refuses endpoints outside the API (and the registry itself), recording each, and writes the rest', async () => {
    await service('wanders', () => ({
      json: [
        ['/service/run-service', { service_name: 'wanders' }],
        ['http://example.org/api/v1/readings', {}],
        ['/api/v1/../health', {}],
        ['/api/v1/services/wanders/runs', {}],
        ['/api/v1/readings', { series: [{ sensor: 'ws-2', measure: 'temperature', timestamps: ['2024-05-01T00:00:00Z'], values: [7] }] }],
      ],
    }));
    const res = await run('wanders', {}, tokens.editor);
    expect(res.json().status).toBe('failed');
    expect(res.json().written.map((w: { status: number | null }) => w.status)).toEqual([null, null, null, null, 200]);
    expect(res.json().written[0].error).toMatch(/not a path of this server's API/);
    expect(res.json().written[3].error).toMatch(/service registry/);
    expect(received.filter((r) => r.path === '/wanders')).toHaveLength(1);
    expect((await readingsOf('ws-2'))[0].n).toBe(6);
  });
});

describe('placeholders', () => {
  const history = { $readings: { sensor: 'ws-1', measure: 'temperature', from: '2024-01-01T00:00:00Z', to: '2024-01-03T00:00:00Z' } };

  it('resolves $readings and $window when the service is called', async () => {
    await service('model', (body) => ({ json: { received: body } }));
    await ctx.postCreated('/service/insert-parameter-set', {
      service_name: 'model',
      name: 'fit',
      parameters: {
        history,
        recent: { $readings: { sensor: 'ws-1', measure: 'temperature', window: 'P7D' } },
        since: { $window: 'from' },
        until: { $window: 'to' },
      },
    });
    const window = { from: new Date('2024-01-01T12:00:00Z'), to: new Date('2024-01-06T00:00:00Z') };
    const outcome = await ctx.services.registry.runService({
      serviceName: 'model',
      parameterSetName: 'fit',
      window,
      trigger: 'schedule',
      actor: { userId: userIds.editor },
    });
    expect(outcome).toEqual({ runId: expect.any(Number), ok: true });
    const sent = received.at(-1)!.body as Record<string, unknown>;
    expect(sent.history).toMatchObject({
      sensor: 'ws-1',
      measure: 'temperature',
      timestamps: ['2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z'],
      values: [1.5, 2.5],
    });
    // P7D before the run window's end.
    expect((sent.recent as { values: number[] }).values).toEqual([1.5, 2.5, 3.5]);
    expect(sent.since).toBe('2024-01-01T12:00:00.000Z');
    expect(sent.until).toBe('2024-01-06T00:00:00.000Z');
    // The log keeps the parameters as stored, not the resolved series.
    const stored = (await ctx.get(`/api/v1/services/model/runs/${outcome.runId}`)).json();
    expect(stored).toMatchObject({ trigger: 'schedule', parameters: { history } });
    // Without a run window, $window is null; a $readings without window or from is a 422.
    const plain = await run('model', { parameters: { history, since: { $window: 'from' } } });
    expect(plain.statusCode, plain.body).toBe(201);
    expect((received.at(-1)!.body as { since: unknown }).since).toBeNull();
    const noWindow = await run('model', { parameters: { h: { $readings: { sensor: 'ws-1', measure: 'temperature' } } } });
    expect(noWindow.statusCode).toBe(422);
    expect(noWindow.json().detail).toMatch(/parameters\.h\.\$readings: gives neither window nor from/);
  });

  it('answers 422 naming the place for an unknown sensor or measure or a bad duration, and stores nothing', async () => {
    const cases: [unknown, RegExp][] = [
      [
        { a: [{ $readings: { sensor: 'nope', measure: 'temperature', window: 'P1D' } }] },
        /parameters\.a\[0\]\.\$readings: Sensor does not exist/,
      ],
      [
        { b: { $readings: { sensor: 'ws-1', measure: 'wind', window: 'P1D' } } },
        /parameters\.b\.\$readings: Measure "wind" is not a measure of sensor "ws-1"/,
      ],
      [
        { c: { $readings: { sensor: 'ws-1', measure: 'temperature', window: '7 days' } } },
        /parameters\.c\.\$readings\.window: "7 days" is not an ISO 8601 duration/,
      ],
      [{ d: { $window: 'middle' } }, /parameters\.d\.\$window: must be "from" or "to"/],
    ];
    const sets = await ctx.count('service_parameter_set');
    const runs = await ctx.count('service_run_log');
    for (const [parameters, message] of cases) {
      const created = await ctx.post('/service/insert-parameter-set', { service_name: 'model', name: 'bad', parameters });
      expect(created.statusCode, created.body).toBe(422);
      expect(created.json().detail).toMatch(message);
      const edited = await ctx.post('/service/edit-parameter-set', { service_name: 'model', name: 'fit', parameters });
      expect(edited.statusCode).toBe(422);
      const now = await ctx.post('/service/run-service', { service_name: 'model', parameters });
      expect(now.statusCode).toBe(422);
      expect((await run('model', { parameters, async: true })).statusCode).toBe(422);
    }
    expect(await ctx.count('service_parameter_set')).toBe(sets);
    expect(await ctx.count('service_run_log')).toBe(runs);
  });

  it('answers 4xx, not a crash, for parameters nested 10,000 deep', async () => {
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    for (const [url, body] of [
      ['/service/insert-parameter-set', `{"service_name":"model","name":"deep","parameters":${deep}}`],
      ['/service/run-service', `{"service_name":"model","parameters":${deep}}`],
      ['/api/v1/services/model/runs', `{"parameters":${deep}}`],
    ]) {
      const res = await ctx.app.inject({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${ctx.token}`, 'content-type': 'application/json' },
        payload: body,
      });
      expect(res.statusCode, `${url}: ${res.body.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
    }
    expect((await run('echo', { parameters: {} })).statusCode).toBe(201);
  });
});
