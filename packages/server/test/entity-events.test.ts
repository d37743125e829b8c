import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EntityChanged, MirrorbaseEvent } from '../src/events/events.ts';
import { useTestApp } from './helpers/test-app.ts';

// The service of the tests below is on loopback, which only the allow-list lets the server call.
const ctx = useTestApp({ MIRRORBASE_SERVICE_ALLOWED_HOSTS: '127.0.0.1' });

/** The entity.changed events this process delivered since the last reset, in order. */
let seen: EntityChanged[] = [];
let unsubscribe: () => void = () => {};

beforeAll(() => {
  unsubscribe = ctx.events.subscribe((event: MirrorbaseEvent | { type: 'resync' }) => {
    if (event.type !== 'entity.changed') return;
    // Every entity event is numbered in the stream log (realtime streams resume from there).
    const { streamId, ...change } = event;
    expect(streamId).toBeGreaterThan(0);
    seen.push(change);
  });
});
afterAll(() => unsubscribe());
beforeEach(() => {
  seen = [];
});

const change = (entity: EntityChanged['entity'], action: EntityChanged['action'], key: string | number): EntityChanged => ({
  type: 'entity.changed',
  entity,
  action,
  key: String(key),
});

async function expectStatus(url: string, body: unknown, status: number) {
  const res = await ctx.post(url, body);
  expect(res.statusCode, `${url}: ${res.body}`).toBe(status);
}

async function idOf(table: string, where: string): Promise<number> {
  const [row] = await ctx.db.query<{ id: number }>(`SELECT id FROM ${table} WHERE ${where}`);
  return row.id;
}

describe('locations', () => {
  it('publishes schemas and locations created and deleted', async () => {
    await expectStatus(
      '/location/insert-location-schema',
      {
        name: 'xy',
        identifiers: [
          { name: 'x', datatype: 'float' },
          { name: 'y', datatype: 'float' },
        ],
      },
      201,
    );
    await expectStatus('/location/insert-location-for-schema', { schema_name: 'xy', coordinates: { x: 1, y: 2 } }, 201);
    const first = await idOf('location', `coordinates = '{"x": 1, "y": 2}'`);
    await expectStatus(
      '/location/insert-location',
      {
        identifiers: [
          { name: 'lat', datatype: 'float' },
          { name: 'lon', datatype: 'float' },
        ],
        values: [1, 2],
      },
      201,
    );
    const second = await idOf('location', `coordinates = '{"lat": 1, "lon": 2}'`);
    await expectStatus('/location/delete-location', { schema_name: 'lat-lon', coordinates: { lat: 1, lon: 2 } }, 200);
    await expectStatus('/location/delete-location-schema', { schema_name: 'lat-lon' }, 200);
    expect(seen).toEqual([
      change('location_schema', 'created', 'xy'),
      change('location', 'created', first),
      change('location_schema', 'created', 'lat-lon'),
      change('location', 'created', second),
      change('location', 'deleted', second),
      change('location_schema', 'deleted', 'lat-lon'),
    ]);
  });

  it('publishes nothing for a refused write', async () => {
    await expectStatus('/location/insert-location-schema', { name: 'xy', identifiers: [] }, 409);
    await expectStatus('/location/insert-location-for-schema', { schema_name: 'xy', coordinates: { x: 1, y: 2 } }, 409);
    expect(seen).toEqual([]);
  });
});

describe('sensors', () => {
  it('publishes types, new measures, sensors and installations', async () => {
    const type = { name: 'weather', measures: [{ name: 'temperature', units: 'C', datatype: 'float' }] };
    await expectStatus('/sensor/insert-sensor-type', type, 201);
    const temperature = await idOf('sensor_measure', `name = 'temperature'`);
    // Reusing a measure creates none.
    await expectStatus('/sensor/insert-sensor-type', { ...type, name: 'weather-2' }, 201);
    await expectStatus('/sensor/insert-sensor', { type_name: 'weather', unique_identifier: 'W1' }, 201);
    await expectStatus('/sensor/insert-sensor-location', { unique_identifier: 'W1', schema_name: 'xy', coordinates: { x: 1, y: 2 } }, 201);
    const installation = await idOf('sensor_location', 'true');
    await expectStatus('/sensor/edit-sensor', { unique_identifier: 'W1', name: 'roof', notes: null }, 200);
    await expectStatus('/sensor/delete-sensor-type', { type_name: 'weather-2' }, 200);
    expect(seen).toEqual([
      change('sensor_type', 'created', 'weather'),
      change('sensor_measure', 'created', temperature),
      change('sensor_type', 'created', 'weather-2'),
      change('sensor', 'created', 'W1'),
      change('sensor_location', 'created', installation),
      change('sensor', 'updated', 'W1'),
      change('sensor_type', 'deleted', 'weather-2'),
    ]);
  });

  it('publishes nothing when a write is rolled back', async () => {
    // The type row is inserted, then its measure (known with another datatype) is refused: all rolled back.
    await expectStatus(
      '/sensor/insert-sensor-type',
      { name: 'other', measures: [{ name: 'temperature', units: 'C', datatype: 'integer' }] },
      409,
    );
    expect(await ctx.db.query(`SELECT 1 FROM sensor_type WHERE name = 'other'`)).toEqual([]);
    await expectStatus('/sensor/insert-sensor', { type_name: 'weather', unique_identifier: 'W1' }, 409);
    await expectStatus('/location/delete-location', { schema_name: 'xy', coordinates: { x: 1, y: 2 } }, 409);
    expect(seen).toEqual([]);
  });
});

describe('models', () => {
  it('publishes models, scenarios, measures and runs', async () => {
    await expectStatus('/model/insert-model', { name: 'forecast' }, 201);
    await expectStatus('/model/insert-model-scenario', { model_name: 'forecast', description: 'base' }, 201);
    await expectStatus('/model/insert-model-measure', { name: 'temp', units: 'C', datatype: 'float' }, 201);
    await expectStatus(
      '/model/insert-model-run',
      {
        model_name: 'forecast',
        scenario_description: 'windy',
        create_scenario: true,
        sensor_unique_id: 'W1',
        sensor_measure: { name: 'temperature', units: 'C' },
        measures_and_values: [{ measure_name: 'temp', values: [1.5], timestamps: ['2024-01-01T00:00:00Z'] }],
      },
      201,
    );
    const [base, windy, measure, run] = await Promise.all([
      idOf('model_scenario', `description = 'base'`),
      idOf('model_scenario', `description = 'windy'`),
      idOf('model_measure', `name = 'temp'`),
      idOf('model_run', 'true'),
    ]);
    expect(seen).toEqual([
      change('model', 'created', 'forecast'),
      change('model_scenario', 'created', base),
      change('model_measure', 'created', measure),
      change('model_scenario', 'created', windy),
      change('model_run', 'created', run),
    ]);
  });

  it('publishes nothing for a refused run or a sensor delete that the run prevents', async () => {
    await expectStatus(
      '/model/insert-model-run',
      {
        model_name: 'forecast',
        scenario_description: 'windy',
        time_created: '2024-01-01T00:00:00Z',
        measures_and_values: [{ measure_name: 'temp', values: ['text'], timestamps: ['2024-01-01T00:00:00Z'] }],
      },
      422,
    );
    await expectStatus('/sensor/delete-sensor', { unique_identifier: 'W1' }, 409);
    expect(seen).toEqual([]);
  });

  it('publishes one event for a deleted model, standing for its scenarios and runs', async () => {
    await expectStatus('/model/delete-model', { name: 'forecast' }, 200);
    await expectStatus('/sensor/delete-sensor', { unique_identifier: 'W1' }, 200);
    expect(seen).toEqual([change('model', 'deleted', 'forecast'), change('sensor', 'deleted', 'W1')]);
  });
});

describe('services', () => {
  let closedPortUrl: string;
  beforeAll(async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    closedPortUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/gone`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
  });

  it('publishes services, parameter sets and logged runs', async () => {
    await expectStatus('/service/insert-service', { name: 'ingress', url: closedPortUrl, http_method: 'POST' }, 201);
    await expectStatus('/service/insert-parameter-set', { service_name: 'ingress', name: 'daily', parameters: { days: 1 } }, 201);
    const set = await idOf('service_parameter_set', `name = 'daily'`);
    await expectStatus('/service/edit-parameter-set', { service_name: 'ingress', name: 'daily', parameters: { days: 2 } }, 200);
    // Unreachable: a 502, but the run is logged all the same.
    await expectStatus('/service/run-service', { service_name: 'ingress', parameter_set_name: 'daily' }, 502);
    const run = await idOf('service_run_log', 'true');
    await expectStatus('/service/delete-parameter-set', { service_name: 'ingress', name: 'daily' }, 200);
    await expectStatus('/service/delete-service', { name: 'ingress' }, 200);
    expect(seen).toEqual([
      change('service', 'created', 'ingress'),
      change('service_parameter_set', 'created', set),
      change('service_parameter_set', 'updated', set),
      change('service_run', 'created', run),
      // Logged as running before the call, finished after it.
      change('service_run', 'updated', run),
      change('service_parameter_set', 'deleted', set),
      change('service', 'deleted', 'ingress'),
    ]);
  });
});
