import type { Queryable } from '../../src/db/database.ts';

/**
 * Sensor fixtures by plain SQL (the sensor endpoints are written separately), so readings
 * tests depend only on the schema.
 */
export interface MeasureSpec {
  name: string;
  units?: string | null;
  datatype: 'float' | 'integer' | 'string' | 'boolean';
}

export interface SensorFixture {
  sensorId: number;
  uid: string;
  measureIds: Record<string, number>;
}

let counter = 0;

/** A sensor type with the given measures (measures are reused by (name, units)). */
export async function createSensorType(db: Queryable, measures: MeasureSpec[], name = `type-${++counter}-${Date.now()}`) {
  const [type] = await db.query<{ id: number }>('INSERT INTO sensor_type (name) VALUES ($1) RETURNING id', [name]);
  const measureIds: Record<string, number> = {};
  for (const [position, m] of measures.entries()) {
    const [row] = await db.query<{ id: number }>(
      `INSERT INTO sensor_measure (name, units, datatype) VALUES ($1, $2, $3)
       ON CONFLICT (name, units) DO UPDATE SET name = excluded.name RETURNING id`,
      [m.name, m.units ?? null, m.datatype],
    );
    await db.query('INSERT INTO sensor_type_measure (type_id, measure_id, position) VALUES ($1, $2, $3)', [type.id, row.id, position]);
    measureIds[m.name] = row.id;
  }
  return { typeId: type.id, name, measureIds };
}

/** A sensor of a new type with the given measures. */
export async function createSensor(db: Queryable, uid: string, measures: MeasureSpec[]): Promise<SensorFixture> {
  const type = await createSensorType(db, measures);
  const [sensor] = await db.query<{ id: number }>('INSERT INTO sensor (type_id, unique_identifier) VALUES ($1, $2) RETURNING id', [
    type.typeId,
    uid,
  ]);
  return { sensorId: sensor.id, uid, measureIds: type.measureIds };
}

/** The usual weather-station sensor: one measure of each datatype. */
export const ALL_DATATYPES: MeasureSpec[] = [
  { name: 'temperature', units: 'degC', datatype: 'float' },
  { name: 'count', units: null, datatype: 'integer' },
  { name: 'status', units: null, datatype: 'string' },
  { name: 'door open', units: null, datatype: 'boolean' },
];
