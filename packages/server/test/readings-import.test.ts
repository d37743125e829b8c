import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCsv } from '../src/cli/import.ts';
import { createSensor } from './helpers/sensor-fixtures.ts';
import { useTestApp } from './helpers/test-app.ts';

const ctx = useTestApp();
let dir: string;

const progressSink = () => {
  const sink = new PassThrough() as PassThrough & { isTTY?: boolean; text: () => string };
  let text = '';
  sink.on('data', (chunk) => (text += chunk));
  sink.text = () => text;
  return sink;
};

async function csvFile(name: string, lines: string[]) {
  const file = path.join(dir, name);
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

describe('mirrorbase import', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mirrorbase-import-'));
    await createSensor(ctx.db, 'imp-1', [{ name: 'temperature', units: 'degC', datatype: 'float' }]);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('streams a CSV through the ingest core in batches and reports progress', async () => {
    const rows = Array.from(
      { length: 2500 },
      (_, i) => `imp-1,temperature,${new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString()},${i / 10}`,
    );
    const file = await csvFile('ok.csv', ['sensor,measure,timestamp,value', ...rows]);
    const progress = progressSink();
    const result = await importCsv(ctx.db, file, { batchRows: 1000, assumeUtc: false, progress: progress as never });
    expect(result).toMatchObject({ rows: 2500, inserted: 2500, duplicates: 0, series: 1 });
    expect(progress.text()).toMatch(/MB \(100\.0 %\), 2,500 rows, [\d,]+ rows\/s/);
    const again = await importCsv(ctx.db, file, { batchRows: 1000, assumeUtc: false, progress: progressSink() as never });
    expect(again).toMatchObject({ inserted: 0, duplicates: 2500 });
  });

  it('stops at a bad line, naming it; earlier batches stay committed', async () => {
    const file = await csvFile('bad.csv', [
      'sensor,measure,timestamp,value',
      'imp-1,temperature,2025-01-01T00:00:00Z,1',
      'imp-1,temperature,2025-01-01T00:01:00Z,1',
      'imp-1,temperature,2025-01-01T00:02:00Z,oops',
    ]);
    await expect(importCsv(ctx.db, file, { batchRows: 1, assumeUtc: false, progress: progressSink() as never })).rejects.toThrow(
      /^line 4: value "oops"/,
    );
    const rows = await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM reading_float WHERE ts >= '2025-01-01'`);
    expect(rows[0].n).toBe(2);
  });

  it('reads naive timestamps as UTC only when asked to', async () => {
    const file = await csvFile('naive.csv', ['sensor,measure,timestamp,value', 'imp-1,temperature,2026-01-01 00:00:00,12345']);
    await expect(importCsv(ctx.db, file, { batchRows: 10, assumeUtc: false, progress: progressSink() as never })).rejects.toThrow(
      /UTC offset/,
    );
    const result = await importCsv(ctx.db, file, { batchRows: 10, assumeUtc: true, progress: progressSink() as never });
    expect(result.inserted).toBe(1);
    const rows = await ctx.db.query<{ t: string }>(`SELECT mb_iso(ts) AS t FROM reading_float WHERE value = 12345`);
    expect(rows).toEqual([{ t: '2026-01-01T00:00:00Z' }]);
  });
});
