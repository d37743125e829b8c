import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Database } from '../db/database.ts';
import { readLines } from '../modules/readings/ingest/line-reader.ts';
import { createEvents } from '../events/events.ts';
import { createReadingsIngest } from '../modules/readings/ingest/readings-ingest.service.ts';
import { ingestLines } from '../modules/readings/ingest/readings-stream.ts';
import { resolveSeries } from '../modules/readings/series.ts';
import type { SeriesLookup, SeriesRef } from '../modules/readings/series.repository.ts';

export interface ImportOptions {
  /** Rows per transaction. */
  batchRows: number;
  /** Read timestamps without an offset as UTC (DTBase's rule) instead of refusing them. */
  assumeUtc: boolean;
  /** Where the progress line goes (stderr). */
  progress: NodeJS.WriteStream;
}

export interface ImportResult {
  rows: number;
  inserted: number;
  duplicates: number;
  series: number;
  seconds: number;
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

/**
 * `mirrorbase import FILE.csv`: streams a CSV of `sensor,measure,timestamp,value` through the
 * ingest core, `batchRows` rows per transaction, in constant memory (one chunk of the file and
 * one batch at a time), with a progress line on stderr.
 *
 * Unlike POST /api/v1/readings (one transaction per request), each batch commits on its own:
 * a file of hundreds of millions of lines cannot be one transaction. A bad line stops the
 * import with its line number; the batches before it stay committed, and importing the file
 * again after fixing it is safe, because duplicates are skipped.
 */
export async function importCsv(db: Database, file: string, options: ImportOptions): Promise<ImportResult> {
  const total = (await stat(file)).size;
  const ingest = createReadingsIngest({ db, events: createEvents({ db }) });
  const started = performance.now();
  let bytesRead = 0;
  let rowsDone = 0;
  let inserted = 0;
  let duplicates = 0;
  const tty = options.progress.isTTY;
  let lastPrint = 0;

  const printProgress = (force: boolean) => {
    const now = performance.now();
    if (!force && now - lastPrint < (tty ? 250 : 5000)) return;
    lastPrint = now;
    const seconds = (now - started) / 1000;
    const percent = total > 0 ? ((bytesRead / total) * 100).toFixed(1) : '100.0';
    const rate = seconds > 0 ? Math.round(rowsDone / seconds).toLocaleString('en-US') : '0';
    const line = `${mb(bytesRead)} / ${mb(total)} MB (${percent} %), ${rowsDone.toLocaleString('en-US')} rows, ${rate} rows/s`;
    options.progress.write(tty ? `\r${line}\u001b[K` : `${line}\n`);
  };

  const seriesCache = new Map<string, SeriesRef>();
  const resolve = async (lookup: SeriesLookup) => {
    const key = `${lookup.sensorUid}\u0000${lookup.measureName}`;
    let series = seriesCache.get(key);
    if (!series) {
      series = await resolveSeries(db, lookup);
      seriesCache.set(key, series);
    }
    return series;
  };

  try {
    const { series } = await ingestLines({
      format: 'csv',
      lines: readLines(createReadStream(file, { highWaterMark: 1024 * 1024 }), { onBytes: (n) => (bytesRead = n) }),
      resolve,
      requireOffset: !options.assumeUtc,
      flushRows: options.batchRows,
      flush: async (batches) => {
        const result = await ingest.ingest(batches);
        inserted += result.inserted;
        duplicates += result.duplicates;
        rowsDone += result.inserted + result.duplicates;
        printProgress(false);
      },
    });
    printProgress(true);
    if (tty) options.progress.write('\n');
    return { rows: rowsDone, inserted, duplicates, series, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    if (tty && rowsDone > 0) options.progress.write('\n');
    if (rowsDone > 0) options.progress.write(`${rowsDone.toLocaleString('en-US')} rows before the error were committed\n`);
    throw error;
  }
}
