import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import type { Writable } from 'node:stream';
import type { Database } from '../db/database.ts';
import { badRequest } from '../errors.ts';
import { readingsExportModule, type ExportProgress } from '../modules/readings/query/readings-export.service.ts';

export const EXPORT_USAGE = `  export [--sensor UID [--measure NAME [--units U]]] [--from T] [--to T] [--out FILE]
                                write readings as CSV (sensor,measure,timestamp,value), the
                                format import reads; every series when --sensor is left out;
                                T is ISO-8601 with a UTC offset; stdout unless --out`;

/**
 * Writes with backpressure: waits for the stream to drain instead of buffering the export.
 * The stream is opened at the first write, so a refused request leaves no empty file behind.
 */
function lazyWriter(open: () => Writable) {
  let out: Writable | undefined;
  return {
    write: async (chunk: string) => {
      out ??= open();
      if (!out.write(chunk)) await once(out, 'drain');
    },
    opened: () => out,
  };
}

/** Progress on stderr: one rewritten line on a terminal, a line per series otherwise. */
function progressReporter(stderr: NodeJS.WriteStream) {
  const started = Date.now();
  let lastSeries = -1;
  let lastDraw = 0;
  return {
    update(p: ExportProgress) {
      const now = Date.now();
      const line =
        `exported ${p.rows.toLocaleString('en')} rows (${Math.round(p.rows / Math.max((now - started) / 1000, 0.001)).toLocaleString('en')}/s), ` +
        `series ${p.seriesIndex + 1}/${p.seriesCount}: ${p.series.sensorUid} ${p.series.measureName}`;
      if (stderr.isTTY) {
        if (now - lastDraw > 100) stderr.write(`\r${line}\x1b[K`);
        lastDraw = now;
      } else if (p.seriesIndex !== lastSeries) {
        stderr.write(`${line}\n`);
        lastSeries = p.seriesIndex;
      }
    },
    done(rows: number) {
      const seconds = (Date.now() - started) / 1000;
      stderr.write(`${stderr.isTTY ? '\r\x1b[K' : ''}exported ${rows.toLocaleString('en')} rows in ${seconds.toFixed(1)} s\n`);
    },
  };
}

export const EXPORT_OPTIONS = {
  sensor: { type: 'string' },
  measure: { type: 'string' },
  units: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  out: { type: 'string' },
} as const;

function parseExportArgs(args: string[]) {
  try {
    return parseArgs({ args, options: EXPORT_OPTIONS }).values;
  } catch (error) {
    throw badRequest(`${(error as Error).message}\n${EXPORT_USAGE}`);
  }
}

/** `mirrorbase export ...`: streams CSV in constant memory (one page of rows at a time). */
export async function exportCommand(db: Database, args: string[]): Promise<void> {
  const values = parseExportArgs(args);
  const file = values.out;
  const writer = lazyWriter(() => (file ? createWriteStream(file) : process.stdout));
  const progress = progressReporter(process.stderr);
  const rows = await readingsExportModule(db).exportCsv(
    { sensor: values.sensor, measure: values.measure, units: values.units, from: values.from, to: values.to },
    writer.write,
    (p) => progress.update(p),
  );
  const out = writer.opened();
  if (file && out) {
    out.end();
    await once(out, 'finish');
  }
  progress.done(rows);
}
