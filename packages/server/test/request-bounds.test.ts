import { describe, expect, it } from 'vitest';
import { fromDatabaseError } from '../src/http/database-errors.ts';
import { MAX_JSON_DEPTH } from '../src/http/json-body.ts';
import { MAX_LISTED_ISSUES } from '../src/http/validation-issues.ts';
import { useTestApp } from './helpers/test-app.ts';
import { testEngine } from './helpers/test-database.ts';

/**
 * Checks of request bodies are linear in time and bounded in memory, and what they answer is
 * small: hostile bodies of a few kilobytes to a few megabytes once stalled every request for
 * seconds to minutes, answered 500 or sent back over 100 MB.
 */
const ctx = useTestApp();

const postText = (url: string, payload: string, token: string | undefined = ctx.token) =>
  ctx.app.inject({
    method: 'POST',
    url,
    payload,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });

interface Issue {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
}

const nestedArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const nestedObjects = (depth: number, inner = '1') => `${'{"a":'.repeat(depth)}${inner}${'}'.repeat(depth)}`;

/** Every operation of the OpenAPI document that takes a JSON body. */
function jsonOperations(): { method: string; path: string }[] {
  const doc = ctx.app.swagger() as { paths: Record<string, Record<string, { requestBody?: { content?: Record<string, unknown> } }>> };
  const ops: { method: string; path: string }[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (op.requestBody?.content?.['application/json']) ops.push({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, 'x') });
    }
  }
  return ops;
}

describe('validation of large failing bodies', () => {
  it('answers an array of elements failing a union with a short, non-empty 422 at once', async () => {
    const started = performance.now();
    const res = await postText(
      '/sensor/insert-sensor-readings',
      JSON.stringify({
        measure_name: 'm',
        unique_identifier: 's',
        readings: Array.from({ length: 100_000 }, () => ({})),
        timestamps: [],
      }),
    );
    expect(res.statusCode).toBe(422);
    const detail = res.json().detail as Issue[];
    expect(detail).toHaveLength(MAX_LISTED_ISSUES + 1);
    expect(detail[0]).toEqual({
      type: 'union_error',
      loc: ['body', 'readings', 0],
      msg: 'Input does not match any of the allowed types (see the API docs at /docs)',
      input: {},
    });
    expect(detail.at(-1)).toEqual({
      type: 'too_many_errors',
      loc: ['body'],
      msg: `99,970 more issues not listed (100,000 in total)`,
      input: null,
    });
    // 1,600 such elements took 13 s (cubic), 10,000 never finished.
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('names the allowed datatypes of every bad measure, listing a few dozen and counting the rest', async () => {
    const measures = Array.from({ length: 1600 }, (_, i) => ({ name: `m${i}`, units: null, datatype: 'nope' }));
    const res = await postText('/sensor/insert-sensor-type', JSON.stringify({ name: 't', measures }));
    expect(res.statusCode).toBe(422);
    const detail = res.json().detail as Issue[];
    expect(detail[1]).toEqual({
      type: 'literal_error',
      loc: ['body', 'measures', 1, 'datatype'],
      msg: "Input should be 'string', 'float', 'integer' or 'boolean'",
      input: 'nope',
    });
    expect(detail.at(-1)?.msg).toBe('1,570 more issues not listed (1,600 in total)');
    expect((await ctx.get('/sensor/list-sensor-types')).json()).toEqual([]);
  });

  it('answers a million bad timestamps (a 13 MB body) with a 422 of a few kilobytes', async () => {
    const n = 1_000_000;
    const body = JSON.stringify({
      measure_name: 'm',
      unique_identifier: 's',
      readings: new Array(n).fill(1),
      timestamps: new Array(n).fill('2024-13-01'),
    });
    expect(body.length).toBeGreaterThan(13_000_000);
    const res = await postText('/sensor/insert-sensor-readings', body);
    expect(res.statusCode).toBe(422);
    expect(res.body.length).toBeLessThan(8_000);
    const detail = res.json().detail as Issue[];
    expect(detail[0]).toEqual({
      type: 'datetime_parsing',
      loc: ['body', 'timestamps', 0],
      msg: 'Input should be a valid ISO-8601 datetime',
      input: '2024-13-01',
    });
    expect(detail.at(-1)?.msg).toBe('999,970 more issues not listed (1,000,000 in total)');
  });

  it('never echoes a huge value back', async () => {
    const res = await postText('/auth/login', JSON.stringify({ email: 'x'.repeat(10_000_000) }), undefined);
    expect(res.statusCode).toBe(422);
    expect(res.body.length).toBeLessThan(1000);
    expect(res.json().detail).toEqual([
      {
        type: 'missing',
        loc: ['body', 'password'],
        msg: 'Field required',
        input: { email: `${'x'.repeat(100)}… (10,000,000 characters)` },
      },
      {
        type: 'string_too_long',
        loc: ['body', 'email'],
        msg: 'String should have at most 320 characters',
        input: `${'x'.repeat(100)}… (10,000,000 characters)`,
      },
    ]);
  });
});

describe(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`, () => {
  it('is a clear 422 on every JSON route, /auth/login included, however deep', async () => {
    const ops = jsonOperations();
    expect(ops.map((o) => o.path)).toContain('/auth/login');
    const failures: string[] = [];
    for (const { method, path } of ops) {
      for (const depth of [MAX_JSON_DEPTH + 1, 10_000, 100_000]) {
        for (const body of [nestedArrays(depth), nestedObjects(depth), `{"name": ${nestedArrays(depth)}}`]) {
          const res = await ctx.app.inject({
            method: method as 'POST',
            url: path,
            payload: body,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.token}` },
          });
          const detail = res.json().detail;
          const ok =
            res.statusCode === 422 &&
            Array.isArray(detail) &&
            detail[0]?.type === 'json_too_deep' &&
            (!path.startsWith('/api/') || res.json().code === 'VALIDATION_FAILED');
          if (!ok) failures.push(`${method} ${path} depth ${depth}: ${res.statusCode} ${res.body.slice(0, 200)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it(`stores free JSON (service parameters) up to ${MAX_JSON_DEPTH} levels, and reads it back`, async () => {
    expect((await ctx.post('/service/insert-service', { name: 'deep', url: 'http://127.0.0.1:1/', http_method: 'GET' })).statusCode).toBe(
      201,
    );
    // The body is one level, the parameters object the second: MAX_JSON_DEPTH - 1 levels of parameters.
    const parameters = nestedObjects(MAX_JSON_DEPTH - 2, '{}');
    const fits = await postText('/service/insert-parameter-set', `{"service_name": "deep", "name": "p", "parameters": ${parameters}}`);
    expect(fits.statusCode).toBe(201);
    const listed = await postText('/service/list-parameter-sets', '{"service_name": "deep"}');
    expect(listed.statusCode).toBe(200);
    expect(JSON.stringify(listed.json()[0].parameters)).toBe(parameters.replace(/\s/g, ''));
    const tooDeep = await postText(
      '/service/insert-parameter-set',
      `{"service_name": "deep", "name": "q", "parameters": {"a": ${parameters}}}`,
    );
    expect(tooDeep.statusCode).toBe(422);
    expect(tooDeep.json().detail).toEqual([
      {
        type: 'json_too_deep',
        loc: ['body'],
        msg: `JSON must not be nested more than ${MAX_JSON_DEPTH} levels deep (arrays and objects within one another)`,
        input: null,
      },
    ]);
  });

  it("maps PostgreSQL's own jsonb depth limit to a 422, should anything deep ever reach it", async () => {
    const deep = nestedArrays(200_000);
    const error = await ctx.db.query('SELECT $1::text::jsonb IS NOT NULL AS ok', [deep]).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (testEngine() === 'postgres') {
      expect(fromDatabaseError(error)).toMatchObject({ statusCode: 422, detail: 'A value is nested too deeply to store' });
    } else {
      // PGlite's parser takes it: there is nothing to map.
      expect(error).toBeUndefined();
    }
  });
});
