import { describe, expect, it } from 'vitest';
import { TEST_EMAIL, TEST_PASSWORD, TEST_SECRET, useTestApp } from './helpers/test-app.ts';
import { SignJWT } from 'jose';

const ctx = useTestApp();

async function forgeToken(claims: Record<string, unknown>, secret = TEST_SECRET, alg = 'HS256') {
  return new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}

const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;
/** Claims as the server issues them, valid now. */
const freshClaims = (tokenType: 'access' | 'refresh') => ({
  sub: TEST_EMAIL,
  token_type: tokenType,
  iat: Math.floor(Date.now() / 1000),
  iat_ms: Date.now(),
  exp: Math.floor(Date.now() / 1000) + 60,
});

describe('POST /auth/login', () => {
  it('returns an access and a refresh token with DTBase claims, an issue time in milliseconds and, on the refresh token, its id', async () => {
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
    expect(Object.keys(payload).sort()).toEqual(['exp', 'iat', 'iat_ms', 'sub', 'token_type']);
    expect(Object.keys(refresh).sort()).toEqual(['exp', 'iat', 'iat_ms', 'jti', 'sub', 'token_type']);
    expect(payload.iat).toBe(Math.floor(payload.iat_ms / 1000));
    expect(Math.abs(payload.iat_ms - Date.now())).toBeLessThan(60_000);
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

  it('refuses an expired, a tampered, an unsigned or a forged refresh token, and one without a known id', async () => {
    await ctx.services.users.create('refresher@example.org', TEST_PASSWORD, 'viewer');
    const login = async () => {
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email: 'refresher@example.org', password: TEST_PASSWORD },
      });
      return res.json().refresh_token as string;
    };
    const refreshWith = (token: string) => ctx.post('/auth/refresh', undefined, token);

    const expiring = await login();
    ctx.advanceClock(7201);
    try {
      const expired = await refreshWith(expiring);
      expect(expired.statusCode).toBe(401);
      expect(expired.json()).toEqual({ detail: 'Token has expired' });
    } finally {
      ctx.advanceClock(-7201);
    }

    const [header, payload, signature] = (await login()).split('.');
    const claims = decode(payload);
    const forged = { ...freshClaims('refresh'), sub: 'refresher@example.org' };
    for (const token of [
      // Another subject under the original signature.
      `${header}.${encode({ ...claims, sub: TEST_EMAIL })}.${signature}`,
      `${encode({ alg: 'none', typ: 'JWT' })}.${payload}.`,
      await forgeToken({ ...claims, jti: crypto.randomUUID() }, 'another-secret-another-secret-another'),
      // Validly signed, but no row was ever stored for it: not one of ours.
      await forgeToken({ ...forged, jti: crypto.randomUUID() }),
      await forgeToken(forged),
      await forgeToken({ ...forged, jti: 'not-a-uuid' }),
      await forgeToken({ ...forged, jti: 42 }),
    ]) {
      const res = await refreshWith(token);
      expect(res.statusCode, token).toBe(401);
      expect(res.json()).toEqual({ detail: 'Could not validate credentials' });
    }
    // None of those counted as the reuse of a stored token: the real one still works.
    expect((await refreshWith(`${header}.${payload}.${signature}`)).statusCode).toBe(200);
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

  it('reject a token signed with another secret or algorithm, or with missing claims', async () => {
    const exp = Math.floor(Date.now() / 1000) + 60;
    const { iat_ms, ...withoutIssueTime } = freshClaims('access');
    for (const token of [
      await forgeToken(freshClaims('access'), 'another-secret-another-secret-another'),
      await forgeToken(freshClaims('access'), TEST_SECRET, 'HS512'),
      await forgeToken({ sub: TEST_EMAIL, iat_ms, exp }),
      await forgeToken({ token_type: 'access', iat_ms, exp }),
      // A DTBase-style token (sub, token_type, exp) has no issue time to check revocations against.
      await forgeToken({ sub: TEST_EMAIL, token_type: 'access', exp }),
      await forgeToken(withoutIssueTime),
      await forgeToken({ ...freshClaims('access'), iat_ms: String(iat_ms) }),
      await forgeToken({ ...freshClaims('access'), iat_ms: iat_ms + 0.5 }),
    ]) {
      const res = await ctx.get('/user/list-users', token);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ detail: 'Could not validate credentials' });
    }
  });

  it('reject a tampered or unsigned token', async () => {
    const [header, payload, signature] = ctx.token.split('.');
    const claims = decode(payload);
    for (const token of [
      `${header}.${encode({ ...claims, sub: 'someone-else@example.org' })}.${signature}`,
      `${header}.${encode({ ...claims, exp: (claims.exp as number) + 86_400 })}.${signature}`,
      // One character in the middle of the signature (its last ones may carry only padding bits).
      `${header}.${payload}.${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`,
      `${encode({ alg: 'none', typ: 'JWT' })}.${payload}.`,
      `${encode({ alg: 'none', typ: 'JWT' })}.${payload}.${signature}`,
      `${encode({ alg: 'HS512', typ: 'JWT' })}.${payload}.${signature}`,
    ]) {
      const res = await ctx.get('/user/list-users', token);
      expect(res.statusCode, token).toBe(401);
      expect(res.json()).toEqual({ detail: 'Could not validate credentials' });
    }
    expect((await ctx.get('/user/list-users')).statusCode).toBe(200);
  });

  it('reject malformed tokens', async () => {
    for (const token of [
      'not.a.jwt',
      'nonsense',
      'a.b',
      '..',
      'a.b.c.d',
      `${encode({ alg: 'HS256' })}.not-json.x`,
      `not-json.${encode(freshClaims('access'))}.x`,
      `${'x'.repeat(10_000)}.${'y'.repeat(10_000)}.z`,
    ]) {
      const res = await ctx.get('/user/list-users', token);
      expect(res.statusCode, token.slice(0, 40)).toBe(401);
      expect(res.json()).toEqual({ detail: 'Could not validate credentials' });
    }
  });

  it('reject a validly signed token issued before its user tokens_valid_after', async () => {
    const res = await ctx.get('/user/list-users', await forgeToken({ ...freshClaims('access'), iat_ms: 0 }));
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ detail: 'Token has been revoked' });
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
