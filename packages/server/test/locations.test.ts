import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/test-app.ts';

const ctx = useTestApp();

const xyz = {
  name: 'xyz',
  description: 'Cartesian, metres',
  identifiers: [
    { name: 'z', units: 'm', datatype: 'float' },
    { name: 'x', units: 'm', datatype: 'float' },
    { name: 'y', units: 'm', datatype: 'float' },
  ],
};

async function snapshot() {
  return {
    identifiers: await ctx.count('location_identifier'),
    schemas: await ctx.count('location_schema'),
    links: await ctx.count('location_schema_identifier'),
    locations: await ctx.count('location'),
  };
}

describe('/location/insert-location-schema', () => {
  it('creates a schema whose identifiers are listed sorted by name', async () => {
    const res = await ctx.post('/location/insert-location-schema', xyz);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ detail: 'Location schema inserted' });
    const details = await ctx.post('/location/get-schema-details', { schema_name: 'xyz' });
    expect(details.statusCode).toBe(200);
    expect(details.json()).toEqual({
      name: 'xyz',
      description: 'Cartesian, metres',
      identifiers: [
        { name: 'x', units: 'm', datatype: 'float' },
        { name: 'y', units: 'm', datatype: 'float' },
        { name: 'z', units: 'm', datatype: 'float' },
      ],
    });
  });

  it('reuses identifiers with the same name and units, and takes omitted units and description as null', async () => {
    const res = await ctx.post('/location/insert-location-schema', {
      name: 'plan',
      identifiers: [
        { name: 'x', units: 'm', datatype: 'float' },
        { name: 'room', datatype: 'string' },
      ],
    });
    expect(res.statusCode).toBe(201);
    const again = await ctx.post('/location/insert-location-schema', {
      name: 'rooms',
      description: null,
      identifiers: [{ name: 'room', units: null, datatype: 'string' }],
    });
    expect(again.statusCode).toBe(201);
    const identifiers = await ctx.get('/location/list-location-identifiers');
    expect(identifiers.statusCode).toBe(200);
    expect(identifiers.json()).toEqual([
      { name: 'z', units: 'm', datatype: 'float' },
      { name: 'x', units: 'm', datatype: 'float' },
      { name: 'y', units: 'm', datatype: 'float' },
      { name: 'room', units: null, datatype: 'string' },
    ]);
    expect((await ctx.post('/location/get-schema-details', { schema_name: 'rooms' })).json()).toEqual({
      name: 'rooms',
      description: null,
      identifiers: [{ name: 'room', units: null, datatype: 'string' }],
    });
  });

  it('answers 409 for an existing schema name and changes nothing', async () => {
    const before = await snapshot();
    const res = await ctx.post('/location/insert-location-schema', {
      ...xyz,
      identifiers: [{ name: 'brand-new', units: null, datatype: 'integer' }],
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ detail: 'LocationSchema exists already' });
    expect(await snapshot()).toEqual(before);
  });

  it('answers 409 when an identifier exists with another datatype, creating nothing', async () => {
    const before = await snapshot();
    const res = await ctx.post('/location/insert-location-schema', {
      name: 'grid',
      description: null,
      identifiers: [
        { name: 'col', units: null, datatype: 'integer' },
        { name: 'x', units: 'm', datatype: 'integer' },
      ],
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().detail).toBe('Location identifier "x" with units "m" exists already with datatype float, not integer');
    expect(await snapshot()).toEqual(before);
  });

  it('answers 422 (DTBase: 500) for an invalid datatype', async () => {
    const res = await ctx.post('/location/insert-location-schema', {
      name: 'bad',
      description: null,
      identifiers: [{ name: 'q', units: null, datatype: 'complex' }],
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().detail[0].loc).toEqual(['body', 'identifiers', 0, 'datatype']);
  });

  it('answers 422 for two identifiers of one name (coordinates are keyed by name)', async () => {
    const before = await snapshot();
    const res = await ctx.post('/location/insert-location-schema', {
      name: 'twice',
      description: null,
      identifiers: [
        { name: 'h', units: 'm', datatype: 'float' },
        { name: 'h', units: 'ft', datatype: 'float' },
      ],
    });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toEqual({ detail: 'Identifier name "h" appears more than once' });
    expect(await snapshot()).toEqual(before);
  });

  it('answers 422 for a name longer than the database column', async () => {
    const res = await ctx.post('/location/insert-location-schema', { name: 'n'.repeat(101), description: null, identifiers: [] });
    expect(res.statusCode).toBe(422);
    expect(res.json().detail[0].loc).toEqual(['body', 'name']);
  });
});

describe('/location/list-location-schemas and get-schema-details', () => {
  it('lists every schema with its identifiers, in insertion order', async () => {
    const res = await ctx.get('/location/list-location-schemas');
    expect(res.statusCode).toBe(200);
    const schemas = res.json();
    expect(schemas.map((s: { name: string }) => s.name)).toEqual(['xyz', 'plan', 'rooms']);
    expect(schemas[1]).toEqual({
      name: 'plan',
      description: null,
      identifiers: [
        { name: 'room', units: null, datatype: 'string' },
        { name: 'x', units: 'm', datatype: 'float' },
      ],
    });
  });

  it('answers 400 for an unknown schema', async () => {
    const res = await ctx.post('/location/get-schema-details', { schema_name: 'nope' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ detail: 'No such schema' });
  });
});

describe('/location/insert-location-for-schema', () => {
  it('inserts a location; a JSON integer is a valid float', async () => {
    const res = await ctx.post('/location/insert-location-for-schema', { schema_name: 'xyz', coordinates: { x: 1.5, y: 2, z: 0 } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ detail: 'Location inserted' });
  });

  it('answers 409 for the same place, also written 2.0 instead of 2', async () => {
    const before = await snapshot();
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/location/insert-location-for-schema',
      headers: { authorization: `Bearer ${ctx.token}`, 'content-type': 'application/json' },
      payload: '{"schema_name": "xyz", "coordinates": {"z": 0.0, "y": 2.0, "x": 1.5}}',
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ detail: 'Location exists already' });
    expect(await snapshot()).toEqual(before);
  });

  it('answers 400 for an unknown schema', async () => {
    const res = await ctx.post('/location/insert-location-for-schema', { schema_name: 'nope', coordinates: { x: 1 } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ detail: 'Location schema does not exist' });
  });

  it('answers 422 (DTBase: 500) for coordinates that do not fit the schema, inserting nothing', async () => {
    const before = await snapshot();
    const missing = await ctx.post('/location/insert-location-for-schema', { schema_name: 'xyz', coordinates: { x: 1, y: 2 } });
    expect(missing.statusCode).toBe(422);
    expect(missing.json()).toEqual({ detail: 'Coordinates for location schema "xyz" lack "z"' });
    const extra = await ctx.post('/location/insert-location-for-schema', { schema_name: 'xyz', coordinates: { x: 1, y: 2, z: 3, w: 4 } });
    expect(extra.statusCode).toBe(422);
    expect(extra.json()).toEqual({ detail: 'Location schema "xyz" has no identifier "w"; its identifiers are "x", "y", "z"' });
    const wrongType = await ctx.post('/location/insert-location-for-schema', { schema_name: 'xyz', coordinates: { x: '1', y: 2, z: 3 } });
    expect(wrongType.statusCode).toBe(422);
    expect(wrongType.json()).toEqual({ detail: 'Value "1" for identifier "x" is not of its datatype float' });
    expect(await snapshot()).toEqual(before);
  });

  it('answers 422 for coordinates that are not an object of scalars', async () => {
    const res = await ctx.post('/location/insert-location-for-schema', { schema_name: 'xyz', coordinates: { x: [1], y: 2, z: 3 } });
    expect(res.statusCode).toBe(422);
    expect(res.json().detail[0].loc).toEqual(['body', 'coordinates', 'x']);
  });
});

describe('/location/insert-location', () => {
  it('creates identifiers, a schema named after the sorted names, and the location', async () => {
    const res = await ctx.post('/location/insert-location', {
      identifiers: [
        { name: 'lon', units: 'deg', datatype: 'float' },
        { name: 'lat', units: 'deg', datatype: 'float' },
      ],
      values: [-0.13, 51.5],
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ schema_name: 'lat-lon' });
    expect((await ctx.post('/location/get-schema-details', { schema_name: 'lat-lon' })).json()).toEqual({
      name: 'lat-lon',
      description: 'lat-lon',
      identifiers: [
        { name: 'lat', units: 'deg', datatype: 'float' },
        { name: 'lon', units: 'deg', datatype: 'float' },
      ],
    });
  });

  // DTBase answered 409 here (it refused whenever the auto-schema existed): a bug, fixed.
  it('creates a second location with the same identifiers but other values', async () => {
    const res = await ctx.post('/location/insert-location', {
      identifiers: [
        { name: 'lat', units: 'deg', datatype: 'float' },
        { name: 'lon', units: 'deg', datatype: 'float' },
      ],
      values: [48.85, 2.35],
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ schema_name: 'lat-lon' });
    const list = await ctx.post('/location/list-locations', { schema_name: 'lat-lon' });
    expect(list.json()).toEqual([
      { id: 2, lat: 51.5, lon: -0.13 },
      { id: 3, lat: 48.85, lon: 2.35 },
    ]);
  });

  it('answers 409 for an identical location and changes nothing', async () => {
    const before = await snapshot();
    const res = await ctx.post('/location/insert-location', {
      identifiers: [
        { name: 'lat', units: 'deg', datatype: 'float' },
        { name: 'lon', units: 'deg', datatype: 'float' },
      ],
      values: [48.85, 2.35],
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ detail: 'Location or schema exists already' });
    expect(await snapshot()).toEqual(before);
  });

  it('answers 409 when the schema of that name holds other identifiers', async () => {
    const before = await snapshot();
    const res = await ctx.post('/location/insert-location', {
      identifiers: [
        { name: 'lat', units: 'rad', datatype: 'float' },
        { name: 'lon', units: 'rad', datatype: 'float' },
      ],
      values: [0.1, 0.2],
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ detail: 'Location schema "lat-lon" exists already with other identifiers' });
    expect(await snapshot()).toEqual(before);
  });

  it('answers 422 for a length mismatch or a value of the wrong datatype, creating nothing', async () => {
    const before = await snapshot();
    const mismatch = await ctx.post('/location/insert-location', {
      identifiers: [{ name: 'floor', units: null, datatype: 'integer' }],
      values: [1, 2],
    });
    expect(mismatch.statusCode).toBe(422);
    expect(mismatch.json()).toEqual({ detail: 'identifiers and values must have the same length (got 1 and 2)' });
    const fraction = await ctx.post('/location/insert-location', {
      identifiers: [{ name: 'floor', units: null, datatype: 'integer' }],
      values: [1.5],
    });
    expect(fraction.statusCode).toBe(422);
    expect(fraction.json()).toEqual({ detail: 'Value 1.5 for identifier "floor" is not of its datatype integer' });
    const empty = await ctx.post('/location/insert-location', { identifiers: [], values: [] });
    expect(empty.statusCode).toBe(422);
    expect(await snapshot()).toEqual(before);
  });

  it('answers 409 when an identifier exists with another datatype', async () => {
    const res = await ctx.post('/location/insert-location', {
      identifiers: [{ name: 'room', units: null, datatype: 'integer' }],
      values: [7],
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().detail).toBe('Location identifier "room" with no units exists already with datatype string, not integer');
  });
});

describe('/location/list-locations', () => {
  it('lists the locations of a schema as {id, ...coordinates}', async () => {
    await ctx.post('/location/insert-location-for-schema', { schema_name: 'xyz', coordinates: { x: 1.5, y: 3, z: 0 } });
    await ctx.post('/location/insert-location-for-schema', { schema_name: 'xyz', coordinates: { x: 4, y: 3, z: 0.25 } });
    const res = await ctx.post('/location/list-locations', { schema_name: 'xyz', coordinates: null });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([
      { id: 1, x: 1.5, y: 2, z: 0 },
      { id: 4, x: 1.5, y: 3, z: 0 },
      { id: 5, x: 4, y: 3, z: 0.25 },
    ]);
  });

  it('filters by equality on the identifiers given (numerically: 3 = 3.0)', async () => {
    const res = await ctx.post('/location/list-locations', { schema_name: 'xyz', coordinates: { y: 3.0 } });
    expect(res.json().map((l: { id: number }) => l.id)).toEqual([4, 5]);
    const both = await ctx.post('/location/list-locations', { schema_name: 'xyz', coordinates: { x: 1.5, y: 3 } });
    expect(both.json()).toEqual([{ id: 4, x: 1.5, y: 3, z: 0 }]);
    const none = await ctx.post('/location/list-locations', { schema_name: 'xyz', coordinates: { x: 99 } });
    expect(none.json()).toEqual([]);
  });

  it('answers 200 with no locations (DTBase: every location id) for an unknown schema, with or without a filter', async () => {
    const res = await ctx.post('/location/list-locations', { schema_name: 'nope' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([]);
    const filtered = await ctx.post('/location/list-locations', { schema_name: 'nope', coordinates: { x: 1.5 } });
    expect(filtered.statusCode).toBe(200);
    expect(filtered.json()).toEqual([]);
  });

  it('answers 422 (DTBase: 500) for a filter on an unknown identifier or of the wrong datatype', async () => {
    const unknown = await ctx.post('/location/list-locations', { schema_name: 'xyz', coordinates: { w: 1 } });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().detail).toMatch(/has no identifier "w"/);
    const wrongType = await ctx.post('/location/list-locations', { schema_name: 'xyz', coordinates: { x: true } });
    expect(wrongType.statusCode).toBe(422);
  });

  it('answers 422 without a body or a schema name, as DTBase', async () => {
    expect((await ctx.post('/location/list-locations')).statusCode).toBe(422);
    const empty = await ctx.post('/location/list-locations', {});
    expect(empty.statusCode).toBe(422);
    expect(empty.json().detail[0]).toMatchObject({ type: 'missing', loc: ['body', 'schema_name'] });
  });
});

describe('/location/delete-location', () => {
  it('refuses (409, DTBase: 500) to delete a location a sensor was installed at', async () => {
    // Set up in SQL so that this file depends on the locations module only.
    await ctx.db.query(`INSERT INTO sensor_type (name) VALUES ('thermometer')`);
    await ctx.db.query(`INSERT INTO sensor (type_id, unique_identifier) SELECT id, 'T1' FROM sensor_type`);
    await ctx.db.query(
      `INSERT INTO sensor_location (sensor_id, location_id, installation_datetime)
       SELECT s.id, l.id, now() FROM sensor s, location l WHERE l.coordinates = '{"x": 4, "y": 3, "z": 0.25}'`,
    );
    const res = await ctx.post('/location/delete-location', { schema_name: 'xyz', coordinates: { x: 4, y: 3, z: 0.25 } });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({
      detail: 'Location cannot be deleted: sensor installations refer to it (delete those sensors first).',
    });
    expect(await ctx.count('location')).toBe(5);
  });

  it('deletes a location given its exact coordinates', async () => {
    const res = await ctx.post('/location/delete-location', { schema_name: 'xyz', coordinates: { x: 1.5, y: 3.0, z: 0 } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ detail: 'Location deleted' });
    const left = await ctx.post('/location/list-locations', { schema_name: 'xyz' });
    expect(left.json().map((l: { id: number }) => l.id)).toEqual([1, 5]);
  });

  it('answers 400 for a location or schema that does not exist', async () => {
    for (const body of [
      { schema_name: 'xyz', coordinates: { x: 1.5, y: 3, z: 0 } },
      { schema_name: 'nope', coordinates: { x: 1 } },
    ]) {
      const res = await ctx.post('/location/delete-location', body);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ detail: 'Location not found' });
    }
  });

  it('answers 422 for coordinates that do not fit the schema', async () => {
    const res = await ctx.post('/location/delete-location', { schema_name: 'xyz', coordinates: { x: 1.5 } });
    expect(res.statusCode).toBe(422);
  });
});

describe('/location/delete-location-schema', () => {
  it('refuses (409, DTBase: 500) to delete a schema that locations still use', async () => {
    const before = await snapshot();
    const res = await ctx.post('/location/delete-location-schema', { schema_name: 'lat-lon' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ detail: "Location schema 'lat-lon' still has 2 location(s); delete them first." });
    expect(await snapshot()).toEqual(before);
  });

  it('deletes an unused schema with its identifier links, keeping the identifiers', async () => {
    const before = await snapshot();
    const res = await ctx.post('/location/delete-location-schema', { schema_name: 'plan' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ detail: "Location schema 'plan' has been deleted." });
    expect(await snapshot()).toEqual({ ...before, schemas: before.schemas - 1, links: before.links - 2 });
    expect((await ctx.post('/location/get-schema-details', { schema_name: 'plan' })).statusCode).toBe(400);
  });

  it('answers 400 for an unknown schema', async () => {
    const res = await ctx.post('/location/delete-location-schema', { schema_name: 'plan' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ detail: "Location schema 'plan' not found." });
  });
});

describe('locations service (for the resource API)', () => {
  it('pages through locations with a cursor and finds schemas', async () => {
    const locations = ctx.services.locations;
    const page = await locations.listLocations('lat-lon', {}, { afterId: 2, limit: 1 });
    expect(page).toEqual([{ id: 3, schemaId: expect.any(Number), coordinates: { lat: 48.85, lon: 2.35 } }]);
    expect((await locations.findSchema('lat-lon'))?.identifiers.map((i) => i.name)).toEqual(['lat', 'lon']);
    expect(await locations.findSchema('nope')).toBeUndefined();
  });
});

describe('/location authentication', () => {
  it('requires a token on every /location route', async () => {
    const routes = [
      ['POST', '/location/insert-location-schema'],
      ['POST', '/location/insert-location'],
      ['POST', '/location/insert-location-for-schema'],
      ['POST', '/location/list-locations'],
      ['GET', '/location/list-location-schemas'],
      ['GET', '/location/list-location-identifiers'],
      ['POST', '/location/get-schema-details'],
      ['POST', '/location/delete-location-schema'],
      ['POST', '/location/delete-location'],
    ] as const;
    for (const [method, url] of routes) {
      const res = await ctx.app.inject({ method, url, payload: method === 'POST' ? { bad: 'body' } : undefined });
      expect(res.statusCode, url).toBe(401);
      expect(res.json()).toEqual({ detail: 'Not authenticated' });
    }
  });
});
