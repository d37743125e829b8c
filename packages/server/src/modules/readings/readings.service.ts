import type { Database } from '../../db/database.ts';
import { noMetrics, type MetricsRecorder } from '../../observability/metrics-recorder.ts';
import { AppError, missingRecord } from '../../errors.ts';
import { FIRST_KEY, dtbaseReadingsRepository, type DtbaseReadingsPage } from './dtbase-readings.repository.ts';
import type { ReadingsIngest } from './ingest/readings-ingest.service.ts';
import { prepareSeriesReadings } from './ingest/readings-input.ts';
import type { SensorWriteCheck } from './ingest/sensor-write-check.ts';
import { BOUNDARIES_PER_SEARCH, READ_PAGE_ROWS, rangePages, type RangeReader } from './range-pages.ts';
import type { PreparedText } from './prepared-text.ts';
import type { InsertSensorReadings, SensorReadingsRange } from './readings.schemas.ts';
import { resolveSeries } from './series.ts';
import { seriesRepository, type SeriesRef } from './series.repository.ts';

/** DTBase's two readings endpoints over the ingest core and the readings tables. */
export function createDtbaseReadingsService(deps: { db: Database; ingest: ReadingsIngest; pageRows?: number; metrics?: MetricsRecorder }) {
  const { db, ingest } = deps;
  const metrics = deps.metrics ?? noMetrics;
  const pageRows = deps.pageRows ?? READ_PAGE_ROWS;
  const repo = dtbaseReadingsRepository(db);
  return {
    /** Inserts one series; duplicates are skipped (DTBase: ON CONFLICT DO NOTHING). */
    async insert(body: InsertSensorReadings, mayWrite: SensorWriteCheck) {
      mayWrite(body.unique_identifier);
      const result = await db.transaction(async (tx) => {
        const series = await resolveSeries(tx, { sensorUid: body.unique_identifier, measureName: body.measure_name });
        const readings = prepareSeriesReadings(series, body.timestamps, body.readings, {
          requireOffset: false,
          valuesName: 'readings',
        });
        return ingest.write(tx, [readings]);
      });
      metrics.readingsIngested('dtbase_json', result.inserted);
      return result;
    },

    /**
     * The readings of one series in [dt_from, dt_to] as DTBase's JSON list, prepared by
     * PostgreSQL page by page. As in DTBase, a sensor without that measure (or no such sensor)
     * simply has no readings: `[]`. Only a measure name that exists nowhere is an error (DTBase
     * crashed with a 500). Where the first pages end is read here (and a range of one page
     * whole), so every error that can be a 4xx comes before the answer begins.
     */
    async range(body: SensorReadingsRange): Promise<PreparedText> {
      let series: SeriesRef;
      try {
        series = await resolveSeries(db, { sensorUid: body.unique_identifier, measureName: body.measure_name });
      } catch (error) {
        if (!(error instanceof AppError && error.code === 'MISSING_RECORD')) throw error;
        if (!(await seriesRepository(db).measureNameExists(body.measure_name))) {
          throw missingRecord(`Measure "${body.measure_name}" does not exist`);
        }
        return { whole: '[]' };
      }
      const range = { from: body.dt_from, to: body.dt_to };
      const reader: RangeReader<DtbaseReadingsPage> = {
        boundaries: (after, n, count) => seriesRepository(db).everyNthReadingAfter(series, { ...range, after }, n, count),
        page: (after, upTo) => repo.page(series, { ...range, after, upTo }),
      };
      const first = await reader.boundaries(null, pageRows, BOUNDARIES_PER_SEARCH);
      if (first.length === 0) {
        const { objectsAfterFirstKey: json } = await reader.page(null, null);
        return { whole: json === null ? '[]' : Buffer.concat([OPEN, json, CLOSE]) };
      }
      return { chunks: jsonList(rangePages(reader, { pageRows, first })) };
    },
  };
}

const OPEN = Buffer.from(`[${FIRST_KEY}`);
const CLOSE = Buffer.from(']');

/** The pages as one JSON list: "[", the pages' objects separated by ", ", "]" (json_agg's layout). */
async function* jsonList(pages: AsyncIterable<DtbaseReadingsPage>): AsyncGenerator<Buffer | string> {
  let before = `[${FIRST_KEY}`;
  for await (const page of pages) {
    if (page.objectsAfterFirstKey === null) continue;
    yield before;
    yield page.objectsAfterFirstKey;
    before = `, ${FIRST_KEY}`;
  }
  yield before === `[${FIRST_KEY}` ? '[]' : ']';
}

export type DtbaseReadingsService = ReturnType<typeof createDtbaseReadingsService>;
