import { afterAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestContext, useTestApp } from './helpers/test-app.ts';

const ctx = useTestApp();

/** Apps with settings of their own, closed after the file. */
const others: TestContext[] = [];
async function appWith(env: Record<string, string>): Promise<TestContext> {
  const app = await startTestApp(env);
  others.push(app);
  return app;
}
afterAll(async () => {
  for (const other of others) {
    await other.app.close();
    await other.db.close();
  }
});

describe('security headers', () => {
  it.each([
    ['an API answer', () => ctx.get('/api/v1/me')],
    ['a refusal', () => ctx.app.inject({ method: 'GET', url: '/api/v1/me' })],
    ['a missing page', () => ctx.app.inject({ method: 'GET', url: '/no/such/page' })],
    ['the API documentation', () => ctx.app.inject({ method: 'GET', url: '/docs/' })],
  ])('are on %s', async (_what, call) => {
    const res = await call();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(res.headers['x-powered-by']).toBeUndefined();
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'self'");
  });

  it('let the Swagger UI at /docs work: its page loads only same-origin scripts, none inline', async () => {
    const page = await ctx.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    const csp = String(page.headers['content-security-policy']);
    // Plain HTTP on a local network is common: the page's own files must not be sent to https://.
    expect(csp).not.toContain('upgrade-insecure-requests');
    const scripts = [...page.body.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, inline] of scripts) {
      expect(inline.trim(), 'an inline script would be refused by script-src').toBe('');
      const src = /src="([^"]+)"/.exec(attributes)?.[1];
      expect(src).toMatch(/^\.\/static\//);
      const file = await ctx.app.inject({ method: 'GET', url: `/docs/${src!.slice(2)}` });
      expect(file.statusCode, src).toBe(200);
    }
    // The initializer fetches the document from this server (connect-src 'self'), checks it with no
    // outside validator, and draws its logo from a data: URL (img-src data:).
    const initializer = await ctx.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    expect(initializer.body).toContain("url: resolveUrl('./json')");
    expect(initializer.body).toContain('validatorUrl: null');
    expect(initializer.body).toMatch(/img\.src = 'data:image\//);
    expect(csp).toMatch(/img-src [^;]*data:/);
  });
});

describe('CORS', () => {
  it('is closed by default outside development: no cross-origin answer for any origin', async () => {
    const res = await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { origin: 'https://evil.example', authorization: `Bearer ${ctx.token}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await ctx.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/me',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('answers the configured origins only, with the methods and headers the API uses', async () => {
    const other = await appWith({ MIRRORBASE_CORS_ORIGINS: 'https://twin.example.org, http://localhost:5173' });
    const preflight = await other.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/sensors',
      headers: {
        origin: 'https://twin.example.org',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://twin.example.org');
    expect(String(preflight.headers['access-control-allow-methods'])).toContain('DELETE');
    expect(String(preflight.headers['access-control-allow-headers'])).toContain('authorization');
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();

    const allowed = await other.app.inject({
      method: 'GET',
      url: '/api/v1/sensors',
      headers: { origin: 'http://localhost:5173', authorization: `Bearer ${other.token}` },
    });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(String(allowed.headers['access-control-expose-headers'])).toContain('content-range');
    expect(String(allowed.headers.vary)).toContain('Origin');

    for (const origin of ['https://evil.example', 'https://twin.example.org.evil.example', 'http://twin.example.org']) {
      const refused = await other.app.inject({
        method: 'GET',
        url: '/api/v1/sensors',
        headers: { origin, authorization: `Bearer ${other.token}` },
      });
      expect(refused.headers['access-control-allow-origin'], origin).toBeUndefined();
    }
  });
});

describe('the per-address request limit', () => {
  it('answers 429 with Retry-After past the limit, before authentication, and spares the probes and other addresses', async () => {
    const limit = 5;
    // The test app's own login counted once already.
    const other = await appWith({ MIRRORBASE_RATE_LIMIT_PER_MINUTE: String(limit) });
    const statuses: number[] = [];
    for (let i = 0; i < limit - 1; i++) statuses.push((await other.get('/api/v1/me')).statusCode);
    expect(statuses).toEqual(Array(limit - 1).fill(200));

    const refused = await other.get('/api/v1/me');
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.json()).toEqual({
      detail: `Too many requests from your address (at most ${limit} a minute): try again in ${refused.headers['retry-after']} seconds`,
      code: 'TOO_MANY_REQUESTS',
    });
    // Without a token: still 429, not 401 (refused before any credential is looked at).
    const anonymous = await other.app.inject({ method: 'POST', url: '/sensor/list-sensors', payload: {} });
    expect(anonymous.statusCode).toBe(429);
    expect(anonymous.json()).toEqual({ detail: expect.stringMatching(/^Too many requests from your address/) });

    expect((await other.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await other.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const elsewhere = await other.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${other.token}` },
      remoteAddress: '198.51.100.9',
    });
    expect(elsewhere.statusCode).toBe(200);
  });

  it('counts the client a trusted proxy names, and ignores X-Forwarded-For from anyone else', async () => {
    const behindProxy = await appWith({ MIRRORBASE_RATE_LIMIT_PER_MINUTE: '2', MIRRORBASE_TRUST_PROXY: '1' });
    const viaProxy = (client: string) =>
      behindProxy.app.inject({ method: 'GET', url: '/api/v1/me', headers: { 'x-forwarded-for': client }, remoteAddress: '10.0.0.2' });
    // Two clients behind one proxy: each has its own count.
    for (const client of ['192.0.2.1', '192.0.2.1', '192.0.2.2', '192.0.2.2']) expect((await viaProxy(client)).statusCode).toBe(401);
    expect((await viaProxy('192.0.2.1')).statusCode).toBe(429);

    const direct = await appWith({ MIRRORBASE_RATE_LIMIT_PER_MINUTE: '3' });
    const spoofed = (client: string) =>
      direct.app.inject({ method: 'GET', url: '/api/v1/me', headers: { 'x-forwarded-for': client }, remoteAddress: '192.0.2.50' });
    // Made-up X-Forwarded-For addresses do not buy a client a fresh count.
    for (const client of ['192.0.2.60', '192.0.2.61', '192.0.2.62']) expect((await spoofed(client)).statusCode).toBe(401);
    expect((await spoofed('192.0.2.63')).statusCode).toBe(429);
  });
});
