import { beforeAll, describe, expect, it } from 'vitest';
import { expectAllNeedToken, readAllPages } from './helpers/api-paging.ts';
import { useTestApp } from './helpers/test-app.ts';

const ctx = useTestApp();

const weatherMeasures = [
  { name: 'temperature', units: 'degC', datatype: 'float' },
  { name: 'humidity', units: null, datatype: 'float' },
  { name: 'status', units: null, datatype: 'string' },
];

beforeAll(async () => {
  await ctx.postCreated('/sensor/insert-sensor-type', { name: 'weather', description: 'a station', measures: weatherMeasures });
  await ctx.postCreated('/sensor/insert-sensor-type', { name: 'door', measures: [{ name: 'open', datatype: 'boolean' }] });
  await ctx.postCreated('/sensor/insert-sensor-type', { name: 'unused', measures: [] });
  for (let i = 1; i <= 5; i++)
    await ctx.postCreated('/sensor/insert-sensor', { type_name: 'weather', unique_identifier: `W${i}`, name: `station ${i}` });
  await ctx.postCreated('/sensor/insert-sensor', { type_name: 'door', unique_identifier: 'D1', notes: 'front' });
  await ctx.postCreated('/location/insert-location-schema', {
    name: 'xy',
    identifiers: [
      { name: 'x', units: 'm', datatype: 'float' },
      { name: 'y', units: 'm', datatype: 'float' },
    ],
  });
  await ctx.postCreated('/location/insert-location-for-schema', { schema_name: 'xy', coordinates: { x: 1, y: 2 } });
  await ctx.postCreated('/location/insert-location-for-schema', { schema_name: 'xy', coordinates: { x: 3.5, y: 4 } });
  await ctx.postCreated('/sensor/insert-sensor-location', {
    unique_identifier: 'W1',
    schema_name: 'xy',
    coordinates: { x: 1, y: 2 },
    installation_datetime: '2023-01-01T00:00:00Z',
  });
  await ctx.postCreated('/sensor/insert-sensor-location', {
    unique_identifier: 'W1',
    schema_name: 'xy',
    coordinates: { x: 3.5, y: 4 },
    installation_datetime: '2023-06-01T12:30:00Z',
  });
  await ctx.postCreated('/sensor/insert-sensor-readings', {
    unique_identifier: 'W1',
    measure_name: 'temperature',
    readings: [20.5, 21.5, 19],
    timestamps: ['2024-01-01T00:00:00Z', '2024-01-01T02:00:00Z', '2024-01-01T01:00:00Z'],
  });
  await ctx.postCreated('/sensor/insert-sensor-readings', {
    unique_identifier: 'W1',
    measure_name: 'status',
    readings: ['ok'],
    timestamps: ['2024-01-01T00:30:00Z'],
  });
});

describe('sensor types and measures', () => {
  it('lists sensor types with their measures in declared order', async () => {
    const res = await ctx.get('/api/v1/sensor-types');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-range']).toBe('items 0-2/*');
    const [weather, door, unused] = res.json().items;
    expect(weather).toEqual({
      id: 1,
      name: 'weather',
      description: 'a station',
      measures: [
        { id: 1, name: 'temperature', units: 'degC', datatype: 'float' },
        { id: 2, name: 'humidity', units: null, datatype: 'float' },
        { id: 3, name: 'status', units: null, datatype: 'string' },
      ],
    });
    expect(door).toMatchObject({ name: 'door', description: null, measures: [{ name: 'open', units: null, datatype: 'boolean' }] });
    expect(unused.measures).toEqual([]);
  });

  it('pages through sensor types and measures', async () => {
    expect((await readAllPages<{ name: string }>(ctx, '/api/v1/sensor-types', 2)).items.map((t) => t.name)).toEqual([
      'weather',
      'door',
      'unused',
    ]);
    expect((await readAllPages<{ name: string }>(ctx, '/api/v1/sensor-measures', 3)).items.map((m) => m.name)).toEqual([
      'temperature',
      'humidity',
      'status',
      'open',
    ]);
  });

  it('gets a sensor type by name, 404 for an unknown one', async () => {
    expect((await ctx.get('/api/v1/sensor-types/door')).json()).toMatchObject({ id: 2, name: 'door' });
    const res = await ctx.get('/api/v1/sensor-types/nope');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ detail: 'Sensor type "nope" does not exist', code: 'NOT_FOUND' });
  });
});

describe('GET /api/v1/sensors', () => {
  it('lists sensors with their type', async () => {
    const items = (await ctx.get('/api/v1/sensors')).json().items;
    expect(items).toHaveLength(6);
    expect(items[5]).toEqual({ id: 6, unique_identifier: 'D1', name: null, notes: 'front', type: 'door' });
  });

  it('filters by type and pages without losing or repeating a sensor', async () => {
    const { items, pages } = await readAllPages<{ unique_identifier: string }>(ctx, '/api/v1/sensors?type=weather', 2);
    expect(pages).toBe(3);
    expect(items.map((s) => s.unique_identifier)).toEqual(['W1', 'W2', 'W3', 'W4', 'W5']);
    expect(
      (await ctx.get('/api/v1/sensors?type=door')).json().items.map((s: { unique_identifier: string }) => s.unique_identifier),
    ).toEqual(['D1']);
    expect((await ctx.get('/api/v1/sensors?type=nothing')).json()).toEqual({ items: [], next_cursor: null });
  });

  it('answers 422 for a bad limit or cursor', async () => {
    for (const query of ['limit=1001', 'limit=abc', 'cursor=bm9wZQ']) {
      expect((await ctx.get(`/api/v1/sensors?${query}`)).statusCode, query).toBe(422);
    }
  });
});

describe('GET /api/v1/sensors/{uid}', () => {
  it('answers in one call with type, measures with their latest values and the current location', async () => {
    const res = await ctx.get('/api/v1/sensors/W1');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      id: 1,
      unique_identifier: 'W1',
      name: 'station 1',
      notes: null,
      type: { id: 1, name: 'weather', description: 'a station' },
      measures: [
        // The latest by timestamp, not the last inserted.
        { id: 1, name: 'temperature', units: 'degC', datatype: 'float', latest: { timestamp: '2024-01-01T02:00:00Z', value: 21.5 } },
        { id: 2, name: 'humidity', units: null, datatype: 'float', latest: null },
        { id: 3, name: 'status', units: null, datatype: 'string', latest: { timestamp: '2024-01-01T00:30:00Z', value: 'ok' } },
      ],
      location: { id: 2, schema: 'xy', coordinates: { x: 3.5, y: 4 }, installation_datetime: '2023-06-01T12:30:00Z' },
    });
  });

  it('shows a sensor never installed and never read', async () => {
    const body = (await ctx.get('/api/v1/sensors/D1')).json();
    expect(body.location).toBeNull();
    expect(body.measures).toEqual([{ id: 4, name: 'open', units: null, datatype: 'boolean', latest: null }]);
  });

  it('answers 404 for an unknown sensor', async () => {
    const res = await ctx.get('/api/v1/sensors/ghost');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ detail: 'Sensor "ghost" does not exist', code: 'NOT_FOUND' });
  });
});

describe('authentication', () => {
  it('requires a token on every route', async () => {
    await expectAllNeedToken(ctx, [
      '/api/v1/sensor-types',
      '/api/v1/sensor-types/door',
      '/api/v1/sensor-measures',
      '/api/v1/sensors',
      '/api/v1/sensors/W1',
    ]);
  });
});
