import { beforeAll, describe, expect, it } from 'vitest';
import { expectAllNeedToken, readAllPages } from './helpers/api-paging.ts';
import { useTestApp } from './helpers/test-app.ts';

// Loopback, which only the allow-list lets the server call.
const ctx = useTestApp({ MIRRORBASE_SERVICE_ALLOWED_HOSTS: '127.0.0.1' });

// Nothing listens on port 1: a run is refused at once and logged with its error.
const UNREACHABLE = 'http://127.0.0.1:1/run';

beforeAll(async () => {
  await ctx.postCreated('/service/insert-service', { name: 'ingress', url: UNREACHABLE, http_method: 'POST' });
  await ctx.postCreated('/service/insert-service', { name: 'model', url: 'http://127.0.0.1:1/model', http_method: 'GET' });
  await ctx.postCreated('/service/insert-service', { name: 'idle', url: 'http://127.0.0.1:1/idle', http_method: 'PUT' });
  for (const [name, parameters] of [
    ['hourly', { every: 'hour' }],
    ['daily', { every: 'day' }],
    ['weekly', { every: 'week' }],
  ] as const) {
    await ctx.postCreated('/service/insert-parameter-set', { service_name: 'ingress', name, parameters });
  }
  for (const body of [
    { service_name: 'ingress', parameter_set_name: 'hourly' },
    { service_name: 'ingress', parameter_set_name: 'daily' },
    { service_name: 'ingress', parameter_set_name: 'hourly' },
    { service_name: 'ingress', parameters: { once: true } },
    { service_name: 'model' },
  ]) {
    expect((await ctx.post('/service/run-service', body)).statusCode).toBe(502);
  }
});

describe('GET /api/v1/services', () => {
  it('lists services and pages through them', async () => {
    const res = await ctx.get('/api/v1/services');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-range']).toBe('items 0-2/*');
    expect(res.json().items[0]).toEqual({
      id: 1,
      name: 'ingress',
      url: UNREACHABLE,
      http_method: 'POST',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/),
    });
    const { items, pages } = await readAllPages<{ name: string }>(ctx, '/api/v1/services', 2);
    expect(pages).toBe(2);
    expect(items.map((s) => s.name)).toEqual(['ingress', 'model', 'idle']);
  });

  it('gets a service by name, 404 for an unknown one', async () => {
    expect((await ctx.get('/api/v1/services/model')).json()).toMatchObject({ id: 2, name: 'model', http_method: 'GET' });
    const res = await ctx.get('/api/v1/services/nothing');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ detail: 'Service "nothing" does not exist', code: 'NOT_FOUND' });
  });
});

describe('parameter sets', () => {
  it('lists the sets of a service and pages', async () => {
    const first = (await ctx.get('/api/v1/services/ingress/parameter-sets')).json().items[0];
    expect(first).toEqual({
      id: 1,
      service: 'ingress',
      name: 'hourly',
      parameters: { every: 'hour' },
      created_at: expect.any(String),
      updated_at: null,
    });
    const { items } = await readAllPages<{ name: string }>(ctx, '/api/v1/services/ingress/parameter-sets', 2);
    expect(items.map((p) => p.name)).toEqual(['hourly', 'daily', 'weekly']);
    expect((await ctx.get('/api/v1/services/idle/parameter-sets')).json()).toEqual({ items: [], next_cursor: null });
  });

  it('gets one set by name; 404 for an unknown service or set', async () => {
    expect((await ctx.get('/api/v1/services/ingress/parameter-sets/daily')).json()).toMatchObject({
      name: 'daily',
      parameters: { every: 'day' },
    });
    const noSet = await ctx.get('/api/v1/services/ingress/parameter-sets/monthly');
    expect(noSet.statusCode).toBe(404);
    expect(noSet.json().detail).toBe('Service "ingress" has no parameter set "monthly"');
    expect((await ctx.get('/api/v1/services/nothing/parameter-sets')).statusCode).toBe(404);
    expect((await ctx.get('/api/v1/services/nothing/parameter-sets/daily')).statusCode).toBe(404);
  });
});

describe('run logs', () => {
  it('lists the runs of a service, oldest first, with what was sent and what went wrong', async () => {
    const items = (await ctx.get('/api/v1/services/ingress/runs')).json().items;
    expect(items.map((r: { parameter_set: string | null }) => r.parameter_set)).toEqual(['hourly', 'daily', 'hourly', null]);
    expect(items[0]).toEqual({
      id: 1,
      service: 'ingress',
      parameter_set: 'hourly',
      parameters: { every: 'hour' },
      response_status_code: null,
      response_json: null,
      error: 'The service could not be reached.',
      timestamp: expect.any(String),
      status: 'failed',
      trigger: 'request',
      started_at: expect.any(String),
      finished_at: items[0].timestamp,
      duration_ms: expect.any(Number),
      written: null,
    });
    expect(items[3].parameters).toEqual({ once: true });
  });

  it('filters by parameter set and pages without losing or repeating a run', async () => {
    const { items, pages } = await readAllPages<{ id: number }>(ctx, '/api/v1/services/ingress/runs?parameter_set=hourly', 1);
    expect(pages).toBe(2);
    expect(items.map((r) => r.id)).toEqual([1, 3]);
    expect((await ctx.get('/api/v1/services/model/runs')).json().items.map((r: { id: number }) => r.id)).toEqual([5]);
  });

  it('lists newest first when asked, paging on in that order', async () => {
    const newest = (await ctx.get('/api/v1/services/ingress/runs?order=newest')).json().items;
    expect(newest.map((r: { id: number }) => r.id)).toEqual([4, 3, 2, 1]);
    const { items, pages } = await readAllPages<{ id: number }>(ctx, '/api/v1/services/ingress/runs?order=newest', 3);
    expect(pages).toBe(2);
    expect(items.map((r) => r.id)).toEqual([4, 3, 2, 1]);
    const hourly = await readAllPages<{ id: number }>(ctx, '/api/v1/services/ingress/runs?order=newest&parameter_set=hourly', 1);
    expect(hourly.items.map((r) => r.id)).toEqual([3, 1]);
  });

  it('answers 404 for an unknown service and 422 for a bad query', async () => {
    expect((await ctx.get('/api/v1/services/nothing/runs')).statusCode).toBe(404);
    for (const query of ['limit=5000', 'cursor=%25%25', 'order=sideways']) {
      const res = await ctx.get(`/api/v1/services/ingress/runs?${query}`);
      expect(res.statusCode, query).toBe(422);
      expect(res.json().code).toBe('VALIDATION_FAILED');
    }
  });
});

describe('authentication', () => {
  it('requires a token on every route', async () => {
    await expectAllNeedToken(ctx, [
      '/api/v1/services',
      '/api/v1/services/ingress',
      '/api/v1/services/ingress/parameter-sets',
      '/api/v1/services/ingress/parameter-sets/daily',
      '/api/v1/services/ingress/runs',
    ]);
  });
});
