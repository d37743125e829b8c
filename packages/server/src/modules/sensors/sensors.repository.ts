import type { Queryable } from '../../db/database.ts';
import type { ValueDatatype } from '../../db/schema/common.ts';

export interface MeasureRow {
  id: number;
  name: string;
  units: string | null;
  datatype: ValueDatatype;
}

export interface SensorTypeRow {
  id: number;
  name: string;
  description: string | null;
}

export interface SensorTypeWithMeasures extends SensorTypeRow {
  /** In the order the type declared them. */
  measures: MeasureRow[];
}

export interface SensorRow {
  id: number;
  typeId: number;
  typeName: string;
  uniqueIdentifier: string;
  name: string | null;
  notes: string | null;
}

/** An installation of a sensor: where (the locations module's location id) and since when. */
export interface InstallationRow {
  locationId: number;
  /** ISO-8601 UTC, rendered by mb_iso (microseconds kept). */
  installationDatetime: string;
}

/** A sensor installed at some location: who, since when, and whether it is still there. */
export interface InstallationAtRow {
  sensorId: number;
  uniqueIdentifier: string;
  sensorName: string | null;
  typeName: string;
  installationDatetime: string;
  /** This is the sensor's latest installation, so the sensor is there now. */
  current: boolean;
}

const MEASURE_COLUMNS = `id, name, units, datatype::text AS datatype`;
const TYPE_COLUMNS = `id, name, description`;
const TYPE_MEASURES_JSON = `COALESCE((
    SELECT json_agg(json_build_object('id', m.id, 'name', m.name, 'units', m.units, 'datatype', m.datatype)
                    ORDER BY tm.position)
    FROM sensor_type_measure tm JOIN sensor_measure m ON m.id = tm.measure_id
    WHERE tm.type_id = t.id), '[]'::json) AS measures`;
const SENSOR_COLUMNS = `s.id, s.type_id AS "typeId", t.name AS "typeName", s.unique_identifier AS "uniqueIdentifier",
  s.name, s.notes`;
const SENSOR_FROM = `sensor s JOIN sensor_type t ON t.id = s.type_id`;
const INSTALLATION_COLUMNS = `sl.location_id AS "locationId", mb_iso(sl.installation_datetime) AS "installationDatetime"`;

export function sensorsRepository(db: Queryable) {
  return {
    /** The measures among these ids that exist, in id order. */
    findMeasuresByIds(ids: readonly number[]): Promise<MeasureRow[]> {
      return db.query<MeasureRow>(`SELECT ${MEASURE_COLUMNS} FROM sensor_measure WHERE id = ANY($1::int4[]) ORDER BY id`, [ids]);
    },

    async findMeasure(name: string, units: string | null): Promise<MeasureRow | undefined> {
      const rows = await db.query<MeasureRow>(
        `SELECT ${MEASURE_COLUMNS} FROM sensor_measure WHERE name = $1 AND units IS NOT DISTINCT FROM $2`,
        [name, units],
      );
      return rows[0];
    },

    /** Inserts unless (name, units) exists (null units included); returns the new row or undefined. */
    async insertMeasure(name: string, units: string | null, datatype: ValueDatatype): Promise<MeasureRow | undefined> {
      const rows = await db.query<MeasureRow>(
        `INSERT INTO sensor_measure (name, units, datatype) VALUES ($1, $2, $3::value_datatype)
         ON CONFLICT DO NOTHING RETURNING ${MEASURE_COLUMNS}`,
        [name, units, datatype],
      );
      return rows[0];
    },

    /** Measures by id, after the cursor `afterId`, at most `limit` (all by default). */
    listMeasures(page: { afterId?: number; limit?: number } = {}): Promise<MeasureRow[]> {
      return db.query<MeasureRow>(`SELECT ${MEASURE_COLUMNS} FROM sensor_measure WHERE id > $1 ORDER BY id LIMIT $2`, [
        page.afterId ?? 0,
        page.limit ?? null,
      ]);
    },

    async findType(name: string): Promise<SensorTypeWithMeasures | undefined> {
      const rows = await db.query<SensorTypeWithMeasures>(
        `SELECT ${TYPE_COLUMNS}, ${TYPE_MEASURES_JSON} FROM sensor_type t WHERE name = $1`,
        [name],
      );
      return rows[0];
    },

    /** Types by id, after the cursor `afterId`, at most `limit` (all by default). */
    listTypes(page: { afterId?: number; limit?: number } = {}): Promise<SensorTypeWithMeasures[]> {
      return db.query<SensorTypeWithMeasures>(
        `SELECT ${TYPE_COLUMNS}, ${TYPE_MEASURES_JSON} FROM sensor_type t WHERE id > $1 ORDER BY id LIMIT $2`,
        [page.afterId ?? 0, page.limit ?? null],
      );
    },

    /** Inserts unless the name is taken; returns the new row or undefined. */
    async insertType(name: string, description: string | null): Promise<SensorTypeRow | undefined> {
      const rows = await db.query<SensorTypeRow>(
        `INSERT INTO sensor_type (name, description) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING ${TYPE_COLUMNS}`,
        [name, description],
      );
      return rows[0];
    },

    async linkMeasure(typeId: number, measureId: number, position: number): Promise<void> {
      await db.query(`INSERT INTO sensor_type_measure (type_id, measure_id, position) VALUES ($1, $2, $3)`, [typeId, measureId, position]);
    },

    async deleteType(typeId: number): Promise<void> {
      await db.query(`DELETE FROM sensor_type WHERE id = $1`, [typeId]);
    },

    async countSensorsOfType(typeId: number): Promise<number> {
      const rows = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM sensor WHERE type_id = $1`, [typeId]);
      return rows[0].n;
    },

    async findSensor(uniqueIdentifier: string): Promise<SensorRow | undefined> {
      const rows = await db.query<SensorRow>(`SELECT ${SENSOR_COLUMNS} FROM ${SENSOR_FROM} WHERE s.unique_identifier = $1`, [
        uniqueIdentifier,
      ]);
      return rows[0];
    },

    /** The sensors among these ids that exist, in id order. */
    findSensorsByIds(ids: readonly number[]): Promise<SensorRow[]> {
      return db.query<SensorRow>(`SELECT ${SENSOR_COLUMNS} FROM ${SENSOR_FROM} WHERE s.id = ANY($1::int4[]) ORDER BY s.id`, [ids]);
    },

    /** Sensors in id order, of one type when `typeName` is given, after the cursor `afterId`. */
    listSensors(options: { typeName?: string | null; afterId?: number; limit?: number } = {}): Promise<SensorRow[]> {
      return db.query<SensorRow>(
        `SELECT ${SENSOR_COLUMNS} FROM ${SENSOR_FROM}
         WHERE ($1::text IS NULL OR t.name = $1::text) AND s.id > $2
         ORDER BY s.id LIMIT $3`,
        [options.typeName ?? null, options.afterId ?? 0, options.limit ?? null],
      );
    },

    /** Inserts unless the unique identifier is taken; returns the new id or undefined. */
    async insertSensor(typeId: number, uniqueIdentifier: string, name: string | null, notes: string | null): Promise<number | undefined> {
      const rows = await db.query<{ id: number }>(
        `INSERT INTO sensor (type_id, unique_identifier, name, notes) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING RETURNING id`,
        [typeId, uniqueIdentifier, name, notes],
      );
      return rows[0]?.id;
    },

    async updateSensor(sensorId: number, name: string | null, notes: string | null): Promise<void> {
      await db.query(`UPDATE sensor SET name = $2, notes = $3, updated_at = now() WHERE id = $1`, [sensorId, name, notes]);
    },

    /** Installations go with the sensor (FK cascade) and its readings with it (the readings engine's trigger). */
    async deleteSensor(sensorId: number): Promise<void> {
      await db.query(`DELETE FROM sensor WHERE id = $1`, [sensorId]);
    },

    /**
     * Records an installation; `installedAt` is the client's datetime text (naive = UTC), or
     * null for the server's now. Returns its id, or undefined when the sensor already has one at that time.
     */
    async insertSensorLocation(sensorId: number, locationId: number, installedAt: string | null): Promise<number | undefined> {
      const rows = await db.query<{ id: number }>(
        `INSERT INTO sensor_location (sensor_id, location_id, installation_datetime)
         VALUES ($1, $2, COALESCE($3::text::timestamptz, now()))
         ON CONFLICT DO NOTHING RETURNING id`,
        [sensorId, locationId, installedAt],
      );
      return rows[0]?.id;
    },

    /** Whether the sensor has an installation at that datetime (null: now). */
    async hasInstallationAt(sensorId: number, installedAt: string | null): Promise<boolean> {
      const rows = await db.query(
        `SELECT 1 FROM sensor_location WHERE sensor_id = $1 AND installation_datetime = COALESCE($2::text::timestamptz, now())`,
        [sensorId, installedAt],
      );
      return rows.length > 0;
    },

    /** A sensor's installations, newest first (as DTBase lists them). */
    listInstallations(uniqueIdentifier: string): Promise<InstallationRow[]> {
      return db.query<InstallationRow>(
        `SELECT ${INSTALLATION_COLUMNS} FROM sensor_location sl JOIN sensor s ON s.id = sl.sensor_id
         WHERE s.unique_identifier = $1
         ORDER BY sl.installation_datetime DESC, sl.id DESC`,
        [uniqueIdentifier],
      );
    },

    /** The installations at a location, newest first, each marked current when it is its sensor's latest. */
    listInstallationsAt(locationId: number): Promise<InstallationAtRow[]> {
      return db.query<InstallationAtRow>(
        `SELECT s.id AS "sensorId", s.unique_identifier AS "uniqueIdentifier", s.name AS "sensorName", t.name AS "typeName",
           mb_iso(sl.installation_datetime) AS "installationDatetime",
           NOT EXISTS (
             SELECT 1 FROM sensor_location later
             WHERE later.sensor_id = sl.sensor_id
               AND (later.installation_datetime, later.id) > (sl.installation_datetime, sl.id)
           ) AS current
         FROM sensor_location sl JOIN sensor s ON s.id = sl.sensor_id JOIN sensor_type t ON t.id = s.type_id
         WHERE sl.location_id = $1
         ORDER BY sl.installation_datetime DESC, sl.id DESC`,
        [locationId],
      );
    },

    /** Where the sensor is now: its latest installation, if any. */
    async latestInstallation(sensorId: number): Promise<InstallationRow | undefined> {
      const rows = await db.query<InstallationRow>(
        `SELECT ${INSTALLATION_COLUMNS} FROM sensor_location sl
         WHERE sl.sensor_id = $1
         ORDER BY sl.installation_datetime DESC, sl.id DESC LIMIT 1`,
        [sensorId],
      );
      return rows[0];
    },
  };
}

export type SensorsRepository = ReturnType<typeof sensorsRepository>;
