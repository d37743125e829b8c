import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { TEST_EMAIL, TEST_PASSWORD, useTestApp } from './helpers/test-app.ts';
import { MAX_JSON_DEPTH } from '../src/http/json-body.ts';
import { deepJson, junkValue, mutate, seededRandom, valueFor, withDeepField } from './helpers/random-input.ts';

const ctx = useTestApp();

interface Operation {
  method: string;
  path: string;
  bodySchema?: Record<string, unknown>;
  querySchema: Record<string, Record<string, unknown>>;
  secured: boolean;
  /** Its answer is an endless stream (Server-Sent Events): only the status is read. */
  streams: boolean;
}

/** The status of a streaming answer over a real connection, which is then dropped. */
async function streamStatus(url: string, token: string): Promise<number> {
  if (!ctx.app.server.listening) await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = ctx.app.server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const request = http.get(`http://127.0.0.1:${port}${url}`, { headers: { authorization: `Bearer ${token}` }, agent: false }, (res) => {
      resolve(res.statusCode ?? 0);
      request.destroy();
    });
    request.on('error', reject);
  });
}

/** Every operation in the live OpenAPI document: what the server itself says it serves. */
function operations(): Operation[] {
  const doc = ctx.app.swagger() as { paths: Record<string, Record<string, any>> };
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const querySchema: Record<string, Record<string, unknown>> = {};
      for (const p of op.parameters ?? []) if (p.in === 'query') querySchema[p.name] = p.schema ?? {};
      ops.push({
        method: method.toUpperCase(),
        path,
        bodySchema: op.requestBody?.content?.['application/json']?.schema,
        querySchema,
        secured: Array.isArray(op.security) && op.security.length > 0,
        streams: op.responses?.['200']?.content?.['text/event-stream'] !== undefined,
      });
    }
  }
  return ops;
}

/** Path parameters ({uid}) get hostile values too. */
function fillPath(path: string, random: () => number): string {
  return path.replace(/\{[^}]+\}/g, () => encodeURIComponent(String(junkValue(random, 3) ?? 'x')).slice(0, 200) || 'x');
}

function queryString(schema: Record<string, Record<string, unknown>>, random: () => number): string {
  const params = new URLSearchParams();
  for (const [name, sub] of Object.entries(schema)) {
    if (random() < 0.6) params.set(name, String(random() < 0.7 ? valueFor(sub, random) : junkValue(random, 3)));
  }
  if (random() < 0.2) params.set('unexpected', 'x');
  const text = params.toString();
  return text ? `?${text}` : '';
}

const BODIES_PER_OPERATION = 30;
/**
 * An operation with no path parameter, no query parameter and no body gets the same request
 * every time, but for the stray query parameter; thirty of them test nothing more than three,
 * and GET /api/v1/backup dumps the whole database on each (half the file's time, at thirty).
 */
const ROUNDS_WITHOUT_INPUT = 3;

function takesInput(op: Operation): boolean {
  return op.bodySchema !== undefined || Object.keys(op.querySchema).length > 0 || op.path.includes('{');
}
/** Around the accepted maximum, and far beyond it (a recursive check overflowed the stack). */
const NESTING_DEPTHS = [MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1, 5_000, 100_000];

describe('fuzzing every endpoint', () => {
  it('lists every DTBase endpoint in the OpenAPI document', () => {
    expect(operations().length).toBeGreaterThan(0);
  });

  it('never answers 5xx to random, mistyped or malformed input', async () => {
    const random = seededRandom(20261122);
    const failures: string[] = [];
    let requests = 0;
    let token = ctx.token;
    // Logout (or a password change that hit the test user) ends the session: log in again, so
    // that the operations after it are still fuzzed past authentication.
    const keepSignedIn = async () => {
      if ((await ctx.get('/api/v1/me', token)).statusCode !== 401) return;
      const login = await ctx.app.inject({ method: 'POST', url: '/auth/login', payload: { email: TEST_EMAIL, password: TEST_PASSWORD } });
      expect(login.statusCode, login.body).toBe(200);
      token = login.json().access_token;
    };
    const send = async (op: Operation, url: string, payload: string | undefined, contentType = 'application/json') => {
      requests++;
      await keepSignedIn();
      if (op.streams && op.method === 'GET') {
        const status = await streamStatus(url, token);
        if (status >= 500) failures.push(`${op.method} ${url} -> ${status}`);
        return;
      }
      const res = await ctx.app.inject({
        method: op.method as 'GET',
        url,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload === undefined ? {} : { 'content-type': contentType }),
        },
        ...(payload === undefined ? {} : { payload }),
      });
      if (res.statusCode >= 500)
        failures.push(`${op.method} ${url} ${payload?.slice(0, 200)} -> ${res.statusCode} ${res.body.slice(0, 200)}`);
    };

    let expected = 0;
    for (const op of operations()) {
      // /auth/refresh is called with the refresh token elsewhere; here it simply answers 401.
      const rounds = takesInput(op) ? BODIES_PER_OPERATION : ROUNDS_WITHOUT_INPUT;
      expected += rounds;
      for (let i = 0; i < rounds; i++) {
        const url = fillPath(op.path, random) + queryString(op.querySchema, random);
        if (op.method === 'GET' || op.method === 'DELETE') {
          await send(op, url, undefined);
          continue;
        }
        const wellTyped = valueFor(op.bodySchema, random);
        const body = i % 3 === 0 ? wellTyped : i % 3 === 1 ? mutate(wellTyped, random) : junkValue(random);
        await send(op, url, JSON.stringify(body));
      }
      // Malformed JSON, an empty JSON body, no body at all, a body of the wrong media type.
      const url = fillPath(op.path, random);
      if (op.method !== 'GET') {
        await send(op, url, '{"broken": ');
        await send(op, url, '');
        await send(op, url, undefined);
        await send(op, url, 'plain text', 'text/plain');
        await send(op, url, '\u0000\u0001', 'application/octet-stream');
        // Nesting: the whole body, or one field of a well-typed body, nested deep.
        for (const depth of NESTING_DEPTHS) {
          await send(op, url, deepJson(depth, random));
          await send(op, url, withDeepField(valueFor(op.bodySchema, random), depth, random));
        }
      }
    }
    expect(requests).toBeGreaterThanOrEqual(expected);
    expect(failures).toEqual([]);
  }, 300_000);

  it('answers 401 on every secured endpoint without a token, whatever the body', async () => {
    const random = seededRandom(7);
    for (const op of operations().filter((o) => o.secured)) {
      const res = await ctx.app.inject({
        method: op.method as 'GET',
        url: fillPath(op.path, random),
        ...(op.method === 'GET' ? {} : { payload: { junk: junkValue(random) } }),
      });
      expect(res.statusCode, `${op.method} ${op.path}`).toBe(401);
    }
  });
});
