import type { Database } from '../../db/database.ts';
import { AppError, missingRecord } from '../../errors.ts';
import { dtbaseReadingsRepository } from './dtbase-readings.repository.ts';
import type { ReadingsIngest } from './ingest/readings-ingest.service.ts';
import { prepareSeriesReadings } from './ingest/readings-input.ts';
import type { InsertSensorReadings, SensorReadingsRange } from './readings.schemas.ts';
import { resolveSeries } from './series.ts';
import { seriesRepository } from './series.repository.ts';

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

    /**
     * The readings of one series in [dt_from, dt_to] as DTBase's JSON list, already serialised.
     * As in DTBase, a sensor without that measure (or no such sensor) simply has no readings:
     * `[]`. Only a measure name that exists nowhere is an error (DTBase crashed with a 500).
     */
    async rangeAsJson(body: SensorReadingsRange): Promise<string> {
      try {
        const series = await resolveSeries(db, { sensorUid: body.unique_identifier, measureName: body.measure_name });
        return await dtbaseReadingsRepository(db).rangeAsJson(series, body.dt_from, body.dt_to);
      } catch (error) {
        if (!(error instanceof AppError && error.code === 'MISSING_RECORD')) throw error;
        if (!(await seriesRepository(db).measureNameExists(body.measure_name))) {
          throw missingRecord(`Measure "${body.measure_name}" does not exist`);
        }
        return '[]';
      }
    },
  };
}

export type DtbaseReadingsService = ReturnType<typeof createDtbaseReadingsService>;
