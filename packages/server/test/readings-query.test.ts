import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/test-app.ts';
import { createSensorWithMeasures, insertReadings, rebuildLatest, rebuildRollups, readingsUrl } from './helpers/reading-fixtures.ts';
import { readingsQueryModule } from '../src/modules/readings/query/index.ts';
import { readingsExportRepository } from '../src/modules/readings/query/readings-export.repository.ts';
import { seriesCsvChunks } from '../src/modules/readings/query/readings-export.ts';

const ctx = useTestApp();

const url = readingsUrl;
const day = { from: '2024-01-01T00:00:00Z', to: '2024-01-01T00:00:50Z' };

beforeAll(async () => {
  const wx = await createSensorWithMeasures(
    ctx.db,
    'wx-1',
    [
      { name: 'temperature', units: 'C', datatype: 'float' },
      { name: 'count', datatype: 'integer' },
      { name: 'status', datatype: 'string' },
      { name: 'door', datatype: 'boolean' },
      { name: 'pressure', units: 'hPa', datatype: 'float' },
    ],
    'weather',
  );
  const ids = (name: string, datatype: 'float' | 'integer' | 'string' | 'boolean') => ({
    sensorId: wx.sensorId,
    measureId: wx.measureIds[name],
    datatype,
  });
  const everyTen = { from: day.from, to: '2024-01-01T00:01:00Z', step: '10 seconds' };
  await insertReadings(ctx.db, ids('temperature', 'float'), everyTen, `extract(epoch from t - timestamptz '2024-01-01Z') / 10 + 0.5`);
  await insertReadings(ctx.db, ids('count', 'integer'), everyTen, `(extract(epoch from t - timestamptz '2024-01-01Z') / 10)::int8`);
  await insertReadings(
    ctx.db,
    ids('status', 'string'),
    everyTen,
    `CASE WHEN extract(second from t) = 20 THEN 'ok, "quoted"' ELSE 'ok' END`,
  );
  await insertReadings(ctx.db, ids('door', 'boolean'), everyTen, `extract(second from t) >= 30`);
  await ctx.db.query(`INSERT INTO reading_float VALUES ($1, $2, '2024-01-01T00:00:05.250001Z', 42)`, [
    wx.sensorId,
    wx.measureIds.temperature,
  ]);
  await createSensorWithMeasures(ctx.db, 'wx-2', [{ name: 'temperature', units: 'C', datatype: 'float' }], 'weather');
  await rebuildRollups(ctx.db);
  await rebuildLatest(ctx.db);
});

describe('GET /api/v1/readings (raw)', () => {
  it('answers column-wise JSON with from and to inclusive', async () => {
    const res = await ctx.get(url({ sensor: 'wx-1', measure: 'temperature', from: '2024-01-01T00:00:00Z', to: '2024-01-01T00:00:20Z' }));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({
      sensor: 'wx-1',
      measure: 'temperature',
      units: 'C',
      datatype: 'float',
      resolution: 'raw',
      timestamps: ['2024-01-01T00:00:00Z', '2024-01-01T00:00:05.250001Z', '2024-01-01T00:00:10Z', '2024-01-01T00:00:20Z'],
      values: [0.5, 42, 1.5, 2.5],
    });
  });

  it('keeps microseconds in the bounds', async () => {
    const read = async (from: string) =>
      (await ctx.get(url({ sensor: 'wx-1', measure: 'temperature', from, to: '2024-01-01T00:00:06Z' }))).json().values;
    expect(await read('2024-01-01T00:00:05.250001Z')).toEqual([42]);
    expect(await read('2024-01-01T00:00:05.250002Z')).toEqual([]);
  });

  it('reads offsets other than Z and renders epoch milliseconds on request', async () => {
    const res = await ctx.get(
      url({
        sensor: 'wx-1',
        measure: 'temperature',
        from: '2024-01-01T01:00:10+01:00',
        to: '2024-01-01T01:00:20+01:00',
        time_format: 'epoch_ms',
      }),
    );
    expect(res.statusCode).toBe(200);
    const start = Date.UTC(2024, 0, 1);
    expect(res.json().timestamps).toEqual([start + 10_000, start + 20_000]);
  });

  it('keeps the datatype of integer, string and boolean series', async () => {
    const read = async (measure: string) =>
      (await ctx.get(url({ sensor: 'wx-1', measure, from: '2024-01-01T00:00:20Z', to: '2024-01-01T00:00:30Z' }))).json();
    expect(await read('count')).toMatchObject({ datatype: 'integer', values: [2, 3] });
    expect(await read('status')).toMatchObject({ datatype: 'string', values: ['ok, "quoted"', 'ok'] });
    expect(await read('door')).toMatchObject({ datatype: 'boolean', values: [false, true] });
  });

  it('answers an empty range with empty arrays', async () => {
    const res = await ctx.get(url({ sensor: 'wx-1', measure: 'pressure', ...day }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ timestamps: [], values: [], units: 'hPa' });
  });

  it('refuses more raw points than the cap, saying what to do instead', async () => {
    const service = readingsQueryModule(ctx.db, { rawPointsCap: 3 });
    const query = { sensor: 'wx-1', measure: 'temperature', ...day };
    await expect(service.read(query)).rejects.toMatchObject({ statusCode: 422, detail: expect.stringMatching(/max_points/) });
    const fits = JSON.parse(await service.read({ ...query, to: '2024-01-01T00:00:10Z' }));
    expect(fits.values).toHaveLength(3);
  });

  it('answers 422 for a datetime without a UTC offset, from after to, and absurd max_points', async () => {
    const base = { sensor: 'wx-1', measure: 'temperature' };
    const noOffset = await ctx.get(url({ ...base, from: '2024-01-01T00:00:00', to: day.to }));
    expect(noOffset.statusCode).toBe(422);
    expect(JSON.stringify(noOffset.json().detail)).toMatch(/offset/);
    const reversed = await ctx.get(url({ ...base, from: day.to, to: day.from }));
    expect(reversed.statusCode).toBe(422);
    expect(reversed.json().detail).toMatch(/"from" must not be after "to"/);
    for (const maxPoints of [0, 100_001, 'many']) {
      expect((await ctx.get(url({ ...base, ...day, max_points: maxPoints }))).statusCode).toBe(422);
    }
    const both = await ctx.get(url({ ...base, ...day, max_points: 10, bucket: '1d' }));
    expect(both.statusCode).toBe(422);
    expect((await ctx.get(url({ ...base, ...day, time_format: 'unix' }))).statusCode).toBe(422);
  });

  it('answers 404 for an unknown sensor or measure, 401 without a token', async () => {
    const sensor = await ctx.get(url({ sensor: 'nope', measure: 'temperature', ...day }));
    expect(sensor.statusCode).toBe(404);
    expect(sensor.json()).toMatchObject({ detail: expect.stringMatching(/Sensor/), code: 'NOT_FOUND' });
    const measure = await ctx.get(url({ sensor: 'wx-1', measure: 'humidity', ...day }));
    expect(measure.statusCode).toBe(404);
    expect(measure.json().detail).toMatch(/humidity/);
    const anonymous = await ctx.app.inject({ method: 'GET', url: url({ sensor: 'wx-1', measure: 'temperature', ...day }) });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('GET /api/v1/readings as CSV', () => {
  it('streams timestamp,value with Accept: text/csv, as an attachment', async () => {
    const res = await ctx.app.inject({
      method: 'GET',
      url: url({ sensor: 'wx-1', measure: 'temperature', from: '2024-01-01T00:00:00Z', to: '2024-01-01T00:00:10Z' }),
      headers: { authorization: `Bearer ${ctx.token}`, accept: 'text/csv' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toBe('attachment; filename="wx-1_temperature.csv"');
    expect(res.body).toBe('timestamp,value\n2024-01-01T00:00:00Z,0.5\n2024-01-01T00:00:05.250001Z,42\n2024-01-01T00:00:10Z,1.5\n');
  });

  it('quotes string values that need it (format=csv)', async () => {
    const res = await ctx.get(
      url({ sensor: 'wx-1', measure: 'status', from: '2024-01-01T00:00:20Z', to: '2024-01-01T00:00:30Z', format: 'csv' }),
    );
    expect(res.body).toBe('timestamp,value\n2024-01-01T00:00:20Z,"ok, ""quoted"""\n2024-01-01T00:00:30Z,ok\n');
  });

  it('pages by timestamp without losing or repeating a row', async () => {
    const series = { sensorId: 0, sensorUid: 'wx-1', measureId: 0, measureName: 'temperature', units: 'C', datatype: 'float' as const };
    const [{ sensorId, measureId }] = await ctx.db.query<{ sensorId: number; measureId: number }>(
      `SELECT s.id AS "sensorId", m.id AS "measureId" FROM sensor s, sensor_measure m WHERE s.unique_identifier = 'wx-1' AND m.name = 'temperature'`,
    );
    const pages: number[] = [];
    let text = '';
    for await (const chunk of seriesCsvChunks(
      readingsExportRepository(ctx.db),
      { ...series, sensorId, measureId },
      { from: '-infinity', to: 'infinity' },
      { pageRows: 3, onPage: (rows) => pages.push(rows) },
    ))
      text += chunk;
    expect(pages).toEqual([3, 3, 2]);
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(8);
    expect(new Set(lines).size).toBe(8);
    expect(lines[7]).toBe('2024-01-01T00:01:00Z,6.5');
  });

  it('refuses CSV of aggregates', async () => {
    const res = await ctx.get(url({ sensor: 'wx-1', measure: 'temperature', ...day, format: 'csv', max_points: 2 }));
    expect(res.statusCode).toBe(422);
  });
});

describe('GET /api/v1/readings/latest', () => {
  it('answers the latest value of each measure of a sensor, null where there is none', async () => {
    const res = await ctx.get('/api/v1/readings/latest?sensor=wx-1');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      sensor: 'wx-1',
      measures: [
        { measure: 'temperature', units: 'C', datatype: 'float', timestamp: '2024-01-01T00:01:00Z', value: 6.5 },
        { measure: 'count', units: null, datatype: 'integer', timestamp: '2024-01-01T00:01:00Z', value: 6 },
        { measure: 'status', units: null, datatype: 'string', timestamp: '2024-01-01T00:01:00Z', value: 'ok' },
        { measure: 'door', units: null, datatype: 'boolean', timestamp: '2024-01-01T00:01:00Z', value: false },
        { measure: 'pressure', units: 'hPa', datatype: 'float', timestamp: null, value: null },
      ],
    });
  });

  it('answers every sensor of a type', async () => {
    const res = await ctx.get('/api/v1/readings/latest?sensor_type=weather');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.sensors.map((s: { sensor: string }) => s.sensor)).toEqual(['wx-1', 'wx-2']);
    expect(body.sensors[0].measures[0]).toMatchObject({ measure: 'temperature', value: 6.5 });
    expect(body.sensors[1].measures).toHaveLength(5);
    expect(body.sensors[1].measures[0]).toEqual({ measure: 'temperature', units: 'C', datatype: 'float', timestamp: null, value: null });
  });

  it('answers 404 for an unknown sensor or type, 422 without exactly one of them', async () => {
    expect((await ctx.get('/api/v1/readings/latest?sensor=nope')).statusCode).toBe(404);
    expect((await ctx.get('/api/v1/readings/latest?sensor_type=nope')).statusCode).toBe(404);
    expect((await ctx.get('/api/v1/readings/latest')).statusCode).toBe(422);
    expect((await ctx.get('/api/v1/readings/latest?sensor=wx-1&sensor_type=weather')).statusCode).toBe(422);
  });
});
