import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/test-app.ts';

const ctx = useTestApp();

const weather = {
  name: 'weather',
  description: 'A weather station',
  measures: [
    { name: 'temperature', units: 'degC', datatype: 'float' },
    { name: 'status', units: null, datatype: 'string' },
    { name: 'count', units: null, datatype: 'integer' },
  ],
};

async function snapshot() {
  return {
    measures: await ctx.count('sensor_measure'),
    types: await ctx.count('sensor_type'),
    links: await ctx.count('sensor_type_measure'),
    sensors: await ctx.count('sensor'),
    installations: await ctx.count('sensor_location'),
  };
}

describe('/sensor/insert-sensor-type', () => {
  it('creates a type whose measures are listed in declared order', async () => {
    const res = await ctx.post('/sensor/insert-sensor-type', weather);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ detail: 'Sensor type inserted' });
    const types = await ctx.get('/sensor/list-sensor-types');
    expect(types.statusCode).toBe(200);
    expect(types.json()).toEqual([weather]);
  });

  it('reuses measures, null units included (DTBase: 500), and takes an omitted description as null', async () => {
    const res = await ctx.post('/sensor/insert-sensor-type', {
      name: 'door',
      measures: [
        { name: 'open', datatype: 'boolean' },
        { name: 'status', units: null, datatype: 'string' },
      ],
    });
    expect(res.statusCode).toBe(201);
    const measures = await ctx.get('/sensor/list-measures');
    expect(measures.statusCode).toBe(200);
    expect(measures.json()).toEqual([
      { name: 'temperature', units: 'degC', datatype: 'float' },
      { name: 'status', units: null, datatype: 'string' },
      { name: 'count', units: null, datatype: 'integer' },
      { name: 'open', units: null, datatype: 'boolean' },
    ]);
    expect((await ctx.get('/sensor/list-sensor-types')).json()[1]).toEqual({
      name: 'door',
      description: null,
      measures: [
        { name: 'open', units: null, datatype: 'boolean' },
        { name: 'status', units: null, datatype: 'string' },
      ],
    });
  });

  it('answers 409 for an existing type name and changes nothing', async () => {
    const before = await snapshot();
    const res = await ctx.post('/sensor/insert-sensor-type', { ...weather, measures: [{ name: 'new', units: null, datatype: 'float' }] });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ detail: 'Sensor type exists already' });
    expect(await snapshot()).toEqual(before);
  });

  it('answers 409 when a measure exists with another datatype, creating nothing', async () => {
    const before = await snapshot();
    const res = await ctx.post('/sensor/insert-sensor-type', {
      name: 'thermo',
      measures: [
        { name: 'humidity', units: '%', datatype: 'float' },
        { name: 'temperature', units: 'degC', datatype: 'integer' },
      ],
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({
      detail: 'Sensor measure "temperature" with units "degC" exists already with datatype float, not integer',
    });
    expect(await snapshot()).toEqual(before);
  });

  it('answers 422 for an invalid datatype, a repeated measure name or an overlong name', async () => {
    const before = await snapshot();
    const datatype = await ctx.post('/sensor/insert-sensor-type', {
      name: 'x',
      measures: [{ name: 'm', units: null, datatype: 'double' }],
    });
    expect(datatype.statusCode).toBe(422);
    expect(datatype.json().detail[0].loc).toEqual(['body', 'measures', 0, 'datatype']);
    const repeated = await ctx.post('/sensor/insert-sensor-type', {
      name: 'x',
      measures: [
        { name: 'm', units: 'a', datatype: 'float' },
        { name: 'm', units: 'b', datatype: 'float' },
      ],
    });
    expect(repeated.statusCode).toBe(422);
    expect(repeated.json()).toEqual({ detail: 'Measure name "m" appears more than once in the sensor type' });
    const long = await ctx.post('/sensor/insert-sensor-type', { name: 'x'.repeat(101), measures: [] });
    expect(long.statusCode).toBe(422);
    expect(await snapshot()).toEqual(before);
  });
});

describe('/sensor/insert-sensor and list-sensors', () => {
  it('creates sensors; omitted name and notes are null', async () => {
    const res = await ctx.post('/sensor/insert-sensor', {
      type_name: 'weather',
      unique_identifier: 'W1',
      name: 'Roof',
      notes: 'north side',
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ detail: 'Sensor inserted' });
    expect((await ctx.post('/sensor/insert-sensor', { type_name: 'door', unique_identifier: 'D1' })).statusCode).toBe(201);
    expect(
      (await ctx.post('/sensor/insert-sensor', { type_name: 'weather', unique_identifier: 'W2', name: null, notes: null })).statusCode,
    ).toBe(201);
    const list = await ctx.post('/sensor/list-sensors', {});
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual([
      { unique_identifier: 'W1', name: 'Roof', notes: 'north side' },
      { unique_identifier: 'D1', name: null, notes: null },
      { unique_identifier: 'W2', name: null, notes: null },
    ]);
  });

  it('lists the sensors of one type; none for an unknown type', async () => {
    const weatherSensors = await ctx.post('/sensor/list-sensors', { type_name: 'weather' });
    expect(weatherSensors.json().map((s: { unique_identifier: string }) => s.unique_identifier)).toEqual(['W1', 'W2']);
    expect((await ctx.post('/sensor/list-sensors', { type_name: null })).json()).toHaveLength(3);
    expect((await ctx.post('/sensor/list-sensors', { type_name: 'nope' })).json()).toEqual([]);
  });

  it('answers 422 for list-sensors without a body, as DTBase', async () => {
    const res = await ctx.post('/sensor/list-sensors');
    expect(res.statusCode).toBe(422);
    expect(res.json()).toEqual({ detail: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }] });
  });

  it('answers 409 for an existing unique identifier and 400 (DTBase: 500) for an unknown type', async () => {
    const before = await snapshot();
    const duplicate = await ctx.post('/sensor/insert-sensor', { type_name: 'door', unique_identifier: 'W1' });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json()).toEqual({ detail: 'Sensor exists already' });
    const unknownType = await ctx.post('/sensor/insert-sensor', { type_name: 'nope', unique_identifier: 'X1' });
    expect(unknownType.statusCode).toBe(400);
    expect(unknownType.json()).toEqual({ detail: 'Sensor type does not exist' });
    expect(await snapshot()).toEqual(before);
  });
});

describe('/sensor/insert-sensor-location and list-sensor-locations', () => {
  it('sets up a location schema with two locations', async () => {
    const schema = await ctx.post('/location/insert-location-schema', {
      name: 'xy',
      description: null,
      identifiers: [
        { name: 'x', units: 'm', datatype: 'float' },
        { name: 'y', units: 'm', datatype: 'float' },
      ],
    });
    expect(schema.statusCode).toBe(201);
    for (const coordinates of [
      { x: 1, y: 2 },
      { x: 3.5, y: 4 },
    ]) {
      expect((await ctx.post('/location/insert-location-for-schema', { schema_name: 'xy', coordinates })).statusCode).toBe(201);
    }
  });

  it('records installations, naive datetimes as UTC, and lists them newest first', async () => {
    const first = await ctx.post('/sensor/insert-sensor-location', {
      unique_identifier: 'W1',
      schema_name: 'xy',
      coordinates: { x: 1, y: 2 },
      installation_datetime: '2023-01-01T00:00:00',
    });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toEqual({ detail: 'Sensor location inserted' });
    const second = await ctx.post('/sensor/insert-sensor-location', {
      unique_identifier: 'W1',
      schema_name: 'xy',
      coordinates: { x: 3.5, y: 4.0 },
      installation_datetime: '2023-06-01T12:30:00.25+02:00',
    });
    expect(second.statusCode).toBe(201);
    const res = await ctx.post('/sensor/list-sensor-locations', { unique_identifier: 'W1' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([
      { id: 2, x: 3.5, y: 4, installation_datetime: '2023-06-01T10:30:00.250000Z' },
      { id: 1, x: 1, y: 2, installation_datetime: '2023-01-01T00:00:00Z' },
    ]);
  });

  it("defaults the installation datetime to the server's now", async () => {
    const before = Date.now();
    const res = await ctx.post('/sensor/insert-sensor-location', {
      unique_identifier: 'W2',
      schema_name: 'xy',
      coordinates: { x: 1, y: 2 },
    });
    expect(res.statusCode).toBe(201);
    const [installation] = (await ctx.post('/sensor/list-sensor-locations', { unique_identifier: 'W2' })).json();
    expect(installation.installation_datetime).toMatch(/Z$/);
    expect(Math.abs(Date.parse(installation.installation_datetime) - before)).toBeLessThan(60_000);
  });

  it('answers 409 for a second installation of a sensor at the same datetime, in any notation', async () => {
    const before = await snapshot();
    const res = await ctx.post('/sensor/insert-sensor-location', {
      unique_identifier: 'W1',
      schema_name: 'xy',
      coordinates: { x: 3.5, y: 4 },
      installation_datetime: '2023-01-01T01:00:00+01:00',
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ detail: 'Sensor location exists already: this sensor has an installation at that datetime' });
    expect(await snapshot()).toEqual(before);
  });

  it('answers 400 (DTBase: 500) for an unknown sensor, schema or location, and 422 for bad coordinates', async () => {
    const before = await snapshot();
    const cases = [
      [{ unique_identifier: 'nope', schema_name: 'xy', coordinates: { x: 1, y: 2 } }, 400, 'Sensor does not exist'],
      [{ unique_identifier: 'W1', schema_name: 'nope', coordinates: { x: 1, y: 2 } }, 400, 'Location schema does not exist'],
      [{ unique_identifier: 'W1', schema_name: 'xy', coordinates: { x: 9, y: 9 } }, 400, 'Location does not exist'],
      [{ unique_identifier: 'W1', schema_name: 'xy', coordinates: { x: 1 } }, 422, 'Coordinates for location schema "xy" lack "y"'],
      [
        { unique_identifier: 'W1', schema_name: 'xy', coordinates: { x: 1, y: 'two' } },
        422,
        'Value "two" for identifier "y" is not of its datatype float',
      ],
    ] as const;
    for (const [body, status, detail] of cases) {
      const res = await ctx.post('/sensor/insert-sensor-location', body);
      expect(res.statusCode, detail).toBe(status);
      expect(res.json()).toEqual({ detail });
    }
    expect(await snapshot()).toEqual(before);
  });

  it('answers 422 for an invalid installation datetime', async () => {
    const res = await ctx.post('/sensor/insert-sensor-location', {
      unique_identifier: 'W1',
      schema_name: 'xy',
      coordinates: { x: 1, y: 2 },
      installation_datetime: '2023-02-30T00:00:00Z',
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().detail[0].loc).toEqual(['body', 'installation_datetime']);
  });

  it('lists no installations for an unknown sensor, as DTBase', async () => {
    const res = await ctx.post('/sensor/list-sensor-locations', { unique_identifier: 'nope' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([]);
  });
});

describe('/sensor/edit-sensor', () => {
  it("sets a sensor's name and notes", async () => {
    const res = await ctx.post('/sensor/edit-sensor', { unique_identifier: 'D1', name: 'Front door', notes: 'replaced 2024' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ detail: 'Sensor edited' });
    const cleared = await ctx.post('/sensor/edit-sensor', { unique_identifier: 'W1', name: 'Roof', notes: null });
    expect(cleared.statusCode).toBe(200);
    expect((await ctx.post('/sensor/list-sensors', { type_name: null })).json().slice(0, 2)).toEqual([
      { unique_identifier: 'W1', name: 'Roof', notes: null },
      { unique_identifier: 'D1', name: 'Front door', notes: 'replaced 2024' },
    ]);
  });

  it('answers 400 for an unknown sensor and 422 for a missing field', async () => {
    const unknown = await ctx.post('/sensor/edit-sensor', { unique_identifier: 'nope', name: 'a', notes: 'b' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toEqual({ detail: 'Sensor does not exist' });
    const missing = await ctx.post('/sensor/edit-sensor', { unique_identifier: 'D1', name: 'a' });
    expect(missing.statusCode).toBe(422);
    expect(missing.json().detail[0].loc).toEqual(['body', 'notes']);
  });
});

describe('sensors service (for the resource API)', () => {
  it('gives a sensor with its type, measures and current location', async () => {
    const sensors = ctx.services.sensors;
    const details = await sensors.getSensorDetails('W1');
    expect(details).toMatchObject({
      uniqueIdentifier: 'W1',
      typeName: 'weather',
      type: { name: 'weather', measures: [{ name: 'temperature' }, { name: 'status' }, { name: 'count' }] },
      location: { locationId: 2, schemaName: 'xy', coordinates: { x: 3.5, y: 4 }, installationDatetime: '2023-06-01T10:30:00.250000Z' },
    });
    expect((await sensors.getSensorDetails('D1'))?.location).toBeNull();
    expect(await sensors.getSensorDetails('nope')).toBeUndefined();
  });

  it('pages through sensors with a cursor, optionally of one type', async () => {
    const sensors = ctx.services.sensors;
    const first = await sensors.listSensors({ limit: 2 });
    expect(first.map((s) => s.uniqueIdentifier)).toEqual(['W1', 'D1']);
    const next = await sensors.listSensors({ afterId: first[1].id, limit: 2 });
    expect(next.map((s) => s.uniqueIdentifier)).toEqual(['W2']);
    expect((await sensors.listSensors({ typeName: 'door' })).map((s) => s.uniqueIdentifier)).toEqual(['D1']);
    expect((await sensors.findSensorType('door'))?.measures.map((m) => m.name)).toEqual(['open', 'status']);
  });
});

describe('/sensor/delete-sensor', () => {
  it('refuses (409, DTBase: 500) to delete a sensor that model runs refer to', async () => {
    await ctx.db.query(`INSERT INTO model (name) VALUES ('forecast')`);
    await ctx.db.query(`INSERT INTO model_scenario (model_id, description) SELECT id, 'base' FROM model`);
    await ctx.db.query(
      `INSERT INTO model_run (model_id, scenario_id, sensor_id, time_created)
       SELECT m.id, sc.id, s.id, now() FROM model m, model_scenario sc, sensor s WHERE s.unique_identifier = 'W2'`,
    );
    const before = await snapshot();
    const res = await ctx.post('/sensor/delete-sensor', { unique_identifier: 'W2' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ detail: 'Sensor "W2" is referenced by model runs; delete those runs first' });
    expect(await snapshot()).toEqual(before);
  });

  it('deletes a sensor with its installations', async () => {
    const before = await snapshot();
    const res = await ctx.post('/sensor/delete-sensor', { unique_identifier: 'W1' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ detail: 'Sensor deleted' });
    expect(await snapshot()).toEqual({ ...before, sensors: before.sensors - 1, installations: before.installations - 2 });
    expect((await ctx.post('/sensor/list-sensor-locations', { unique_identifier: 'W1' })).json()).toEqual([]);
  });

  it('answers 400 (DTBase: 500) for an unknown sensor', async () => {
    const res = await ctx.post('/sensor/delete-sensor', { unique_identifier: 'W1' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ detail: 'Sensor does not exist' });
  });
});

describe('/sensor/delete-sensor-type', () => {
  it('refuses (409, DTBase: 500) to delete a type that sensors have', async () => {
    const before = await snapshot();
    const res = await ctx.post('/sensor/delete-sensor-type', { type_name: 'door' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ detail: 'Sensor type "door" still has 1 sensor(s); delete them first' });
    expect(await snapshot()).toEqual(before);
  });

  it('deletes an unused type with its measure links, keeping the measures', async () => {
    expect((await ctx.post('/sensor/delete-sensor', { unique_identifier: 'D1' })).statusCode).toBe(200);
    const before = await snapshot();
    const res = await ctx.post('/sensor/delete-sensor-type', { type_name: 'door' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ detail: 'Sensor type deleted' });
    expect(await snapshot()).toEqual({ ...before, types: before.types - 1, links: before.links - 2 });
    expect((await ctx.get('/sensor/list-sensor-types')).json().map((t: { name: string }) => t.name)).toEqual(['weather']);
  });

  it('answers 400 (DTBase: 500) for an unknown type', async () => {
    const res = await ctx.post('/sensor/delete-sensor-type', { type_name: 'door' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ detail: 'Sensor type does not exist' });
  });
});

describe('/sensor authentication', () => {
  it('requires a token on every sensor metadata route', async () => {
    const routes = [
      ['POST', '/sensor/insert-sensor-type'],
      ['POST', '/sensor/insert-sensor'],
      ['POST', '/sensor/insert-sensor-location'],
      ['POST', '/sensor/list-sensor-locations'],
      ['POST', '/sensor/list-sensors'],
      ['GET', '/sensor/list-sensor-types'],
      ['GET', '/sensor/list-measures'],
      ['POST', '/sensor/delete-sensor'],
      ['POST', '/sensor/delete-sensor-type'],
      ['POST', '/sensor/edit-sensor'],
    ] as const;
    for (const [method, url] of routes) {
      const res = await ctx.app.inject({ method, url, payload: method === 'POST' ? { bad: 'body' } : undefined });
      expect(res.statusCode, url).toBe(401);
      expect(res.json()).toEqual({ detail: 'Not authenticated' });
    }
  });
});
