import { missingRecord, unprocessable } from '../../../errors.ts';
import type { Database } from '../../../db/database.ts';
import { isZonedDatetime } from '../../../http/validation.ts';
import { resolveSeries } from '../series.ts';
import { seriesRepository, type SeriesLookup, type SeriesRef } from '../series.repository.ts';
import { readingsExportRepository, type ReadingsExportRepository } from './readings-export.repository.ts';
import { seriesCsvChunks, seriesLinePrefix } from './readings-export.ts';
import { CSV_HEADER } from '../ingest/csv-readings.ts';

export interface ExportRequest {
  sensor?: string;
  measure?: string;
  units?: string;
  /** Inclusive bounds, ISO-8601 with a UTC offset; open when left out. */
  from?: string;
  to?: string;
}

export interface ExportProgress {
  series: SeriesRef;
  seriesIndex: number;
  seriesCount: number;
  rows: number;
}

export interface ReadingsExportDeps {
  repo: ReadingsExportRepository;
  resolveSeries: (lookup: SeriesLookup) => Promise<SeriesRef>;
  seriesOfSensor: (sensorUid: string) => Promise<SeriesRef[]>;
  allSeries: () => Promise<SeriesRef[]>;
}

/**
 * Whole series as CSV in the format `mirrorbase import` reads ("sensor,measure,timestamp,value"
 * with a header), page by page: memory holds one page whatever the size of the export.
 */
export function createReadingsExportService(deps: ReadingsExportDeps) {
  async function selectSeries(request: ExportRequest): Promise<SeriesRef[]> {
    if (request.measure !== undefined && request.sensor === undefined) throw unprocessable('--measure needs --sensor');
    if (request.sensor === undefined) return deps.allSeries();
    if (request.measure !== undefined) {
      return [
        await deps.resolveSeries({
          sensorUid: request.sensor,
          measureName: request.measure,
          ...(request.units === undefined ? {} : { units: request.units }),
        }),
      ];
    }
    const all = await deps.seriesOfSensor(request.sensor);
    if (all.length === 0) throw missingRecord(`Sensor "${request.sensor}" does not exist or its type has no measures`);
    return all;
  }

  return {
    async exportCsv(
      request: ExportRequest,
      write: (chunk: string) => Promise<void>,
      onProgress?: (p: ExportProgress) => void,
    ): Promise<number> {
      for (const bound of [request.from, request.to]) {
        if (bound !== undefined && !isZonedDatetime(bound)) {
          throw unprocessable(`"${bound}" is not an ISO-8601 datetime with a UTC offset, e.g. 2024-01-01T00:00:00Z`);
        }
      }
      if (request.from && request.to && Date.parse(request.from.replace(' ', 'T')) > Date.parse(request.to.replace(' ', 'T'))) {
        throw unprocessable('--from must not be after --to');
      }
      const list = await selectSeries(request);
      const range = { from: request.from ?? '-infinity', to: request.to ?? 'infinity' };
      await write(`${CSV_HEADER.join(',')}\n`);
      let rows = 0;
      for (const [seriesIndex, series] of list.entries()) {
        const progress = (pageRows: number) => {
          rows += pageRows;
          onProgress?.({ series, seriesIndex, seriesCount: list.length, rows });
        };
        for await (const chunk of seriesCsvChunks(deps.repo, series, range, { prefix: seriesLinePrefix(series), onPage: progress })) {
          await write(chunk);
        }
      }
      return rows;
    },
  };
}

export function readingsExportModule(db: Database) {
  return createReadingsExportService({
    repo: readingsExportRepository(db),
    resolveSeries: (lookup) => resolveSeries(db, lookup),
    seriesOfSensor: (uid) => seriesRepository(db).ofSensor(uid),
    allSeries: () => seriesRepository(db).all(),
  });
}
