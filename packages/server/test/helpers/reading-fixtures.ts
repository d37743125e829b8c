import type { Queryable } from '../../src/db/database.ts';

/**
 * Readings fixtures by plain SQL, independent of the ingest path: sensors and measures as
 * rows, readings from generate_series, and rollups recomputed from the readings the way
 * ingest keeps them (minute/hour/day buckets in UTC; min, max, sum, count).
 */
export interface MeasureSpec {
  name: string;
  units?: string | null;
  datatype: 'float' | 'integer' | 'string' | 'boolean';
}

export interface SeriesIds {
  sensorId: number;
  measureIds: Record<string, number>;
}

let typeCounter = 0;

/** A sensor type with the given measures and one sensor of it. */
export async function createSensorWithMeasures(
  db: Queryable,
  sensorUid: string,
  measures: MeasureSpec[],
  typeName = `type_${sensorUid}_${++typeCounter}`,
): Promise<SeriesIds> {
  const [{ id: typeId }] = await db.query<{ id: number }>(
    `INSERT INTO sensor_type (name) VALUES ($1)
     ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id`,
    [typeName],
  );
  const measureIds: Record<string, number> = {};
  for (const [position, measure] of measures.entries()) {
    const [{ id }] = await db.query<{ id: number }>(
      `INSERT INTO sensor_measure (name, units, datatype) VALUES ($1, $2, $3)
       ON CONFLICT (name, units) DO UPDATE SET name = excluded.name RETURNING id`,
      [measure.name, measure.units ?? null, measure.datatype],
    );
    await db.query('INSERT INTO sensor_type_measure (type_id, measure_id, position) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
      typeId,
      id,
      position,
    ]);
    measureIds[measure.name] = id;
  }
  const [{ id: sensorId }] = await db.query<{ id: number }>(
    'INSERT INTO sensor (type_id, unique_identifier) VALUES ($1, $2) RETURNING id',
    [typeId, sensorUid],
  );
  return { sensorId, measureIds };
}

/**
 * Readings at every `step` from `from` to `to` (inclusive) into the table of `datatype`;
 * `valueSql` is an expression of `t` (the timestamptz), e.g. `sin(extract(epoch from t))`.
 */
export async function insertReadings(
  db: Queryable,
  series: { sensorId: number; measureId: number; datatype: MeasureSpec['datatype'] },
  range: { from: string; to: string; step: string },
  valueSql: string,
): Promise<void> {
  await db.query('SELECT mb_ensure_reading_partitions($1, $2)', [range.from, range.to]);
  await db.query(
    `INSERT INTO reading_${series.datatype} (sensor_id, measure_id, ts, value)
     SELECT $1, $2, t, ${valueSql} FROM generate_series($3::timestamptz, $4::timestamptz, $5::interval) t
     ON CONFLICT DO NOTHING`,
    [series.sensorId, series.measureId, range.from, range.to, range.step],
  );
}

/** Recomputes every rollup from the numeric readings, as ingest would have maintained them. */
export async function rebuildRollups(db: Queryable): Promise<void> {
  for (const [level, width] of [
    ['minute', '1 minute'],
    ['hour', '1 hour'],
    ['day', '1 day'],
  ] as const) {
    await db.query(`DELETE FROM reading_rollup_${level}`);
    await db.query(
      `INSERT INTO reading_rollup_${level} (sensor_id, measure_id, bucket, min, max, sum, count)
       SELECT sensor_id, measure_id, date_bin('${width}', ts, timestamptz 'epoch'), min(value), max(value), sum(value), count(*)
         FROM (SELECT sensor_id, measure_id, ts, value::float8 AS value FROM reading_float
               UNION ALL
               SELECT sensor_id, measure_id, ts, value::float8 FROM reading_integer) r
        GROUP BY 1, 2, 3`,
    );
  }
}

/** The newest reading of every series, as ingest keeps reading_latest. */
export async function rebuildLatest(db: Queryable): Promise<void> {
  await db.query('DELETE FROM reading_latest');
  for (const datatype of ['float', 'integer', 'string', 'boolean']) {
    await db.query(
      `INSERT INTO reading_latest (sensor_id, measure_id, ts, value)
       SELECT DISTINCT ON (sensor_id, measure_id) sensor_id, measure_id, ts, to_jsonb(value)
         FROM reading_${datatype} ORDER BY sensor_id, measure_id, ts DESC`,
    );
  }
}

/** GET /api/v1/readings with these query parameters. */
export const readingsUrl = (params: Record<string, string | number>) =>
  `/api/v1/readings?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]))}`;
