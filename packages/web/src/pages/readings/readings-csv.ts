/** One row of the readings table: a timestamp and a value exactly as the API answered them. */
export interface ReadingRow {
  timestamp: string;
  value: unknown;
}

/** A CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180). */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The table's rows as CSV, in the API's export layout (`timestamp,value`). Numbers are written
 * with JavaScript's shortest round-tripping form, so each value reads back as the API's number.
 */
export function readingsCsv(rows: readonly ReadingRow[]): string {
  const lines = ['timestamp,value'];
  for (const row of rows) lines.push(`${csvField(row.timestamp)},${csvField(String(row.value))}`);
  return `${lines.join('\n')}\n`;
}

/** Offers text as a file download (a temporary object URL on an anchor with `download`). */
export function downloadText(text: string, filename: string, type = 'text/csv'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = filename;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  // The download has started from the URL by now; freeing it at once can cancel it in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A file name that says what the file holds and is safe on every file system. */
export function readingsFilename(sensor: string, measure: string, from: string, to: string): string {
  const safe = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, '_');
  return `${safe(sensor)}_${safe(measure)}_${safe(from)}_${safe(to)}.csv`;
}
