import type { Readable } from 'node:stream';
import type { Database, Transaction } from '../../../db/database.ts';
import { AppError } from '../../../errors.ts';
import { noMetrics, type MetricsRecorder } from '../../../observability/metrics-recorder.ts';
import { MAX_CSV_RECORD_CHARS } from './csv-readings.ts';
import { readLines } from './line-reader.ts';
import type { ReadingsIngest } from './readings-ingest.service.ts';
import { prepareSeriesReadings, type SeriesReadings } from './readings-input.ts';
import { DEFAULT_FLUSH_ROWS, ingestLines, type StreamFormat } from './readings-stream.ts';
import type { IngestJsonBody, IngestSummary } from '../readings.schemas.ts';
import type { SeriesLookup, SeriesRef } from '../series.repository.ts';
import { resolveSeries } from '../series.ts';
import type { SensorWriteCheck } from './sensor-write-check.ts';

/**
 * Resolves series once per request, inside the request's transaction, each sensor checked
 * against what the caller may write first.
 */
function cachedResolver(tx: Transaction, mayWrite: SensorWriteCheck) {
  const cache = new Map<string, Promise<SeriesRef>>();
  return (lookup: SeriesLookup) => {
    const key = JSON.stringify([lookup.sensorUid, lookup.measureName, lookup.units]);
    let series = cache.get(key);
    if (!series) {
      mayWrite(lookup.sensorUid);
      series = resolveSeries(tx, lookup);
      cache.set(key, series);
    }
    return series;
  };
}

/** POST /api/v1/readings: many series per request, as JSON, NDJSON or CSV; one transaction each. */
export function createReadingsIngestApiService(deps: {
  db: Database;
  ingest: ReadingsIngest;
  bodyLimitBytes: number;
  metrics?: MetricsRecorder;
}) {
  const { db, ingest } = deps;
  const metrics = deps.metrics ?? noMetrics;

  return {
    /** `mayWrite` is asked for every series' sensor before anything is written. */
    async ingestJson(body: IngestJsonBody, mayWrite: SensorWriteCheck): Promise<IngestSummary> {
      for (const [i, s] of body.series.entries()) {
        try {
          mayWrite(s.sensor);
        } catch (error) {
          if (error instanceof AppError) throw new AppError(error.code, `series[${i}]: ${error.detail}`);
          throw error;
        }
      }
      const summary = await db.transaction(async (tx) => {
        const resolve = cachedResolver(tx, mayWrite);
        let pending: SeriesReadings[] = [];
        let pendingRows = 0;
        let inserted = 0;
        let duplicates = 0;
        const seen = new Set<string>();
        const flush = async () => {
          const result = await ingest.write(tx, pending);
          inserted += result.inserted;
          duplicates += result.duplicates;
          pending = [];
          pendingRows = 0;
        };
        for (const [i, s] of body.series.entries()) {
          let series: SeriesRef;
          try {
            series = await resolve({ sensorUid: s.sensor, measureName: s.measure, ...(s.units !== undefined ? { units: s.units } : {}) });
          } catch (error) {
            if (error instanceof AppError) throw new AppError(error.code, `series[${i}]: ${error.detail}`);
            throw error;
          }
          seen.add(`${series.sensorId}:${series.measureId}`);
          const readings = prepareSeriesReadings(series, s.timestamps, s.values, { requireOffset: true, where: `series[${i}]` });
          pending.push(readings);
          pendingRows += readings.times.length;
          if (pendingRows >= DEFAULT_FLUSH_ROWS) await flush();
        }
        if (pendingRows > 0) await flush();
        return { inserted, duplicates, series: seen.size };
      });
      metrics.readingsIngested('api_json', summary.inserted);
      return summary;
    },

    /**
     * CSV or NDJSON from the request stream, parsed and written in batches of ~10,000 rows.
     * `mayWrite` is asked for each sensor when it first appears; a refusal rolls back the
     * batches written before it.
     */
    async ingestStream(format: StreamFormat, body: Readable, mayWrite: SensorWriteCheck): Promise<IngestSummary> {
      const summary = await db.transaction(async (tx) => {
        let inserted = 0;
        let duplicates = 0;
        const { series } = await ingestLines({
          format,
          // No CSV line may be longer than a record; an NDJSON line may hold a long series.
          lines: readLines(body, { limitBytes: deps.bodyLimitBytes, ...(format === 'csv' ? { maxLineChars: MAX_CSV_RECORD_CHARS } : {}) }),
          resolve: cachedResolver(tx, mayWrite),
          requireOffset: true,
          flush: async (batches) => {
            const result = await ingest.write(tx, batches);
            inserted += result.inserted;
            duplicates += result.duplicates;
          },
        });
        return { inserted, duplicates, series };
      });
      metrics.readingsIngested(format === 'csv' ? 'api_csv' : 'api_ndjson', summary.inserted);
      return summary;
    },
  };
}

export type ReadingsIngestApiService = ReturnType<typeof createReadingsIngestApiService>;
