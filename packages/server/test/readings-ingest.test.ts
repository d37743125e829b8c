import { beforeAll, describe, expect, it } from 'vitest';
import type { MirrorbaseEvent } from '../src/events/events.ts';
import { prepareSeriesReadings } from '../src/modules/readings/ingest/readings-input.ts';
import { resolveSeries } from '../src/modules/readings/series.ts';
import { ALL_DATATYPES, createSensor } from './helpers/sensor-fixtures.ts';
import { useTestApp } from './helpers/test-app.ts';
import { testEngine } from './helpers/test-database.ts';
import { readingsIngestRepository } from '../src/modules/readings/ingest/readings-ingest.repository.ts';

const ctx = useTestApp({ MIRRORBASE_BODY_LIMIT_MB: '4' });

const send = (body: string | object, contentType: string) =>
  ctx.app.inject({
    method: 'POST',
    url: '/api/v1/readings',
    headers: { authorization: `Bearer ${ctx.token}`, 'content-type': contentType },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
const json = (body: object) => send(body, 'application/json');
const csv = (text: string) => send(text, 'text/csv');
const ndjson = (lines: object[]) => send(lines.map((l) => JSON.stringify(l)).join('\n'), 'application/x-ndjson');

const seconds = (start: string, n: number, stepSeconds = 1) =>
  Array.from({ length: n }, (_, i) => new Date(Date.parse(start) + i * stepSeconds * 1000).toISOString());

describe('POST /api/v1/readings', () => {
  beforeAll(async () => {
    await createSensor(ctx.db, 'api-1', ALL_DATATYPES);
    await createSensor(ctx.db, 'api-2', [{ name: 'temperature', units: 'degC', datatype: 'float' }]);
    await createSensor(ctx.db, 'twin-units', [
      { name: 'level', units: 'm', datatype: 'float' },
      { name: 'level', units: 'cm', datatype: 'integer' },
    ]);
  });

  it('takes many series as JSON, large ones too, and counts what went in', async () => {
    const big = seconds('2024-05-01T00:00:00Z', 5000);
    const res = await json({
      series: [
        { sensor: 'api-1', measure: 'temperature', timestamps: big, values: big.map((_, i) => i % 100) },
        { sensor: 'api-2', measure: 'temperature', units: 'degC', timestamps: ['2024-05-01T00:00:00+02:00'], values: [1.5] },
        { sensor: 'api-1', measure: 'status', timestamps: ['2024-05-01T00:00:00Z'], values: ['ok'] },
      ],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ inserted: 5002, duplicates: 0, series: 3 });
    expect(await ctx.count(`reading_float WHERE ts >= '2024-05-01' AND ts < '2024-06-01'`)).toBe(5000);
  });

  it('keeps per-minute, hour and day rollups equal to the raw readings', async () => {
    const check = await ctx.db.query<{ level: string; ok: boolean }>(`
      WITH raw AS (SELECT sensor_id, measure_id, date_trunc('hour', ts) AS b, min(value) mn, max(value) mx, sum(value) sm, count(*) n
                     FROM reading_float GROUP BY 1, 2, 3)
      SELECT 'hour' AS level, bool_and(r.min = raw.mn AND r.max = raw.mx AND r.sum = raw.sm AND r.count = raw.n) AND count(*) = (SELECT count(*) FROM reading_rollup_hour) AS ok
        FROM raw JOIN reading_rollup_hour r ON (r.sensor_id, r.measure_id, r.bucket) = (raw.sensor_id, raw.measure_id, raw.b)`);
    expect(check).toEqual([{ level: 'hour', ok: true }]);
    const minutes = await ctx.db.query<{ n: number; total: number }>(
      `SELECT count(*)::int AS n, sum(count)::int AS total FROM reading_rollup_minute r JOIN sensor s ON s.id = r.sensor_id WHERE s.unique_identifier = 'api-1'`,
    );
    expect(minutes).toEqual([{ n: 84, total: 5000 }]);
    const day = await ctx.db.query<{ count: number; sum: number }>(
      `SELECT count, sum FROM reading_rollup_day r JOIN sensor s ON s.id = r.sensor_id WHERE s.unique_identifier = 'api-1'`,
    );
    expect(day).toEqual([{ count: 5000, sum: 50 * 99 * 50 }]);
  });

  it('skips and counts duplicates, also within one request, without double-counting rollups', async () => {
    const ts = seconds('2024-05-01T01:23:00Z', 600); // overlaps the 5000 stored seconds by 323 s...
    const res = await json({
      series: [{ sensor: 'api-1', measure: 'temperature', timestamps: [...ts, ts[0]], values: [...ts.map(() => 1000), 5] }],
    });
    // 01:23:00 + 600 s ends at 01:32:59; the stored readings end at 01:23:19.
    expect(res.json()).toEqual({ inserted: 580, duplicates: 21, series: 1 });
    const total = await ctx.db.query<{ count: number; max: number }>(
      `SELECT count, max FROM reading_rollup_day r JOIN sensor s ON s.id = r.sensor_id WHERE s.unique_identifier = 'api-1'`,
    );
    expect(total).toEqual([{ count: 5580, max: 1000 }]);
  });

  it('updates the latest value only when newer', async () => {
    await json({ series: [{ sensor: 'api-2', measure: 'temperature', timestamps: ['2020-01-01T00:00:00Z'], values: [-40] }] });
    const latest = await ctx.db.query<{ ts: Date; value: unknown }>(
      `SELECT l.ts, l.value FROM reading_latest l JOIN sensor s ON s.id = l.sensor_id WHERE s.unique_identifier = 'api-2'`,
    );
    expect(latest).toEqual([{ ts: new Date('2024-04-30T22:00:00Z'), value: 1.5 }]);
  });

  it('keeps latest values typed when a large batch takes the COPY path', async () => {
    const ts = seconds('2026-01-01T00:00:00Z', 1000);
    const res = await json({ series: [{ sensor: 'api-2', measure: 'temperature', timestamps: ts, values: ts.map((_, i) => i + 0.5) }] });
    expect(res.json()).toEqual({ inserted: 1000, duplicates: 0, series: 1 });
    const latest = await ctx.db.query<{ type: string; value: unknown }>(
      `SELECT jsonb_typeof(l.value) AS type, l.value FROM reading_latest l
         JOIN sensor s ON s.id = l.sensor_id JOIN sensor_measure m ON m.id = l.measure_id
        WHERE s.unique_identifier = 'api-2' AND m.name = 'temperature'`,
    );
    expect(latest).toEqual([{ type: 'number', value: 999.5 }]);
  });

  it('takes CSV and NDJSON streamed over a real socket, as clients send them', async () => {
    // app.inject hands the parsers a different stream object than a real connection does;
    // a body check that recursed into the socket once crashed only here.
    const base = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const post = (body: string, contentType: string) => {
      const bytes = new TextEncoder().encode(body);
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 64) controller.enqueue(bytes.slice(i, i + 64));
          controller.close();
        },
      });
      return fetch(`${base}/api/v1/readings`, {
        method: 'POST',
        body: stream,
        duplex: 'half',
        headers: { authorization: `Bearer ${ctx.token}`, 'content-type': contentType },
      } as RequestInit);
    };
    const fromCsv = await post(
      'sensor,measure,timestamp,value\napi-2,temperature,2027-01-01T00:00:00Z,3.5\napi-2,temperature,2027-01-01T01:00:00Z,4.25\n',
      'text/csv',
    );
    expect(fromCsv.status).toBe(200);
    expect(await fromCsv.json()).toEqual({ inserted: 2, duplicates: 0, series: 1 });
    const fromNdjson = await post(
      `${JSON.stringify({ sensor: 'api-2', measure: 'temperature', timestamp: '2027-01-01T02:00:00Z', value: 5 })}\n`,
      'application/x-ndjson',
    );
    expect(await fromNdjson.json()).toEqual({ inserted: 1, duplicates: 0, series: 1 });
    const badLine = await post('sensor,measure,timestamp,value\napi-2,temperature,2027-01-01T03:00:00Z,x\n', 'text/csv');
    expect(badLine.status).toBe(422);
    expect(((await badLine.json()) as { detail: string }).detail).toMatch(/line 2/);
  });

  it('reads CSV with quoted fields, CRLF and every datatype', async () => {
    const res = await csv(
      [
        'sensor,measure,timestamp,value',
        'api-1,count,2024-06-01T00:00:00Z,42',
        'api-1,door open,2024-06-01T00:00:00Z,true',
        'api-1,status,2024-06-01T00:00:00Z,"say ""hi"", then\nleave"',
        'api-1,temperature,2024-06-01T00:00:00.123456Z,-1.5e1',
        '',
      ].join('\r\n'),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ inserted: 4, duplicates: 0, series: 4 });
    const status = await ctx.db.query<{ value: string }>(`SELECT value FROM reading_string WHERE ts = '2024-06-01T00:00:00Z'`);
    // A line break inside a quoted field is stored as \n, whatever the file used.
    expect(status).toEqual([{ value: 'say "hi", then\nleave' }]);
    const float = await ctx.db.query<{ t: string; value: number }>(
      `SELECT mb_iso(ts) AS t, value FROM reading_float WHERE ts >= '2024-06-01' AND ts < '2024-06-02'`,
    );
    expect(float).toEqual([{ t: '2024-06-01T00:00:00.123456Z', value: -15 }]);
  });

  it('rejects a whole CSV for one bad line, naming it, and writes nothing', async () => {
    const before = await ctx.count('reading_float');
    const res = await csv(
      'sensor,measure,timestamp,value\napi-1,temperature,2024-07-01T00:00:00Z,1\napi-1,temperature,2024-07-01T00:00:01Z,warm\n',
    );
    expect(res.statusCode).toBe(422);
    expect(res.json().detail).toMatch(/^line 3: value "warm" is not of the measure's datatype float/);
    expect(res.json().code).toBe('VALIDATION_FAILED');
    expect(await ctx.count('reading_float')).toBe(before);
  });

  it('rejects a CSV without the header, and timestamps without an offset', async () => {
    expect((await csv('api-1,temperature,2024-07-01T00:00:00Z,1\n')).json().detail).toMatch(/^line 1: the first line must be the header/);
    const naive = await csv('sensor,measure,timestamp,value\napi-1,temperature,2024-07-01T00:00:00,1\n');
    expect(naive.statusCode).toBe(422);
    expect(naive.json().detail).toMatch(/^line 2: timestamp "2024-07-01T00:00:00" is not an ISO-8601 datetime with a UTC offset/);
  });

  it('answers 400 with the line for an unknown sensor in a stream', async () => {
    const res = await csv('sensor,measure,timestamp,value\nnope,temperature,2024-07-01T00:00:00Z,1\n');
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toBe('line 2: Sensor does not exist');
  });

  it('reads NDJSON of single readings and whole series, flushing in batches inside one transaction', async () => {
    const lines: object[] = seconds('2024-08-01T00:00:00Z', 25_000, 60).map((t, i) => ({
      sensor: 'api-2',
      measure: 'temperature',
      timestamp: t,
      value: i,
    }));
    lines.push({
      sensor: 'api-1',
      measure: 'count',
      units: null,
      timestamps: ['2024-08-01T00:00:00Z', '2024-08-01T00:00:01Z'],
      values: [1, 2],
    });
    lines.push({ sensor: 'api-2', measure: 'temperature', timestamp: '2024-08-01T00:00:00Z', value: 7 });
    const res = await ndjson(lines);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ inserted: 25_002, duplicates: 1, series: 2 });
  });

  it('rolls back earlier flushes when a later NDJSON line is bad', async () => {
    const before = await ctx.count('reading_float');
    const lines: object[] = seconds('2024-09-01T00:00:00Z', 12_000).map((t) => ({
      sensor: 'api-2',
      measure: 'temperature',
      timestamp: t,
      value: 1,
    }));
    lines.push({ sensor: 'api-2', measure: 'temperature', timestamp: '2024-09-02T00:00:00Z', value: 'x' });
    const res = await ndjson(lines);
    expect(res.statusCode).toBe(422);
    expect(res.json().detail).toBe(`line 12001: value "x" is not of the measure's datatype float`);
    expect(await ctx.count('reading_float')).toBe(before);
    const bad = await send('{"sensor": "api-2",\n', 'application/x-ndjson');
    expect(bad.json().detail).toBe('line 1: not valid JSON');
  });

  it('answers 422 naming the series and index of a bad JSON element', async () => {
    const before = await ctx.count('reading_integer');
    const res = await json({
      series: [
        { sensor: 'api-1', measure: 'count', timestamps: ['2024-10-01T00:00:00Z'], values: [1] },
        { sensor: 'api-1', measure: 'count', timestamps: ['2024-10-01T00:00:01Z', '2024-10-01T00:00:02Z'], values: [1, 1.5] },
      ],
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().detail).toMatch(/^series\[1\]: value 1\.5 at index 1 for measure "count" is not of the measure's datatype integer/);
    expect(await ctx.count('reading_integer')).toBe(before);
    const naive = await json({ series: [{ sensor: 'api-1', measure: 'count', timestamps: ['2024-10-01 00:00'], values: [1] }] });
    expect(naive.json().detail).toMatch(
      /^series\[0\]: timestamp "2024-10-01 00:00" at index 0 is not an ISO-8601 datetime with a UTC offset/,
    );
    const mismatch = await json({ series: [{ sensor: 'api-1', measure: 'count', timestamps: [], values: [1] }] });
    expect(mismatch.json().detail).toBe('series[0]: timestamps and values must have the same length (got 0 and 1)');
  });

  it('needs units when a measure name is ambiguous, and uses them', async () => {
    const ambiguous = await json({
      series: [{ sensor: 'twin-units', measure: 'level', timestamps: ['2024-10-01T00:00:00Z'], values: [1] }],
    });
    expect(ambiguous.statusCode).toBe(422);
    expect(ambiguous.json().detail).toMatch(/give their units/);
    const res = await json({
      series: [{ sensor: 'twin-units', measure: 'level', units: 'cm', timestamps: ['2024-10-01T00:00:00Z'], values: [12] }],
    });
    expect(res.json()).toEqual({ inserted: 1, duplicates: 0, series: 1 });
    expect(await ctx.count('reading_integer WHERE value = 12')).toBe(1);
  });

  it('answers 413 beyond the body limit, 415 for other media types, 401 without a token', async () => {
    const huge = `sensor,measure,timestamp,value\n${'api-1,temperature,2024-07-01T00:00:00Z,1\n'.repeat(110_000)}`;
    const tooBig = await csv(huge);
    expect(tooBig.statusCode).toBe(413);
    const xml = await send('<readings/>', 'application/xml');
    expect(xml.statusCode).toBe(415);
    const text = await send('api-1 temperature 1', 'text/plain');
    expect(text.statusCode).toBe(415);
    expect(text.json().detail).toContain('not text/plain');
    const noBody = await ctx.app.inject({ method: 'POST', url: '/api/v1/readings', headers: { authorization: `Bearer ${ctx.token}` } });
    expect(noBody.statusCode).toBe(422);
    expect(noBody.json().detail).toContain('body is required');
    const anon = await ctx.app.inject({ method: 'POST', url: '/api/v1/readings', headers: { 'content-type': 'text/csv' }, payload: 'x' });
    expect(anon.statusCode).toBe(401);
  });
});

describe('the ingest core', () => {
  it('publishes one event per series per transaction, at commit, and none for duplicates or a rollback', async () => {
    const seen: MirrorbaseEvent[] = [];
    const stop = ctx.events.subscribe((event) => {
      if (event.type === 'readings.accepted') seen.push(event);
    });
    try {
      const ingest = ctx.services.readings.ingest;
      const series = await resolveSeries(ctx.db, { sensorUid: 'api-2', measureName: 'temperature' });
      const ts = seconds('2025-01-01T00:00:00Z', 300);
      const batch = (from: number, to: number) =>
        prepareSeriesReadings(
          series,
          ts.slice(from, to),
          ts.slice(from, to).map(() => 2),
          { requireOffset: true },
        );
      // Two writes of one series in one transaction (a streamed request's flushes): one event.
      const result = await ctx.db.transaction(async (tx) => {
        const first = await ingest.write(tx, [batch(0, 100)]);
        const second = await ingest.write(tx, [batch(100, 300)]);
        expect(seen).toEqual([]);
        return first.inserted + second.inserted;
      });
      expect(result).toBe(300);
      expect(seen).toEqual([
        expect.objectContaining({
          type: 'readings.accepted',
          sensor: 'api-2',
          measure: 'temperature',
          count: 300,
          first: '2025-01-01T00:00:00Z',
          last: '2025-01-01T00:04:59Z',
        }),
      ]);
      const again = await ingest.ingest([batch(0, 300)]);
      expect(again).toEqual({ inserted: 0, duplicates: 300, accepted: [] });
      const later = seconds('2025-01-02T00:00:00Z', 10);
      await expect(
        ctx.db.transaction(async (tx) => {
          await ingest.write(tx, [
            prepareSeriesReadings(
              series,
              later,
              later.map(() => 1),
              { requireOffset: true },
            ),
          ]);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      // Give a notification that should not exist the time to arrive.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(seen).toHaveLength(1);
    } finally {
      stop();
    }
  });

  it('recreates a partition that another replica dropped behind its back', async () => {
    const ingest = ctx.services.readings.ingest;
    const series = await resolveSeries(ctx.db, { sensorUid: 'api-2', measureName: 'temperature' });
    const write = (start: string) => {
      const ts = seconds(start, 400);
      return ingest.ingest([
        prepareSeriesReadings(
          series,
          ts,
          ts.map(() => 3),
          { requireOffset: true },
        ),
      ]);
    };
    expect((await write('2025-02-01T00:00:00Z')).inserted).toBe(400);
    await ctx.db.exec('DROP TABLE reading_float_p2025_02');
    expect((await write('2025-02-02T00:00:00Z')).inserted).toBe(400);
    expect(await ctx.count(`reading_float WHERE ts >= '2025-02-01' AND ts < '2025-03-01'`)).toBe(400);
  });

  it('stays exact when two writers race for the same series', async () => {
    const ingest = ctx.services.readings.ingest;
    const series = await resolveSeries(ctx.db, { sensorUid: 'api-2', measureName: 'temperature' });
    const ts = seconds('2025-03-01T00:00:00Z', 2000);
    const batch = () =>
      prepareSeriesReadings(
        series,
        ts,
        ts.map(() => 1),
        { requireOffset: true },
      );
    // The first writer holds its rows uncommitted while the second probes and copies.
    const first = ctx.db.transaction(async (tx) => {
      const result = await ingest.write(tx, [batch()]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      return result;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = ingest.ingest([batch()]);
    const results = await Promise.all([first, second]);
    expect(results.map((r) => r.inserted).sort()).toEqual([0, 2000]);
    expect(results.map((r) => r.duplicates).sort()).toEqual([0, 2000]);
    const day = await ctx.db.query<{ count: number }>(
      `SELECT count FROM reading_rollup_day WHERE measure_id = $1 AND sensor_id = $2 AND bucket = '2025-03-01T00:00:00Z'`,
      [series.measureId, series.sensorId],
    );
    expect(day).toEqual([{ count: 2000 }]);
  });
});

/** Fails instead of hanging when a request never settles (a wedged COPY holds its locks). */
function within<T>(promise: Promise<T>, ms = 10_000, what = 'request'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('ingest edge cases found in review', () => {
  beforeAll(async () => {
    await createSensor(ctx.db, 'edge-1', [{ name: 'temperature', units: 'degC', datatype: 'float' }]);
  });

  it('stores the microsecond it deduplicated on: a 7th fraction digit cannot make a COPY hit a duplicate', async () => {
    // JS and PostgreSQL used to round .0000025 differently (3 µs and 2 µs): JS saw strictly
    // increasing times and chose COPY, PostgreSQL found a duplicate and the COPY never settled.
    const timestamps = ['2024-08-01T00:00:00.000002Z', '2024-08-01T00:00:00.0000025Z', ...seconds('2024-08-01T00:00:01Z', 298)];
    const res = await within(
      json({ series: [{ sensor: 'edge-1', measure: 'temperature', timestamps, values: timestamps.map((_, i) => i) }] }),
    );
    expect(res.statusCode).toBe(200);
    // Rounded as PostgreSQL's parser rounds (ties to even): .0000025 is 2 µs, a duplicate.
    expect(res.json()).toEqual({ inserted: 299, duplicates: 1, series: 1 });
    const edge = `reading_float f JOIN sensor s ON s.id = f.sensor_id WHERE s.unique_identifier = 'edge-1'`;
    expect(await within(ctx.count(edge), 10_000, 'count after the request')).toBe(299);
    const stored = await ctx.db.query<{ t: string }>(`SELECT mb_iso(ts) AS t FROM ${edge} ORDER BY ts LIMIT 2`);
    expect(stored.map((r) => r.t)).toEqual(['2024-08-01T00:00:00.000002Z', '2024-08-01T00:00:01Z']);
  });

  it('ends a COPY that fails anyway with an error instead of hanging with its locks (PGlite: has no COPY)', async () => {
    if (testEngine() !== 'postgres') {
      // The guard is for postgres.js's COPY; PGlite offers none, so ingest there is always INSERT.
      await ctx.db.transaction(async (tx) => expect(tx.copyIn).toBeUndefined());
      return;
    }
    const series = await resolveSeries(ctx.db, { sensorUid: 'edge-1', measureName: 'temperature' });
    // A stored reading: this COPY meets a duplicate key after its data was sent.
    await json({ series: [{ sensor: 'edge-1', measure: 'temperature', timestamps: ['2024-08-01T00:00:01Z'], values: [1] }] });
    const edge = `reading_float f JOIN sensor s ON s.id = f.sensor_id WHERE s.unique_identifier = 'edge-1'`;
    const before = await ctx.count(edge);
    const line = `${series.sensorId}\t${series.measureId}\t2024-08-01T00:00:01.000000Z\t1\n`;
    const attempt = ctx.db.transaction(async (tx) => {
      const [{ pid }] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await readingsIngestRepository(tx).copyReadings(tx, 'float', [line], { monitor: ctx.db, pid });
    });
    await expect(within(attempt, 10_000, 'the failed COPY')).rejects.not.toThrow(/did not settle/);
    expect(await within(ctx.count(edge), 10_000, 'count after the failed COPY')).toBe(before);
  });
});

describe('instants at the edges of what is stored', () => {
  beforeAll(async () => {
    await createSensor(ctx.db, 'edge-2', [{ name: 'temperature', units: 'degC', datatype: 'float' }]);
  });

  it('answers 422, never 500, for instants in the UTC year 10000, at ingest and as query bounds', async () => {
    const late = '9999-12-31T23:00:00-05:00'; // 10000-01-01T04:00:00Z
    const res = await json({ series: [{ sensor: 'edge-2', measure: 'temperature', timestamps: [late], values: [1] }] });
    expect(res.statusCode).toBe(422);
    expect(res.json().detail).toContain('timestamps must be before 10000-01-01T00:00:00Z (UTC)');
    const fromCsv = await csv(`sensor,measure,timestamp,value\nedge-2,temperature,${late},1\n`);
    expect(fromCsv.statusCode).toBe(422);
    expect(fromCsv.json().detail).toContain('timestamps must be before 10000-01-01T00:00:00Z (UTC)');
    expect(
      (
        await json({ series: [{ sensor: 'edge-2', measure: 'temperature', timestamps: ['9999-12-31T23:59:59.999999Z'], values: [2] }] })
      ).json(),
    ).toEqual({ inserted: 1, duplicates: 0, series: 1 });
    for (const extra of ['max_points=1', 'bucket=1mo', '']) {
      const read = await ctx.get(
        `/api/v1/readings?sensor=edge-2&measure=temperature&from=2024-01-01T00:00:00Z&to=${encodeURIComponent(late)}&${extra}`,
      );
      expect([extra, read.statusCode]).toEqual([extra, 422]);
      expect(read.json().detail).toContain('timestamps must be before 10000-01-01T00:00:00Z (UTC)');
    }
    // The last storable microsecond, through COPY (on PostgreSQL) and in rollups and reads.
    const end = [...seconds('9999-12-31T23:55:00Z', 299), '9999-12-31T23:59:59.999998Z'];
    expect(
      (await json({ series: [{ sensor: 'edge-2', measure: 'temperature', timestamps: end, values: end.map(() => 4) }] })).json(),
    ).toEqual({ inserted: 300, duplicates: 0, series: 1 });
    const minutes = await ctx.db.query<{ bucket: string; count: number }>(
      `SELECT mb_iso(bucket) AS bucket, count::int FROM reading_rollup_minute r JOIN sensor s ON s.id = r.sensor_id
        WHERE s.unique_identifier = 'edge-2' ORDER BY bucket DESC LIMIT 1`,
    );
    expect(minutes).toEqual([{ bucket: '9999-12-31T23:59:00Z', count: 61 }]);
    const to = encodeURIComponent('9999-12-31T23:59:59.999999Z');
    for (const extra of ['max_points=1', 'bucket=1mo']) {
      const last = await ctx.get(`/api/v1/readings?sensor=edge-2&measure=temperature&from=9999-12-01T00:00:00Z&to=${to}&${extra}`);
      expect([extra, last.statusCode]).toEqual([extra, 200]);
      expect(last.json().values).toEqual([(2 + 300 * 4) / 301]);
    }
  });
});

describe('instants far from today', () => {
  beforeAll(async () => {
    await createSensor(ctx.db, 'edge-3', [{ name: 'temperature', units: 'degC', datatype: 'float' }]);
  });

  it('stores and reads back the last microsecond of 1969 and instants of the first century', async () => {
    // -0.001 ms was truncated into January 1970 and Date.UTC(99, ...) meant 1999: the right
    // partitions were never created (422 "outside what can be stored").
    const cases = [
      // [sent, stored, query bounds the API accepts around it]
      ['1969-12-31T23:59:59.999999Z', '1969-12-31T23:59:59.999999Z', ['1969-12-31T23:59:59Z', '1970-01-01T00:00:00Z']],
      ['0100-01-01T00:30:00+01:00', '0099-12-31T23:30:00Z', ['0100-01-01T00:00:00+01:00', '0100-01-01T01:00:00+01:00']],
      ['0050-06-15T12:00:00Z', '0050-06-15T12:00:00Z', undefined],
    ] as const;
    const stored = async (iso: string) =>
      (
        await ctx.db.query<{ v: number }>(
          `SELECT value AS v FROM reading_float f JOIN sensor s ON s.id = f.sensor_id
        WHERE s.unique_identifier = 'edge-3' AND mb_iso(ts) = $1`,
          [iso],
        )
      ).map((r) => r.v);
    for (const [sent, iso, bounds] of cases) {
      const res = await json({ series: [{ sensor: 'edge-3', measure: 'temperature', timestamps: [sent], values: [1.25] }] });
      expect([sent, res.statusCode, res.json()]).toEqual([sent, 200, { inserted: 1, duplicates: 0, series: 1 }]);
      expect([sent, await stored(iso)]).toEqual([sent, [1.25]]);
      // (Query bounds in local years 1-99 are refused by the shared datetime validation.)
      if (bounds === undefined) continue;
      const read = await ctx.get(
        `/api/v1/readings?sensor=edge-3&measure=temperature&from=${encodeURIComponent(bounds[0])}&to=${encodeURIComponent(bounds[1])}`,
      );
      expect([sent, read.statusCode, read.json().timestamps, read.json().values]).toEqual([sent, 200, [iso], [1.25]]);
    }
    // Many readings across the turn of 1969 in a series of their own (the COPY path on
    // PostgreSQL), rollups included.
    await createSensor(ctx.db, 'edge-4', [{ name: 'temperature', units: 'degC', datatype: 'float' }]);
    const turn = Array.from({ length: 300 }, (_, i) => `1969-12-31T23:59:59.${String(999_700 + i).padStart(6, '0')}Z`);
    turn.push('1970-01-01T00:00:00Z');
    const res = await json({ series: [{ sensor: 'edge-4', measure: 'temperature', timestamps: turn, values: turn.map(() => 2) }] });
    expect(res.json()).toEqual({ inserted: 301, duplicates: 0, series: 1 });
    const minutes = await ctx.db.query<{ bucket: string; count: number }>(
      `SELECT mb_iso(bucket) AS bucket, count::int FROM reading_rollup_minute r JOIN sensor s ON s.id = r.sensor_id
        WHERE s.unique_identifier = 'edge-4' ORDER BY bucket`,
    );
    expect(minutes).toEqual([
      { bucket: '1969-12-31T23:59:00Z', count: 300 },
      { bucket: '1970-01-01T00:00:00Z', count: 1 },
    ]);
  });
});

describe('extreme float values', () => {
  beforeAll(async () => {
    await createSensor(ctx.db, 'huge-1', [{ name: 'temperature', units: 'degC', datatype: 'float' }]);
  });

  it('refuses floats beyond ±1e300 on every path with a clear 422, and keeps rollups and reads finite numbers', async () => {
    // Two readings of 1e308 in one minute overflowed the rollup sum: a bare 422 on the INSERT
    // path, and Infinity stored by the COPY path (read back as the string "Infinity").
    const problem = 'is out of range: float values must be within ±1e300';
    const pair = await json({
      series: [
        { sensor: 'huge-1', measure: 'temperature', timestamps: ['2022-01-01T00:00:00Z', '2022-01-01T00:00:01Z'], values: [1e308, 1e308] },
      ],
    });
    expect(pair.statusCode).toBe(422);
    expect(pair.json().detail).toBe(`series[0]: value 1e+308 at index 0 for measure "temperature" ${problem}`);
    const many = seconds('2022-01-02T00:00:00Z', 300);
    const copied = await json({ series: [{ sensor: 'huge-1', measure: 'temperature', timestamps: many, values: many.map(() => -1e308) }] });
    expect(copied.statusCode).toBe(422);
    const fromCsv = await csv('sensor,measure,timestamp,value\nhuge-1,temperature,2022-01-03T00:00:00Z,1.5e301\n');
    expect(fromCsv.statusCode).toBe(422);
    expect(fromCsv.json().detail).toBe(`line 2: value "1.5e301" ${problem}`);
    const fromNdjson = await ndjson([{ sensor: 'huge-1', measure: 'temperature', timestamp: '2022-01-03T00:00:00Z', value: -2e300 }]);
    expect(fromNdjson.json().detail).toBe(`line 1: value -2e+300 ${problem}`);
    const dtbase = await ctx.post('/sensor/insert-sensor-readings', {
      measure_name: 'temperature',
      unique_identifier: 'huge-1',
      readings: [1e308],
      timestamps: ['2022-01-03T00:00:00'],
    });
    expect(dtbase.statusCode).toBe(422);
    expect(await ctx.count(`reading_float f JOIN sensor s ON s.id = f.sensor_id WHERE s.unique_identifier = 'huge-1'`)).toBe(0);

    // At the limit: accepted on both paths (300 readings take COPY on PostgreSQL), sums finite.
    const edge = seconds('2022-01-04T00:00:00Z', 300);
    const ok = await json({ series: [{ sensor: 'huge-1', measure: 'temperature', timestamps: edge, values: edge.map(() => 1e300) }] });
    expect(ok.json()).toEqual({ inserted: 300, duplicates: 0, series: 1 });
    const pairOk = await json({
      series: [
        {
          sensor: 'huge-1',
          measure: 'temperature',
          timestamps: ['2022-01-05T00:00:00Z', '2022-01-05T00:00:01Z'],
          values: [-1e300, -1e300],
        },
      ],
    });
    expect(pairOk.json()).toEqual({ inserted: 2, duplicates: 0, series: 1 });
    const read = await ctx.get(
      '/api/v1/readings?sensor=huge-1&measure=temperature&from=2022-01-01T00:00:00Z&to=2022-01-06T00:00:00Z&max_points=2',
    );
    expect(read.statusCode).toBe(200);
    const values = read.json().values as unknown[];
    expect(values.length).toBeGreaterThan(0);
    for (const v of values) expect(typeof v === 'number' && Number.isFinite(v)).toBe(true);
  });
});

describe('concurrent writers', () => {
  beforeAll(async () => {
    await createSensor(ctx.db, 'mirror-a', [{ name: 'temperature', units: 'degC', datatype: 'float' }]);
    await createSensor(ctx.db, 'mirror-b', [{ name: 'temperature', units: 'degC', datatype: 'float' }]);
  });

  it('never deadlock when two requests copy one series each and insert a few readings into the other', async () => {
    // A copies mirror-a and inserts into mirror-b, B the mirror image: each used to hold its
    // exclusive COPY lock while waiting for a shared lock the other held exclusively (503).
    const series = (sensor: string, start: string, n: number) => {
      const timestamps = seconds(start, n);
      return { sensor, measure: 'temperature', timestamps, values: timestamps.map((_, i) => i) };
    };
    for (let round = 0; round < 8; round++) {
      const day = `2023-03-${String(round + 1).padStart(2, '0')}`;
      const a = json({ series: [series('mirror-a', `${day}T00:00:00Z`, 400), series('mirror-b', `${day}T12:00:00Z`, 5)] });
      const b = json({ series: [series('mirror-b', `${day}T00:00:00Z`, 400), series('mirror-a', `${day}T12:00:00Z`, 5)] });
      const answers = await within(Promise.all([a, b]), 20_000, `round ${round}`);
      expect(answers.map((r) => [r.statusCode, r.json()])).toEqual([
        [200, { inserted: 405, duplicates: 0, series: 2 }],
        [200, { inserted: 405, duplicates: 0, series: 2 }],
      ]);
    }
    expect(
      await ctx.count(`reading_float f JOIN sensor s ON s.id = f.sensor_id WHERE s.unique_identifier IN ('mirror-a', 'mirror-b')`),
    ).toBe(8 * 810);
    const day = await ctx.db.query<{ n: number }>(
      `SELECT sum(count)::int AS n FROM reading_rollup_day r JOIN sensor s ON s.id = r.sensor_id WHERE s.unique_identifier IN ('mirror-a', 'mirror-b')`,
    );
    expect(day).toEqual([{ n: 8 * 810 }]);
  });
});
