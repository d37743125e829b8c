import { beforeAll, describe, expect, it } from 'vitest';
import { expectAllNeedToken, readAllPages } from './helpers/api-paging.ts';
import { useTestApp } from './helpers/test-app.ts';

const ctx = useTestApp();

const ids = async (query: string) => {
  const res = await ctx.get(`/api/v1/locations?${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items.map((l: { id: number }) => l.id);
};

beforeAll(async () => {
  await ctx.postCreated('/location/insert-location-schema', {
    name: 'xy',
    description: 'a plane',
    identifiers: [
      { name: 'y', units: 'm', datatype: 'float' },
      { name: 'x', units: 'm', datatype: 'float' },
    ],
  });
  await ctx.postCreated('/location/insert-location-schema', {
    name: 'rooms',
    identifiers: [
      { name: 'room', datatype: 'string' },
      { name: 'floor', datatype: 'integer' },
      { name: 'outdoor', datatype: 'boolean' },
    ],
  });
  for (const [x, y] of [
    [1, 2],
    [1, 3],
    [1.5, 2],
    [2, 2],
  ])
    await ctx.postCreated('/location/insert-location-for-schema', { schema_name: 'xy', coordinates: { x, y } });
  await ctx.postCreated('/location/insert-location-for-schema', {
    schema_name: 'rooms',
    coordinates: { room: 'lab', floor: 1, outdoor: false },
  });
  await ctx.postCreated('/location/insert-location-for-schema', {
    schema_name: 'rooms',
    coordinates: { room: 'roof', floor: 3, outdoor: true },
  });
});

describe('location schemas', () => {
  it('lists schemas with their identifiers sorted by name, and pages', async () => {
    const res = await ctx.get('/api/v1/location-schemas');
    expect(res.statusCode).toBe(200);
    expect(res.json().items[0]).toEqual({
      id: 1,
      name: 'xy',
      description: 'a plane',
      identifiers: [
        { id: 2, name: 'x', units: 'm', datatype: 'float' },
        { id: 1, name: 'y', units: 'm', datatype: 'float' },
      ],
    });
    const { items, pages } = await readAllPages<{ name: string }>(ctx, '/api/v1/location-schemas', 1);
    expect(pages).toBe(2);
    expect(items.map((s) => s.name)).toEqual(['xy', 'rooms']);
  });

  it('gets a schema by name, 404 for an unknown one', async () => {
    expect((await ctx.get('/api/v1/location-schemas/rooms')).json()).toMatchObject({ id: 2, name: 'rooms', description: null });
    const res = await ctx.get('/api/v1/location-schemas/nowhere');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ detail: 'Location schema "nowhere" does not exist', code: 'NOT_FOUND' });
  });
});

describe('GET /api/v1/locations', () => {
  it('lists every location with its schema and coordinates', async () => {
    const res = await ctx.get('/api/v1/locations');
    expect(res.headers['content-range']).toBe('items 0-5/*');
    const items = res.json().items;
    expect(items[0]).toEqual({ id: 1, schema: 'xy', coordinates: { x: 1, y: 2 } });
    expect(items[5]).toEqual({ id: 6, schema: 'rooms', coordinates: { room: 'roof', floor: 3, outdoor: true } });
  });

  it("filters by schema and by coordinates read in each identifier's datatype", async () => {
    expect(await ids('schema=xy')).toEqual([1, 2, 3, 4]);
    expect(await ids('schema=xy&x=1')).toEqual([1, 2]);
    expect(await ids('schema=xy&x=1.0&y=2')).toEqual([1]);
    expect(await ids('schema=xy&y=2')).toEqual([1, 3, 4]);
    expect(await ids('schema=rooms&floor=3')).toEqual([6]);
    expect(await ids('schema=rooms&outdoor=false')).toEqual([5]);
    expect(await ids('schema=rooms&room=lab')).toEqual([5]);
    expect(await ids('schema=xy&x=9')).toEqual([]);
    expect(await ids('schema=unknown')).toEqual([]);
  });

  it('pages a filtered list without losing or repeating a location', async () => {
    const { items, pages } = await readAllPages<{ id: number }>(ctx, '/api/v1/locations?schema=xy&y=2', 2);
    expect(pages).toBe(2);
    expect(items.map((l) => l.id)).toEqual([1, 3, 4]);
  });

  it('answers 422 for coordinates without a schema, an unknown identifier or a value of the wrong type', async () => {
    for (const [query, detail] of [
      ['x=1', /need a schema/],
      ['schema=xy&z=1', /no identifier "z"/],
      ['schema=xy&x=abc', /not of its datatype float/],
      ['schema=rooms&floor=1.5', /not of its datatype integer/],
      ['schema=rooms&outdoor=yes', /not of its datatype boolean/],
      ['schema=xy&x=1&x=2', /.*/],
      ['limit=0', /.*/],
    ] as const) {
      const res = await ctx.get(`/api/v1/locations?${query}`);
      expect(res.statusCode, query).toBe(422);
      expect(res.json().code).toBe('VALIDATION_FAILED');
      const text = res.json().detail;
      expect(typeof text === 'string' ? text : JSON.stringify(text), query).toMatch(detail);
    }
  });
});

describe('GET /api/v1/locations/{id}', () => {
  it('returns one location, 404 for an unknown id, 422 for a non-integer', async () => {
    expect((await ctx.get('/api/v1/locations/3')).json()).toEqual({ id: 3, schema: 'xy', coordinates: { x: 1.5, y: 2 } });
    const missing = await ctx.get('/api/v1/locations/99');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ detail: 'Location 99 does not exist', code: 'NOT_FOUND' });
    expect((await ctx.get('/api/v1/locations/x')).statusCode).toBe(422);
  });
});

describe('authentication', () => {
  it('requires a token on every route', async () => {
    await expectAllNeedToken(ctx, ['/api/v1/location-schemas', '/api/v1/location-schemas/xy', '/api/v1/locations', '/api/v1/locations/1']);
  });
});
