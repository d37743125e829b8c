import { request as httpRequest, type IncomingMessage } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.ts';
import { preparedTextToString } from '../src/modules/readings/prepared-text.ts';
import { PAGES_AHEAD } from '../src/modules/readings/range-pages.ts';
import { createDtbaseReadingsService } from '../src/modules/readings/readings.service.ts';
import { sendPrepared } from '../src/modules/readings/send-prepared.ts';
import { readingsQueryModule } from '../src/modules/readings/query/index.ts';
import { createSensorWithMeasures, insertReadings } from './helpers/reading-fixtures.ts';
import { useTestApp } from './helpers/test-app.ts';

const ctx = useTestApp();

/*
 * Raw reads are streamed page by page (keyset pages over the primary key). What these tests
 * hold fixed: the bytes of every answer are those the single-query reads wrote before (the
 * reference queries below are those reads, verbatim), whatever the page size; every check
 * comes before the first byte; and a client that goes away stops the reading.
 */

const TABLE = { float: 'reading_float', integer: 'reading_integer', string: 'reading_string', boolean: 'reading_boolean' } as const;
type Datatype = keyof typeof TABLE;

/** POST /sensor/sensor-readings before it was paged: one json_agg over the whole range. */
async function dtbaseReference(series: Ids, from: string, to: string): Promise<string> {
  const [{ json }] = await ctx.db.query<{ json: string }>(
    `SELECT coalesce(json_agg(json_build_object('value', value, 'timestamp', mb_iso(ts)) ORDER BY ts), '[]')::text AS json
       FROM ${TABLE[series.datatype]}
      WHERE sensor_id = $1 AND measure_id = $2 AND ts >= $3::text::timestamptz AND ts <= $4::text::timestamptz`,
    [series.sensorId, series.measureId, from, to],
  );
  return json;
}

/** GET /api/v1/readings (raw JSON) before it was paged: one query for both columns, spliced behind the header. */
async function columnsReference(series: Ids, from: string, to: string, format: 'iso' | 'epoch_ms'): Promise<string> {
  const timestamps =
    format === 'epoch_ms'
      ? `coalesce(json_agg(round(date_part('epoch', ts) * 1000000) / 1000)::text, '[]')`
      : `coalesce(replace(json_agg(ts)::text, '+00:00"', 'Z"'), '[]')`;
  const [row] = await ctx.db.query<{ timestamps: string; values: string }>(
    `SELECT ${timestamps} AS timestamps, coalesce(json_agg(value)::text, '[]') AS "values"
       FROM (SELECT ts, value FROM ${TABLE[series.datatype]}
              WHERE sensor_id = $1 AND measure_id = $2 AND ts >= $3::text::timestamptz AND ts <= $4::text::timestamptz
              ORDER BY ts) r`,
    [series.sensorId, series.measureId, from, to],
  );
  const head = JSON.stringify({ sensor: series.uid, measure: series.measure, units: null, datatype: series.datatype, resolution: 'raw' });
  return `${head.slice(0, -1)},"timestamps":${row.timestamps},"values":${row.values}}`;
}

interface Ids {
  uid: string;
  measure: string;
  sensorId: number;
  measureId: number;
  datatype: Datatype;
}

/** Readings given as (timestamp, value as SQL text) pairs, each in a partition of its own month. */
async function insertRows(series: Ids, rows: [string, string][]) {
  for (const [ts] of rows) await ctx.db.query('SELECT mb_ensure_reading_partitions($1::text::timestamptz, $1::text::timestamptz)', [ts]);
  await ctx.db.query(
    `INSERT INTO ${TABLE[series.datatype]} (sensor_id, measure_id, ts, value)
     SELECT $1, $2, t::timestamptz, v::${series.datatype === 'float' ? 'float8' : series.datatype === 'integer' ? 'int8' : series.datatype === 'boolean' ? 'boolean' : 'text'}
       FROM unnest($3::text[], $4::text[]) AS u(t, v)`,
    [series.sensorId, series.measureId, rows.map((r) => r[0]), rows.map((r) => r[1])],
  );
}

// Instants that stress the timestamp text: whole seconds, every fraction length, before 1970,
// the first and the last storable microsecond.
const INSTANTS = [
  '0001-01-01T00:00:00Z',
  '0001-01-01T00:00:00.5Z',
  '1969-12-31T23:59:59.999999Z',
  '1970-01-01T00:00:00Z',
  '2024-01-01T00:00:00Z',
  '2024-01-01T00:00:00.000001Z',
  '2024-01-01T00:00:00.12Z',
  '2024-01-01T00:00:01.1234Z',
  '2024-01-01T00:00:02.99999Z',
  '2024-02-29T23:59:59Z',
  '9999-12-31T23:59:59.999999Z',
];
const VALUES: Record<Datatype, string[]> = {
  float: ['20', '0.1', '-0', '1e300', '-1e-300', '5e-324', 'NaN', 'Infinity', '-123456789.123456', '1.7976931348623157e308', '21.5'],
  integer: ['0', '-1', '9007199254740991', '-9223372036854775808', '9223372036854775807', '42', '7', '8', '9', '10', '11'],
  string: [
    'ok',
    '',
    'a "quoted", text',
    'back\\slash\\',
    'line\nbreak\ttab',
    '\u0001\u001f',
    'é ü 🌡️',
    'x+00:00',
    '"}, {"value" : 1',
    '\\"',
    '{',
  ],
  boolean: ['true', 'false', 'true', 'true', 'false', 'false', 'true', 'false', 'true', 'false', 'true'],
};

const series: Record<Datatype, Ids> = {} as never;
const FULL = { from: '0001-01-01T00:00:00Z', to: '9999-12-31T23:59:59.999999Z' };

beforeAll(async () => {
  const made = await createSensorWithMeasures(
    ctx.db,
    'stream-1',
    (['float', 'integer', 'string', 'boolean'] as const).map((d) => ({ name: `m-${d}`, datatype: d })),
  );
  for (const datatype of ['float', 'integer', 'string', 'boolean'] as const) {
    series[datatype] = {
      uid: 'stream-1',
      measure: `m-${datatype}`,
      sensorId: made.sensorId,
      measureId: made.measureIds[`m-${datatype}`],
      datatype,
    };
    await insertRows(
      series[datatype],
      INSTANTS.map((ts, i) => [ts, VALUES[datatype][i]]),
    );
  }
});

describe('DTBase sensor-readings, paged', () => {
  it('writes the bytes the single json_agg wrote, for every datatype and any page size', async () => {
    const ingest = ctx.services.readings.ingest;
    for (const pageRows of [1, 2, 3, 10, 11, 12, 10_000]) {
      const service = createDtbaseReadingsService({ db: ctx.db, ingest, pageRows });
      for (const s of Object.values(series)) {
        for (const range of [
          FULL,
          { from: '2024-01-01T00:00:00.000001Z', to: '2024-01-01T00:00:02.99999Z' },
          { from: '2030-01-01', to: '2031-01-01' },
        ]) {
          const answer = await service.range({ unique_identifier: s.uid, measure_name: s.measure, dt_from: range.from, dt_to: range.to });
          expect(await preparedTextToString(answer), `${s.datatype}, pages of ${pageRows}`).toBe(
            await dtbaseReference(s, range.from, range.to),
          );
        }
      }
    }
  });

  it('answers the same over HTTP, a naive dt_to read as UTC', async () => {
    const res = await ctx.post('/sensor/sensor-readings', {
      unique_identifier: 'stream-1',
      measure_name: 'm-string',
      dt_from: '0001-01-01',
      dt_to: '9999-12-31T23:59:59.999999',
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(await dtbaseReference(series.string, FULL.from, FULL.to));
  });
});

describe('GET /api/v1/readings raw, paged', () => {
  it('writes the bytes the single query wrote, whether the values wait in memory or in a file', async () => {
    for (const pageRows of [1, 2, 5, 11, 12]) {
      for (const memoryBytes of [0, 40, 1 << 20]) {
        const service = readingsQueryModule(ctx.db, { pageRows, spool: { memoryBytes } });
        for (const s of Object.values(series)) {
          for (const time_format of ['iso', 'epoch_ms'] as const) {
            const query = { sensor: s.uid, measure: s.measure, ...FULL, time_format };
            expect(await preparedTextToString(await service.open(query)), `${s.datatype}, pages of ${pageRows}, ${memoryBytes} B`).toBe(
              await columnsReference(s, FULL.from, FULL.to, time_format),
            );
          }
        }
      }
    }
  });

  it('refuses a range over the cap before the first byte, and streams one at the cap', async () => {
    const service = readingsQueryModule(ctx.db, { pageRows: 2, rawPointsCap: 10 });
    const query = { sensor: 'stream-1', measure: 'm-float', ...FULL };
    await expect(service.open(query)).rejects.toMatchObject({ statusCode: 422, detail: expect.stringMatching(/more than 10 readings/) });
    const atCap = { ...query, to: '2024-02-29T23:59:59Z' };
    const answer = await service.open(atCap);
    expect(answer.chunks).toBeDefined();
    expect(JSON.parse(await preparedTextToString(answer)).values).toHaveLength(10);
  });
});

describe('answers longer than a page over HTTP', () => {
  const points = 25_001;
  const from = '2023-01-01T00:00:00Z';
  const to = new Date(Date.parse(from) + (points - 1) * 1000).toISOString();
  let long: Ids;

  beforeAll(async () => {
    const made = await createSensorWithMeasures(ctx.db, 'stream-long', [{ name: 'level', datatype: 'float' }]);
    long = { uid: 'stream-long', measure: 'level', sensorId: made.sensorId, measureId: made.measureIds.level, datatype: 'float' };
    await insertReadings(ctx.db, long, { from, to, step: '1 second' }, `round((sin(extract(epoch from t) / 60) * 100)::numeric, 2)`);
  });

  it('streams DTBase list in chunks, byte for byte the single query', async () => {
    const res = await ctx.post('/sensor/sensor-readings', {
      unique_identifier: long.uid,
      measure_name: long.measure,
      dt_from: from,
      dt_to: to,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.body).toBe(await dtbaseReference(long, from, to));
  });

  it('streams the column-wise answer in chunks, byte for byte the single query', async () => {
    const res = await ctx.get(`/api/v1/readings?${new URLSearchParams({ sensor: long.uid, measure: long.measure, from, to })}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.body).toBe(await columnsReference(long, from, to, 'iso'));
  });

  it('still sends an answer of one page whole, with its length', async () => {
    const res = await ctx.post('/sensor/sensor-readings', {
      unique_identifier: long.uid,
      measure_name: long.measure,
      dt_from: from,
      dt_to: '2023-01-01T00:00:09Z',
    });
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength(res.body)));
    expect(res.json()).toHaveLength(10);
  });
});

describe('a streamed read over a real socket', () => {
  // Far more than a socket's buffers hold (~4 MB on loopback), so a client that reads nothing
  // holds the server up long before the end.
  const points = 250_000;
  const pageRows = 2_500;
  const from = '2022-01-01T00:00:00Z';
  const to = new Date(Date.parse(from) + (points - 1) * 1000).toISOString();
  const logs: { level: number; msg: string; reqId?: string }[] = [];
  let pageQueries = 0;
  let failOnPage: number | undefined;
  let base: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    const made = await createSensorWithMeasures(ctx.db, 'stream-socket', [{ name: 'level', datatype: 'float' }]);
    await insertReadings(
      ctx.db,
      { sensorId: made.sensorId, measureId: made.measureIds.level, datatype: 'float' },
      { from, to, step: '1 second' },
      '1.5',
    );
    // The real database, with its page queries counted (and one made to fail on demand).
    const db: Database = {
      ...ctx.db,
      async queryRaw(text, params) {
        if (text.includes('string_agg')) {
          pageQueries += 1;
          if (pageQueries === failOnPage) throw new Error('connection lost (injected)');
        }
        return ctx.db.queryRaw(text, params);
      },
    };
    const service = createDtbaseReadingsService({ db, ingest: ctx.services.readings.ingest, pageRows });
    const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line)) });
    app = Fastify({ loggerInstance: logger }) as unknown as FastifyInstance;
    app.post('/read', async (request, reply) =>
      sendPrepared(request, reply, 'application/json; charset=utf-8', await service.range(request.body as never)),
    );
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    base = address;
  });

  afterAll(async () => {
    await app?.close();
  });

  const body = JSON.stringify({ unique_identifier: 'stream-socket', measure_name: 'level', dt_from: from, dt_to: to });
  const totalPages = points / pageRows + 1; // the last full page is followed by an empty one
  const settle = async () => {
    // Until no page query has started for a while.
    let seen = -1;
    while (seen !== pageQueries) {
      seen = pageQueries;
      await new Promise((r) => setTimeout(r, 300));
    }
  };

  it('reads every page for a client that reads it all', async () => {
    pageQueries = 0;
    const res = await fetch(`${base}/read`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const list = (await res.json()) as unknown[];
    expect(list).toHaveLength(points);
    expect(pageQueries).toBe(totalPages);
  });

  it('stops reading when the client goes away, and logs no error for it', async () => {
    pageQueries = 0;
    logs.length = 0;
    const url = new URL(`${base}/read`);
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json' } },
        resolve,
      );
      req.on('error', reject);
      req.end(body);
    });
    let beforeLeaving: number;
    try {
      expect(response.statusCode).toBe(200);
      // The client reads nothing: the server writes until the socket pushes back, then waits.
      response.pause();
      await settle();
      beforeLeaving = pageQueries;
    } finally {
      response.destroy();
    }
    expect(beforeLeaving).toBeGreaterThan(0);
    expect(beforeLeaving).toBeLessThan(totalPages / 2);
    await settle();
    // At most the pages in flight when the client left are read; none after them.
    expect(pageQueries - beforeLeaving).toBeLessThanOrEqual(PAGES_AHEAD);
    expect(logs.filter((line) => line.level >= 40)).toEqual([]);
  });

  it('cuts the answer short, never completes it, and logs the failure as ours when a page fails', async () => {
    pageQueries = 0;
    logs.length = 0;
    failOnPage = 3;
    try {
      const res = await fetch(`${base}/read`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(200);
      await expect(res.text()).rejects.toThrow();
    } finally {
      failOnPage = undefined;
    }
    await settle();
    // The failed page, and at most the pages that were already in flight beside it.
    expect(pageQueries).toBeGreaterThanOrEqual(3);
    expect(pageQueries).toBeLessThan(3 + PAGES_AHEAD);
    const errors = logs.filter((line) => line.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ msg: 'read failed after its answer began', reqId: expect.any(String) });
  });
});
