import type { Queryable } from '../../db/database.ts';

/**
 * Read-only lookups in the sensors module's tables, to resolve the sensor and sensor measure
 * a model run is compared with. Kept apart so it is plain that models never write there.
 */
export function sensorReferencesRepository(db: Queryable) {
  return {
    async findSensor(uniqueIdentifier: string): Promise<{ id: number; typeId: number } | undefined> {
      const rows = await db.query<{ id: number; typeId: number }>(
        `SELECT id, type_id AS "typeId" FROM sensor WHERE unique_identifier = $1`,
        [uniqueIdentifier],
      );
      return rows[0];
    },

    /** Null units match null units (IS NOT DISTINCT FROM), as a measure without units is one measure. */
    async findSensorMeasure(name: string, units: string | null): Promise<{ id: number } | undefined> {
      const rows = await db.query<{ id: number }>(
        `SELECT id FROM sensor_measure WHERE name = $1 AND units IS NOT DISTINCT FROM $2::text`,
        [name, units],
      );
      return rows[0];
    },

    async sensorTypeHasMeasure(typeId: number, measureId: number): Promise<boolean> {
      const rows = await db.query(`SELECT 1 FROM sensor_type_measure WHERE type_id = $1 AND measure_id = $2`, [
        typeId,
        measureId,
      ]);
      return rows.length > 0;
    },
  };
}
