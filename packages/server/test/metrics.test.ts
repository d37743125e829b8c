import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { startMetricsListener } from '../src/observability/metrics-listener.ts';
import { ALL_DATATYPES, createSensor } from './helpers/sensor-fixtures.ts';
import { metricSample as sample } from './helpers/prometheus-text.ts';
import { openSse } from './helpers/sse-client.ts';
import { TEST_EMAIL, useTestApp } from './helpers/test-app.ts';
import { testEngine } from './helpers/test-database.ts';

const METRICS_TOKEN = 'scrape-token-for-the-metrics-test-0123456789';
const ctx = useTestApp({ MIRRORBASE_METRICS_TOKEN: METRICS_TOKEN });

const scrape = async (authorization = `Bearer ${METRICS_TOKEN}`) => {
  const res = await ctx.app.inject({ method: 'GET', url: '/metrics', headers: { authorization } });
  expect(res.statusCode, res.body).toBe(200);
  return res.body;
};

const seconds = (start: string, n: number) => Array.from({ length: n }, (_, i) => new Date(Date.parse(start) + i * 1000).toISOString());

describe('GET /metrics', () => {
  beforeAll(async () => {
    await createSensor(ctx.db, 'metrics-1', ALL_DATATYPES);
  });

  it('counts requests by route template and status, every unmatched URL under one label', async () => {
    for (const uid of ['no-such-sensor-a', 'no-such-sensor-b']) expect((await ctx.get(`/api/v1/sensors/${uid}`)).statusCode).toBe(404);
    for (const url of ['/nowhere/1', '/nowhere/2?x=1', '/api/v1/nothing']) {
      expect((await ctx.app.inject({ method: 'GET', url, headers: { accept: 'application/json' } })).statusCode).toBe(404);
    }
    expect((await ctx.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);

    const text = await scrape();
    const sensorRoute = { method: 'GET', route: '/api/v1/sensors/:uid', status: '404' };
    expect(sample(text, 'mirrorbase_http_requests_total', sensorRoute)).toBe(2);
    expect(sample(text, 'mirrorbase_http_request_duration_seconds_count', sensorRoute)).toBe(2);
    expect(sample(text, 'mirrorbase_http_requests_total', { method: 'GET', route: '(unmatched)', status: '404' })).toBe(3);
    expect(sample(text, 'mirrorbase_http_requests_total', { method: 'GET', route: '/healthz', status: '200' })).toBe(1);
    // Raw URLs never become labels.
    expect(text).not.toMatch(/no-such-sensor|nowhere/);
  });

  it('counts the readings stored by each ingest path, duplicates not included', async () => {
    const dtbase = {
      unique_identifier: 'metrics-1',
      measure_name: 'temperature',
      readings: [1, 2, 3],
      timestamps: seconds('2024-03-01T00:00:00Z', 3),
    };
    expect((await ctx.post('/sensor/insert-sensor-readings', dtbase)).statusCode).toBe(201);
    // The same again: all three are duplicates.
    expect((await ctx.post('/sensor/insert-sensor-readings', dtbase)).statusCode).toBe(201);
    const times = seconds('2024-03-02T00:00:00Z', 5);
    const json = await ctx.post('/api/v1/readings', {
      series: [{ sensor: 'metrics-1', measure: 'temperature', timestamps: times, values: [1, 2, 3, 4, 5] }],
    });
    expect(json.json()).toMatchObject({ inserted: 5, duplicates: 0 });
    const csv = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/readings',
      headers: { authorization: `Bearer ${ctx.token}`, 'content-type': 'text/csv' },
      payload: `sensor,measure,timestamp,value\nmetrics-1,count,2024-03-03T00:00:00Z,7\nmetrics-1,count,2024-03-03T00:00:01Z,8\n`,
    });
    expect(csv.json()).toMatchObject({ inserted: 2 });

    const text = await scrape();
    expect(sample(text, 'mirrorbase_readings_ingested_total', { path: 'dtbase_json' })).toBe(3);
    expect(sample(text, 'mirrorbase_readings_ingested_total', { path: 'api_json' })).toBe(5);
    expect(sample(text, 'mirrorbase_readings_ingested_total', { path: 'api_csv' })).toBe(2);
    expect(sample(text, 'mirrorbase_readings_ingested_total', { path: 'api_ndjson' })).toBeUndefined();
    // Those writes went through the measured database; nothing is left waiting or open.
    expect(sample(text, 'mirrorbase_db_query_duration_seconds_count', { outcome: 'ok' })).toBeGreaterThan(10);
    // The app's own background work (the job runner's poll, the events listener) may have a
    // statement out at the moment of a scrape: settled means zero at some scrape soon after.
    await expect
      .poll(async () => {
        const now = await scrape();
        return ['queries_in_flight', 'transactions_active', 'transactions_waiting'].map((name) => sample(now, `mirrorbase_db_${name}`));
      })
      .toEqual([0, 0, 0]);
    expect(sample(text, 'mirrorbase_db_pool_size')).toBe(testEngine() === 'postgres' ? 10 : 1);
  });

  it('counts job runs by job name and outcome', async () => {
    await ctx.services.jobs.enqueue('jobs.prune', {});
    await ctx.services.jobs.runDue();
    const text = await scrape();
    expect(sample(text, 'mirrorbase_job_runs_total', { job: 'jobs.prune', outcome: 'succeeded' })).toBe(1);
    expect(sample(text, 'mirrorbase_job_duration_seconds_count', { job: 'jobs.prune', outcome: 'succeeded' })).toBe(1);
  });

  it('counts open streams by transport', async () => {
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = ctx.app.server.address() as AddressInfo;
    const stream = await openSse(`http://127.0.0.1:${port}/api/v1/readings/stream`, { authorization: `Bearer ${ctx.token}` });
    expect(stream.status).toBe(200);
    expect(sample(await scrape(), 'mirrorbase_stream_subscribers', { transport: 'sse' })).toBe(1);
    expect(sample(await scrape(), 'mirrorbase_stream_subscribers', { transport: 'websocket' })).toBe(0);
    stream.close();
    await expect.poll(async () => sample(await scrape(), 'mirrorbase_stream_subscribers', { transport: 'sse' })).toBe(0);
  });

  it('needs the metrics token or an admin on the main port', async () => {
    const status = async (headers: Record<string, string>) =>
      (await ctx.app.inject({ method: 'GET', url: '/metrics', headers })).statusCode;
    expect(await status({})).toBe(401);
    expect(await status({ authorization: 'Bearer not-the-metrics-token' })).toBe(401);
    expect(await status({ authorization: `Bearer ${METRICS_TOKEN}x` })).toBe(401);
    expect(await status({ authorization: `Bearer ${METRICS_TOKEN}` })).toBe(200);
    // An admin signed in, or with an API key; not an editor, nor an admin's device key.
    expect(await status({ authorization: `Bearer ${ctx.token}` })).toBe(200);
    const readKey = await ctx.services.apiKeys.create({ owner: TEST_EMAIL, name: 'metrics reader', scope: 'read' });
    expect(await status({ 'x-api-key': readKey.secret })).toBe(200);
    const deviceKey = await ctx.services.apiKeys.create({ owner: TEST_EMAIL, name: 'device', scope: 'ingest', sensors: ['metrics-1'] });
    expect(await status({ 'x-api-key': deviceKey.secret })).toBe(403);
    await ctx.services.users.create('editor@example.org', 'an editor password 123', 'editor');
    const login = await ctx.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'editor@example.org', password: 'an editor password 123' },
    });
    expect(await status({ authorization: `Bearer ${login.json().access_token}` })).toBe(403);
  });

  it('is served without authentication on the separate metrics port, and only there', async () => {
    const listener = await startMetricsListener({ metrics: ctx.services.metrics, host: '127.0.0.1', port: 0 });
    try {
      const res = await fetch(`http://127.0.0.1:${listener.port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      expect(sample(text, 'mirrorbase_readings_ingested_total', { path: 'api_json' })).toBe(5);
      expect((await fetch(`http://127.0.0.1:${listener.port}/api/v1/sensors`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${listener.port}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      await listener.close();
    }
    await expect(fetch(`http://127.0.0.1:${listener.port}/metrics`)).rejects.toThrow();
  });
});
