import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/test-app.ts';
import { createSensorWithMeasures, insertReadings } from './helpers/reading-fixtures.ts';
import { exportCommand } from '../src/cli/export.ts';
import { readingsExportModule } from '../src/modules/readings/query/readings-export.service.ts';

const ctx = useTestApp();
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mirrorbase-export-'));
  const a = await createSensorWithMeasures(ctx.db, 'ex,1', [
    { name: 'temp', units: 'C', datatype: 'float' },
    { name: 'note', datatype: 'string' },
  ]);
  const b = await createSensorWithMeasures(ctx.db, 'ex-2', [{ name: 'on', datatype: 'boolean' }]);
  const range = { from: '2024-05-01T00:00:00Z', to: '2024-05-01T00:00:02Z', step: '1 second' };
  await insertReadings(
    ctx.db,
    { sensorId: a.sensorId, measureId: a.measureIds.temp, datatype: 'float' },
    range,
    `extract(second from t) + 0.25`,
  );
  await insertReadings(ctx.db, { sensorId: a.sensorId, measureId: a.measureIds.note, datatype: 'string' }, range, `'say "hi"'`);
  await insertReadings(ctx.db, { sensorId: b.sensorId, measureId: b.measureIds.on, datatype: 'boolean' }, range, `true`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('mirrorbase export', () => {
  it('writes one series as sensor,measure,timestamp,value within --from/--to', async () => {
    const out = path.join(dir, 'one.csv');
    await exportCommand(ctx.db, ['--sensor', 'ex,1', '--measure', 'temp', '--from', '2024-05-01T00:00:01Z', '--out', out]);
    expect(await readFile(out, 'utf8')).toBe(
      'sensor,measure,timestamp,value\n"ex,1",temp,2024-05-01T00:00:01Z,1.25\n"ex,1",temp,2024-05-01T00:00:02Z,2.25\n',
    );
  });

  it('writes every series when no sensor is given, quoting what needs it', async () => {
    const out = path.join(dir, 'all.csv');
    await exportCommand(ctx.db, ['--out', out]);
    const lines = (await readFile(out, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1 + 9);
    expect(lines).toContain('"ex,1",note,2024-05-01T00:00:00Z,"say ""hi"""');
    expect(lines.at(-1)).toBe('ex-2,on,2024-05-01T00:00:02Z,true');
  });

  it('reports progress per page', async () => {
    const seen: number[] = [];
    const chunks: string[] = [];
    const rows = await readingsExportModule(ctx.db).exportCsv(
      { sensor: 'ex,1' },
      async (c) => {
        chunks.push(c);
      },
      (p) => seen.push(p.rows),
    );
    expect(rows).toBe(6);
    expect(seen).toEqual([3, 6]);
    expect(chunks.join('').split('\n')[0]).toBe('sensor,measure,timestamp,value');
  });

  it('refuses bad bounds and unknown series before writing anything', async () => {
    const out = path.join(dir, 'bad.csv');
    await expect(exportCommand(ctx.db, ['--from', '2024-05-01', '--out', out])).rejects.toMatchObject({ statusCode: 422 });
    await expect(exportCommand(ctx.db, ['--sensor', 'nope', '--out', out])).rejects.toMatchObject({ statusCode: 400 });
    await expect(exportCommand(ctx.db, ['--bogus'])).rejects.toMatchObject({ statusCode: 400 });
    await expect(stat(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
