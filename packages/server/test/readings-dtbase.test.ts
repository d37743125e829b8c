import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_DATATYPES, createSensor } from './helpers/sensor-fixtures.ts';
import { useTestApp } from './helpers/test-app.ts';

const ctx = useTestApp();

const insert = (body: Record<string, unknown>) => ctx.post('/sensor/insert-sensor-readings', body);
const read = (body: Record<string, unknown>) => ctx.post('/sensor/sensor-readings', body);

describe('POST /sensor/insert-sensor-readings and /sensor/sensor-readings (DTBase)', () => {
  beforeAll(async () => {
    await createSensor(ctx.db, 'station-1', ALL_DATATYPES);
    await createSensor(ctx.db, 'other-sensor', [{ name: 'humidity', units: '%', datatype: 'float' }]);
  });

  it('inserts readings and reads them back in time order with DTBase timestamps', async () => {
    const res = await insert({
      unique_identifier: 'station-1',
      measure_name: 'temperature',
      readings: [21.5, 20, 22.25],
      timestamps: ['2024-01-01T00:02:00', '2024-01-01T00:00:00Z', '2024-01-01T01:01:00.5+01:00'],
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ detail: 'Sensor readings inserted' });
    const back = await read({
      unique_identifier: 'station-1',
      measure_name: 'temperature',
      dt_from: '2024-01-01',
      dt_to: '2024-01-01T00:02:00Z',
    });
    expect(back.statusCode).toBe(200);
    expect(back.headers['content-type']).toMatch(/^application\/json/);
    expect(back.json()).toEqual([
      { value: 20, timestamp: '2024-01-01T00:00:00Z' },
      { value: 22.25, timestamp: '2024-01-01T00:01:00.500000Z' },
      { value: 21.5, timestamp: '2024-01-01T00:02:00Z' },
    ]);
  });

  it('treats both bounds as inclusive and returns [] for an empty range', async () => {
    const exact = await read({
      unique_identifier: 'station-1',
      measure_name: 'temperature',
      dt_from: '2024-01-01T00:02:00Z',
      dt_to: '2024-01-01T00:02:00Z',
    });
    expect(exact.json()).toEqual([{ value: 21.5, timestamp: '2024-01-01T00:02:00Z' }]);
    const none = await read({ unique_identifier: 'station-1', measure_name: 'temperature', dt_from: '2030-01-01', dt_to: '2030-02-01' });
    expect(none.statusCode).toBe(200);
    expect(none.json()).toEqual([]);
  });

  it('stores every datatype', async () => {
    const cases: [string, unknown[]][] = [
      ['count', [1, -2, 9007199254740991]],
      ['status', ['ok', 'tab\there, "quoted", back\\slash\nnewline', '']],
      ['door open', [true, false, true]],
    ];
    for (const [measure, readings] of cases) {
      const timestamps = ['2024-02-01T00:00:00Z', '2024-02-01T00:00:01Z', '2024-02-01T00:00:02Z'];
      const res = await insert({ unique_identifier: 'station-1', measure_name: measure, readings, timestamps });
      expect(res.statusCode).toBe(201);
      const back = await read({ unique_identifier: 'station-1', measure_name: measure, dt_from: '2024-02-01', dt_to: '2024-02-02' });
      expect(back.json().map((r: { value: unknown }) => r.value)).toEqual(readings);
    }
  });

  it('skips duplicates silently and still answers 201', async () => {
    const before = await ctx.count('reading_float');
    const res = await insert({
      unique_identifier: 'station-1',
      measure_name: 'temperature',
      readings: [99, 23],
      timestamps: ['2024-01-01T00:00:00Z', '2024-01-01T00:03:00Z'],
    });
    expect(res.statusCode).toBe(201);
    expect(await ctx.count('reading_float')).toBe(before + 1);
    const back = await read({
      unique_identifier: 'station-1',
      measure_name: 'temperature',
      dt_from: '2024-01-01T00:00:00Z',
      dt_to: '2024-01-01T00:00:00Z',
    });
    expect(back.json()).toEqual([{ value: 20, timestamp: '2024-01-01T00:00:00Z' }]);
  });

  it('accepts empty lists with 201', async () => {
    const res = await insert({ unique_identifier: 'station-1', measure_name: 'temperature', readings: [], timestamps: [] });
    expect(res.statusCode).toBe(201);
  });

  it('accepts a JSON integer for a float measure', async () => {
    const res = await insert({
      unique_identifier: 'station-1',
      measure_name: 'temperature',
      readings: [291],
      timestamps: ['2024-03-01T00:00:00Z'],
    });
    expect(res.statusCode).toBe(201);
  });

  it('answers 400 for an unknown sensor (DTBase: 500) and writes nothing', async () => {
    const before = await ctx.count('reading_float');
    const res = await insert({
      unique_identifier: 'nope',
      measure_name: 'temperature',
      readings: [1],
      timestamps: ['2024-01-05T00:00:00Z'],
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ detail: 'Sensor does not exist' });
    expect(await ctx.count('reading_float')).toBe(before);
  });

  it("answers 400 for a measure that is not of the sensor's type", async () => {
    const res = await insert({
      unique_identifier: 'station-1',
      measure_name: 'humidity',
      readings: [1],
      timestamps: ['2024-01-05T00:00:00Z'],
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(/humidity.*not a measure of sensor "station-1"/);
  });

  it('answers 422 for a length mismatch and writes nothing', async () => {
    const before = await ctx.count('reading_float');
    const res = await insert({
      unique_identifier: 'station-1',
      measure_name: 'temperature',
      readings: [1, 2],
      timestamps: ['2024-01-06T00:00:00Z'],
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().detail).toMatch(/same length.*1 and 2/);
    expect(await ctx.count('reading_float')).toBe(before);
  });

  it('answers 422 naming the index of a value of the wrong datatype, not only the first', async () => {
    const before = await ctx.count('reading_integer');
    const res = await insert({
      unique_identifier: 'station-1',
      measure_name: 'count',
      readings: [1, 2, 2.5],
      timestamps: ['2024-01-07T00:00:00Z', '2024-01-07T00:00:01Z', '2024-01-07T00:00:02Z'],
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().detail).toMatch(/2\.5 at index 2 .*integer/);
    expect(await ctx.count('reading_integer')).toBe(before);
  });

  it('answers 422 for an invalid timestamp, pydantic-style', async () => {
    const res = await insert({
      unique_identifier: 'station-1',
      measure_name: 'temperature',
      readings: [1],
      timestamps: ['2024-02-30T00:00:00'],
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().detail[0].loc).toEqual(['body', 'timestamps', 0]);
  });

  it('answers 401 without a token, before validation', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: '/sensor/insert-sensor-readings', payload: { bad: true } });
    expect(res.statusCode).toBe(401);
  });

  it('answers [] for a sensor without that measure, as DTBase, and 400 for a measure name that exists nowhere', async () => {
    const range = { dt_from: '2024-01-01', dt_to: '2024-01-02' };
    const unknownSensor = await read({ unique_identifier: 'nope', measure_name: 'temperature', ...range });
    expect(unknownSensor.statusCode).toBe(200);
    expect(unknownSensor.json()).toEqual([]);
    await ctx.db.query(`INSERT INTO sensor_measure (name, units, datatype) VALUES ('soil moisture', '%', 'float')`);
    const otherTypesMeasure = await read({ unique_identifier: 'station-1', measure_name: 'soil moisture', ...range });
    expect(otherTypesMeasure.statusCode).toBe(200);
    expect(otherTypesMeasure.json()).toEqual([]);
    const unknownMeasure = await read({ unique_identifier: 'station-1', measure_name: 'nope', ...range });
    expect(unknownMeasure.statusCode).toBe(400);
    expect(unknownMeasure.json()).toEqual({ detail: 'Measure "nope" does not exist' });
  });

  it('keeps rollups and the latest value up to date', async () => {
    const rollup = await ctx.db.query<{ min: number; max: number; sum: number; count: number }>(
      `SELECT min, max, sum, count FROM reading_rollup_hour r JOIN sensor s ON s.id = r.sensor_id
        JOIN sensor_measure m ON m.id = r.measure_id
       WHERE s.unique_identifier = 'station-1' AND m.name = 'temperature' AND bucket = '2024-01-01T00:00:00Z'`,
    );
    // 20, 22.25, 21.5 and 23 (the duplicate 99 was skipped and must not count).
    expect(rollup).toEqual([{ min: 20, max: 23, sum: 86.75, count: 4 }]);
    const latest = await ctx.db.query<{ value: unknown }>(
      `SELECT l.value FROM reading_latest l JOIN sensor_measure m ON m.id = l.measure_id WHERE m.name = 'temperature'`,
    );
    expect(latest).toEqual([{ value: 291 }]);
  });
});
