import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { brotliCompressSync, constants as zlibConstants, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/test-app.ts';

// A built web app as Vite leaves it: index.html naming hashed assets, and a file of its public folder.
const root = mkdtempSync(path.join(os.tmpdir(), 'mirrorbase-web-'));
const INDEX = '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body></body></html>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(5000))});`;
mkdirSync(path.join(root, 'assets'));
writeFileSync(path.join(root, 'index.html'), INDEX);
writeFileSync(path.join(root, 'assets', 'index-abc123.js'), SCRIPT);
writeFileSync(path.join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
// A file whose compressed copy the web build wrote beside it (at a quality the server never uses, so its bytes tell).
const PAGE = `export const page = ${JSON.stringify('y'.repeat(5000))};`;
const PAGE_BR = brotliCompressSync(PAGE, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 1 } });
writeFileSync(path.join(root, 'assets', 'page-def456.js'), PAGE);
writeFileSync(path.join(root, 'assets', 'page-def456.js.br'), PAGE_BR);

describe('the web app at /', () => {
  const ctx = useTestApp({ MIRRORBASE_WEB_ROOT: root });

  const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

  it('serves index.html at / and at any page path a browser asks for, revalidated every time', async () => {
    for (const url of ['/', '/sensors', '/sensors/ws-1', '/models/runs/7?x=1']) {
      const res = await ctx.app.inject({ method: 'GET', url, headers: BROWSER });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toBe(INDEX);
    }
  });

  it('serves hashed assets for a year, compressed as the browser accepts, and answers a known ETag with 304', async () => {
    const plain = await ctx.app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.body).toBe(SCRIPT);
    const gzipped = await ctx.app.inject({ method: 'GET', url: '/assets/index-abc123.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzipped.rawPayload).toString()).toBe(SCRIPT);
    expect(gzipped.rawPayload.length).toBeLessThan(SCRIPT.length / 10);
    const brotli = await ctx.app.inject({ method: 'GET', url: '/assets/index-abc123.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(brotli.headers['content-encoding']).toBe('br');
    const again = await ctx.app.inject({
      method: 'GET',
      url: '/assets/index-abc123.js',
      headers: { 'if-none-match': String(plain.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
    expect((await ctx.app.inject({ method: 'GET', url: '/favicon.svg' })).headers['content-type']).toBe('image/svg+xml');
  });

  it("sends the web build's compressed copy of a file instead of compressing at start, and never the copy as a file of its own", async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/assets/page-def456.js', headers: { 'accept-encoding': 'br' } });
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.rawPayload.equals(PAGE_BR)).toBe(true);
    expect((await ctx.app.inject({ method: 'GET', url: '/assets/page-def456.js.br' })).statusCode).toBe(404);
  });

  it('leaves the API its own answers: JSON 404 for an unknown API path, 405 for a wrong method, 404 for a missing file', async () => {
    for (const url of ['/api/v1/nothing', '/sensor/nothing', '/docs/nothing', '/assets/missing.js', '/robots.txt']) {
      const res = await ctx.app.inject({ method: 'GET', url, headers: BROWSER });
      expect(res.statusCode, url).toBe(404);
      expect(res.json()).toEqual({ detail: 'Not Found' });
    }
    const wrongMethod = await ctx.app.inject({ method: 'GET', url: '/auth/login', headers: BROWSER });
    expect(wrongMethod.statusCode).toBe(405);
    // An API client (not asking for HTML) gets DTBase's JSON 404 for a path that is not there, / included.
    for (const url of ['/nowhere', '/sensors/ws-1', '/']) {
      for (const accept of [undefined, '*/*', 'application/json']) {
        const res = await ctx.app.inject({ method: 'GET', url, headers: accept ? { accept } : {} });
        expect(res.statusCode, `${url} ${accept}`).toBe(404);
        expect(res.json()).toEqual({ detail: 'Not Found' });
      }
    }
    // A malformed escape is a client's mistake: Fastify's router refuses it before any route.
    expect((await ctx.app.inject({ method: 'GET', url: '/%E0%A4%A' })).statusCode).toBe(400);
    expect((await ctx.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
  });

  it('sends the security headers with the page (a same-origin script policy)', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/', headers: BROWSER });
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('without a built web app', () => {
  const ctx = useTestApp({ MIRRORBASE_WEB_ROOT: path.join(root, 'not-built') });

  it('answers / with the API 404 and keeps serving the API', async () => {
    expect((await ctx.app.inject({ method: 'GET', url: '/' })).statusCode).toBe(404);
    expect((await ctx.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});
