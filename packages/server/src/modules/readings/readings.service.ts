import type { Database } from '../../db/database.ts';
import { dtbaseReadingsRepository } from './dtbase-readings.repository.ts';
import type { ReadingsIngest } from './ingest/readings-ingest.service.ts';
import { prepareSeriesReadings } from './ingest/readings-input.ts';
import type { InsertSensorReadings, SensorReadingsRange } from './readings.schemas.ts';
import { resolveSeries } from './series.ts';

/** DTBase's two readings endpoints over the ingest core and the readings tables. */
export function createDtbaseReadingsService(deps: { db: Database; ingest: ReadingsIngest }) {
  const { db, ingest } = deps;
  return {
    /** Inserts one series; duplicates are skipped (DTBase: ON CONFLICT DO NOTHING). */
    async insert(body: InsertSensorReadings) {
      return db.transaction(async (tx) => {
        const series = await resolveSeries(tx, { sensorUid: body.unique_identifier, measureName: body.measure_name });
        const readings = prepareSeriesReadings(series, body.timestamps, body.readings, {
          requireOffset: false,
          valuesName: 'readings',
        });
        return ingest.write(tx, [readings]);
      });
    },

    /** The readings of one series in [dt_from, dt_to] as DTBase's JSON list, already serialised. */
    async rangeAsJson(body: SensorReadingsRange): Promise<string> {
      const series = await resolveSeries(db, { sensorUid: body.unique_identifier, measureName: body.measure_name });
      return dtbaseReadingsRepository(db).rangeAsJson(series, body.dt_from, body.dt_to);
    },
  };
}

export type DtbaseReadingsService = ReturnType<typeof createDtbaseReadingsService>;
