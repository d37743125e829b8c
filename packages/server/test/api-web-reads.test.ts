// Reads the web app's pages need: the sensors at a location, and the latest runs of every service.
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAllNeedToken, readAllPages } from './helpers/api-paging.ts';
import { useTestApp } from './helpers/test-app.ts';

// Loopback, which only the allow-list lets the server call; nothing listens on port 1, so a run fails at once.
const ctx = useTestApp({ MIRRORBASE_SERVICE_ALLOWED_HOSTS: '127.0.0.1' });

const locationId = async (room: string) =>
  ((await ctx.get(`/api/v1/locations?schema=rooms&room=${room}`)).json().items[0] as { id: number }).id;

beforeAll(async () => {
  await ctx.postCreated('/location/insert-location-schema', { name: 'rooms', identifiers: [{ name: 'room', datatype: 'string' }] });
  for (const room of ['lab', 'roof', 'cellar']) {
    await ctx.postCreated('/location/insert-location-for-schema', { schema_name: 'rooms', coordinates: { room } });
  }
  await ctx.postCreated('/sensor/insert-sensor-type', {
    name: 'thermometer',
    measures: [{ name: 'temperature', units: 'C', datatype: 'float' }],
  });
  for (const uid of ['t-1', 't-2']) {
    await ctx.postCreated('/sensor/insert-sensor', { type_name: 'thermometer', unique_identifier: uid, name: `Sensor ${uid}` });
  }
  // t-1 was in the lab, then moved to the roof; t-2 is in the lab.
  const install = (uid: string, room: string, at: string) =>
    ctx.postCreated('/sensor/insert-sensor-location', {
      unique_identifier: uid,
      schema_name: 'rooms',
      coordinates: { room },
      installation_datetime: at,
    });
  await install('t-1', 'lab', '2024-01-01T00:00:00Z');
  await install('t-2', 'lab', '2024-02-01T00:00:00Z');
  await install('t-1', 'roof', '2024-03-01T00:00:00Z');

  await ctx.postCreated('/service/insert-service', { name: 'ingress', url: 'http://127.0.0.1:1/run', http_method: 'POST' });
  await ctx.postCreated('/service/insert-service', { name: 'model', url: 'http://127.0.0.1:1/model', http_method: 'GET' });
  for (const service_name of ['ingress', 'model', 'ingress']) {
    expect((await ctx.post('/service/run-service', { service_name })).statusCode).toBe(502);
  }
});

describe('GET /api/v1/locations/{id}/sensors', () => {
  it('lists every installation at a location, newest first, saying which sensors are still there', async () => {
    const lab = await ctx.get(`/api/v1/locations/${await locationId('lab')}/sensors`);
    expect(lab.statusCode, lab.body).toBe(200);
    expect(lab.json()).toEqual({
      items: [
        { sensor: 't-2', name: 'Sensor t-2', type: 'thermometer', installation_datetime: '2024-02-01T00:00:00Z', current: true },
        { sensor: 't-1', name: 'Sensor t-1', type: 'thermometer', installation_datetime: '2024-01-01T00:00:00Z', current: false },
      ],
    });
    const roof = (await ctx.get(`/api/v1/locations/${await locationId('roof')}/sensors`)).json();
    expect(roof.items).toEqual([expect.objectContaining({ sensor: 't-1', current: true })]);
    expect((await ctx.get(`/api/v1/locations/${await locationId('cellar')}/sensors`)).json()).toEqual({ items: [] });
  });

  it('answers 404 for an unknown location', async () => {
    const res = await ctx.get('/api/v1/locations/999999/sensors');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ detail: 'Location 999999 does not exist', code: 'NOT_FOUND' });
  });
});

describe('GET /api/v1/service-runs', () => {
  it('lists the runs of every service, newest first, and pages', async () => {
    const res = await ctx.get('/api/v1/service-runs');
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items as { id: number; service: string; status: string }[];
    expect(items.map((r) => r.service)).toEqual(['ingress', 'model', 'ingress']);
    expect(items.map((r) => r.id)).toEqual([...items.map((r) => r.id)].sort((a, b) => b - a));
    expect(items[0]).toMatchObject({ status: 'failed', trigger: 'request' });
    const paged = await readAllPages<{ id: number }>(ctx, '/api/v1/service-runs', 2);
    expect(paged.pages).toBe(2);
    expect(paged.items.map((r) => r.id)).toEqual(items.map((r) => r.id));
  });

  it('needs a token, as every read does', async () => {
    await expectAllNeedToken(ctx, ['/api/v1/service-runs', '/api/v1/locations/1/sensors']);
  });
});
