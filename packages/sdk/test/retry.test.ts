import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MirrorbaseClient } from '../src/index.ts';
import { backoffMs, retryAfterMs } from '../src/retry.ts';

/**
 * A real HTTP server that fails on purpose: each path answers with the listed statuses in turn
 * (then 200), or "drop" closes the connection without an answer. It counts every attempt.
 */
const plan = new Map<string, (number | 'drop')[]>();
const attempts = new Map<string, number>();
let flaky: http.Server;
let baseUrl: string;

beforeAll(async () => {
  flaky = http.createServer((request, response) => {
    request.resume();
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    attempts.set(path, (attempts.get(path) ?? 0) + 1);
    const next = plan.get(path)?.shift() ?? 200;
    if (next === 'drop') return request.socket.destroy();
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (next === 429) headers['retry-after'] = '1';
    response.writeHead(next, headers).end(JSON.stringify({ attempt: attempts.get(path) }));
  });
  await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`;
});
afterAll(async () => {
  flaky.closeAllConnections();
  await new Promise((resolve) => flaky.close(resolve));
});
beforeEach(() => {
  plan.clear();
  attempts.clear();
});

const client = () => new MirrorbaseClient({ baseUrl, apiKey: 'mb_test', retry: { retries: 3, baseDelayMs: 10 }, env: false });

describe('retries', () => {
  it('retries a GET on 502, 503 and 504 until it succeeds', async () => {
    plan.set('/api/v1/sensors', [502, 503, 504]);
    const { response, data } = await client().api.GET('/api/v1/sensors', {});
    expect(response.status).toBe(200);
    expect(data).toEqual({ attempt: 4 });
  });

  it('gives up after the configured retries and returns the last answer', async () => {
    plan.set('/api/v1/sensors', [503, 503, 503, 503, 503]);
    const { response } = await client().api.GET('/api/v1/sensors', {});
    expect(response.status).toBe(503);
    expect(attempts.get('/api/v1/sensors')).toBe(4);
  });

  it('retries a GET after a dropped connection', async () => {
    plan.set('/api/v1/sensors', ['drop', 'drop']);
    const { response } = await client().api.GET('/api/v1/sensors', {});
    expect(response.status).toBe(200);
    expect(attempts.get('/api/v1/sensors')).toBe(3);
  });

  it('honours Retry-After on a 429', async () => {
    plan.set('/api/v1/sensors', [429]);
    const started = Date.now();
    const { response } = await client().api.GET('/api/v1/sensors', {});
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(attempts.get('/api/v1/sensors')).toBe(2);
  });

  it('never retries a POST by default, on an error status or a dropped connection', async () => {
    plan.set('/sensor/insert-sensor', [503]);
    const { response } = await client().api.POST('/sensor/insert-sensor', { body: { unique_identifier: 'x', type_name: 't' } as never });
    expect(response.status).toBe(503);
    expect(attempts.get('/sensor/insert-sensor')).toBe(1);

    plan.set('/sensor/insert-sensor-type', ['drop']);
    await expect(client().api.POST('/sensor/insert-sensor-type', { body: { name: 't', measures: [] } as never })).rejects.toThrow();
    expect(attempts.get('/sensor/insert-sensor-type')).toBe(1);
  });

  it('retries a POST the caller marks idempotent (option or Idempotency-Key header)', async () => {
    plan.set('/sensor/sensor-readings', [503, 502]);
    const res = await client().request('/sensor/sensor-readings', { method: 'POST', body: '{}', idempotent: true });
    expect(res.status).toBe(200);
    expect(attempts.get('/sensor/sensor-readings')).toBe(3);

    plan.set('/sensor/insert-sensor', [504]);
    const { response } = await client().api.POST('/sensor/insert-sensor', {
      body: { unique_identifier: 'x', type_name: 't' } as never,
      headers: { 'Idempotency-Key': 'abc' },
    });
    expect(response.status).toBe(200);
    expect(attempts.get('/sensor/insert-sensor')).toBe(2);
  });

  it('does not retry with retry: false', async () => {
    plan.set('/api/v1/sensors', [503]);
    const noRetry = new MirrorbaseClient({ baseUrl, retry: false, env: false });
    expect((await noRetry.api.GET('/api/v1/sensors', {})).response.status).toBe(503);
    expect(attempts.get('/api/v1/sensors')).toBe(1);
  });

  it('backs off exponentially with jitter, bounded, and at least Retry-After', () => {
    const options = { retries: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffMs(0, options, undefined, () => 0)).toBe(50);
    expect(backoffMs(0, options, undefined, () => 1)).toBe(100);
    expect(backoffMs(3, options, undefined, () => 1)).toBe(800);
    expect(backoffMs(10, options, undefined, () => 1)).toBe(1000);
    expect(backoffMs(0, options, 700, () => 0)).toBe(700);
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000);
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});
