import { describe, expect, it } from 'vitest';
import { TEST_EMAIL, TEST_PASSWORD, TEST_SECRET, useTestApp } from './helpers/test-app.ts';
import { SignJWT } from 'jose';

const ctx = useTestApp();

async function forgeToken(claims: Record<string, unknown>, secret = TEST_SECRET) {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}

describe('POST /auth/login', () => {
  it('returns an access and a refresh token with DTBase claims', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: '/auth/login', payload: { email: TEST_EMAIL, password: TEST_PASSWORD } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['access_token', 'refresh_token']);
    const [header, payload] = body.access_token
      .split('.')
      .slice(0, 2)
      .map((p: string) => JSON.parse(Buffer.from(p, 'base64url').toString()));
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload.sub).toBe(TEST_EMAIL);
    expect(payload.token_type).toBe('access');
    const refresh = JSON.parse(Buffer.from(body.refresh_token.split('.')[1], 'base64url').toString());
    expect(refresh.token_type).toBe('refresh');
    expect(refresh.exp - payload.exp).toBe(3600);
    expect(payload.exp - Math.floor(Date.now() / 1000)).toBeGreaterThan(3590);
  });

  it('answers 401 with the same message for a wrong password and an unknown user', async () => {
    for (const payload of [
      { email: TEST_EMAIL, password: 'nope' },
      { email: 'ghost@example.org', password: TEST_PASSWORD },
    ]) {
      const res = await ctx.app.inject({ method: 'POST', url: '/auth/login', payload });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ detail: 'Incorrect email or password' });
    }
  });

  it('answers 422 in pydantic shape for a missing field', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: '/auth/login', payload: { email: TEST_EMAIL } });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toEqual({
      detail: [{ type: 'missing', loc: ['body', 'password'], msg: 'Field required', input: { email: TEST_EMAIL } }],
    });
  });

  it('answers 422 json_invalid for malformed JSON', async () => {
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"email": ',
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().detail[0].type).toBe('json_invalid');
  });
});

describe('POST /auth/refresh', () => {
  it('exchanges a refresh token for a new pair', async () => {
    const res = await ctx.post('/auth/refresh', undefined, ctx.refreshToken);
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.json()).sort()).toEqual(['access_token', 'refresh_token']);
  });

  it('refuses an access token', async () => {
    const res = await ctx.post('/auth/refresh', undefined, ctx.token);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ detail: 'Token of wrong type' });
  });

  it('answers Not authenticated with WWW-Authenticate when no token is sent', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: '/auth/refresh' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ detail: 'Not authenticated' });
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });
});

describe('protected routes', () => {
  it('refuse a refresh token where an access token is needed', async () => {
    const res = await ctx.get('/user/list-users', ctx.refreshToken);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ detail: 'Token of wrong type' });
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  it('check authentication before the body: no token and a bad body is 401', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: '/user/create-user', payload: { nonsense: true } });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ detail: 'Not authenticated' });
  });

  it('reject an expired token, also one that was verified (and cached) while it was valid', async () => {
    expect((await ctx.get('/user/list-users')).statusCode).toBe(200);
    ctx.advanceClock(3601);
    try {
      const res = await ctx.get('/user/list-users');
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ detail: 'Token has expired' });
    } finally {
      ctx.advanceClock(-3601);
    }
  });

  it('reject a token signed with another secret, or with missing claims', async () => {
    const exp = Math.floor(Date.now() / 1000) + 60;
    for (const token of [
      await forgeToken({ sub: TEST_EMAIL, token_type: 'access', exp }, 'another-secret-another-secret-another'),
      await forgeToken({ sub: TEST_EMAIL, exp }),
      await forgeToken({ token_type: 'access', exp }),
      'not.a.jwt',
    ]) {
      const res = await ctx.get('/user/list-users', token);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ detail: 'Could not validate credentials' });
    }
  });

  it('reject a valid token whose user no longer exists', async () => {
    const exp = Math.floor(Date.now() / 1000) + 60;
    const token = await forgeToken({ sub: 'deleted@example.org', token_type: 'access', exp });
    const res = await ctx.get('/user/list-users', token);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ detail: 'Could not validate credentials' });
  });
});

describe('framework routes', () => {
  it('answers 404 and 405 like FastAPI', async () => {
    expect((await ctx.app.inject({ method: 'GET', url: '/nowhere' })).json()).toEqual({ detail: 'Not Found' });
    const wrongMethod = await ctx.app.inject({ method: 'GET', url: '/auth/login' });
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.json()).toEqual({ detail: 'Method Not Allowed' });
  });

  it('serves health, readiness, the OpenAPI document and the docs page', async () => {
    expect((await ctx.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await ctx.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ok' });
    const doc = (await ctx.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.paths['/auth/login'].post.requestBody).toBeDefined();
    expect(doc.paths['/user/list-users'].get.security).toEqual([{ bearer: [] }]);
    for (const [url, target] of [
      ['/redoc', '/docs'],
      ['/docs/oauth2-redirect', '/docs/static/oauth2-redirect.html'],
    ]) {
      const redirect = await ctx.app.inject({ method: 'GET', url });
      expect(redirect.statusCode, url).toBe(302);
      expect(redirect.headers.location).toBe(target);
      expect((await ctx.app.inject({ method: 'GET', url: target })).statusCode).toBe(200);
    }
    const docs = await ctx.app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger');
  });
});
