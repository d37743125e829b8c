import type { SeriesRef } from '../series.repository.ts';
import type { ReadingsExportRepository } from './readings-export.repository.ts';

/** Rows per query when streaming a series: large enough to amortise a round trip, small in memory. */
export const EXPORT_PAGE_ROWS = 50_000;

export interface ExportRange {
  /** Inclusive bounds, as timestamptz text ('-infinity' and 'infinity' allowed). */
  from: string;
  to: string;
}

/** A CSV field per RFC 4180: quoted only when it has to be. */
export function csvEscape(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The readings of one series as CSV chunks (each ends with a newline), page by page, so that
 * memory stays at one page whatever the length of the series. `prefix` starts every line
 * (the CLI's "sensor,measure,"); `onPage` hears how many rows each page had.
 */
export async function* seriesCsvChunks(
  repo: ReadingsExportRepository,
  series: SeriesRef,
  range: ExportRange,
  options: { prefix?: string; pageRows?: number; onPage?: (rows: number) => void } = {},
): AsyncGenerator<string> {
  const pageRows = options.pageRows ?? EXPORT_PAGE_ROWS;
  let after: string | null = null;
  for (;;) {
    const page = await repo.page(series, { ...range, after }, pageRows, options.prefix ?? '');
    if (page.rows === 0 || page.csv === null) return;
    options.onPage?.(page.rows);
    yield `${page.csv}\n`;
    if (page.rows < pageRows) return;
    after = page.last;
  }
}

/** The prefix of the CLI's lines for a series: "sensor,measure,". */
export const seriesLinePrefix = (series: SeriesRef) => `${csvEscape(series.sensorUid)},${csvEscape(series.measureName)},`;
