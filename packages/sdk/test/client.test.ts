import { describe, expect, it } from 'vitest';
import { MirrorbaseClient, MirrorbaseError, type TokenPair, type TokenStore } from '../src/index.ts';
import { TEST_EMAIL, TEST_PASSWORD, useSdkServer } from './helpers/server.ts';

const ACCESS_SECONDS = 3;
const server = useSdkServer({ DT_JWT_ACCESS_TOKEN_EXPIRES_SECONDS: String(ACCESS_SECONDS) });

/** The real fetch, noting each request's method, path and auth headers on the way. */
function recordingFetch() {
  const calls: { method: string; path: string; authorization: string | null; apiKey: string | null; status?: number }[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const call = {
      method: request.method,
      path: new URL(request.url).pathname,
      authorization: request.headers.get('authorization'),
      apiKey: request.headers.get('x-api-key'),
      status: undefined as number | undefined,
    };
    calls.push(call);
    const response = await fetch(request);
    call.status = response.status;
    return response;
  };
  return { calls, fetchImpl };
}

describe('MirrorbaseClient authentication', () => {
  it('logs in with e-mail and password and calls both surfaces with the token', async () => {
    const { calls, fetchImpl } = recordingFetch();
    const client = new MirrorbaseClient({ baseUrl: server.url, email: TEST_EMAIL, password: TEST_PASSWORD, fetch: fetchImpl, env: false });
    await client.login();
    const sensors = await client.api.GET('/api/v1/sensors', {});
    expect(sensors.response.status).toBe(200);
    const types = await client.api.POST('/sensor/insert-sensor-type', {
      body: { name: 'sdk-type', description: null, measures: [{ name: 'temperature', units: 'degC', datatype: 'float' }] },
    });
    expect(types.response.status, JSON.stringify(types.error)).toBe(201);
    // (On a slow machine the short-lived token may be refreshed in between: that is the next test's subject.)
    expect(calls.filter((c) => c.path !== '/auth/refresh').map((c) => `${c.method} ${c.path} ${c.status}`)).toEqual([
      'POST /auth/login 200',
      'GET /api/v1/sensors 200',
      'POST /sensor/insert-sensor-type 201',
    ]);
    expect(calls[1].authorization).toMatch(/^Bearer ey/);
  });

  it('refuses a wrong password with the server message and status', async () => {
    const client = new MirrorbaseClient({ baseUrl: server.url, email: TEST_EMAIL, password: 'wrong', env: false });
    const error = await client.login().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MirrorbaseError);
    expect((error as MirrorbaseError).status).toBe(401);
  });

  it('sends an API key as X-API-Key, with no login', async () => {
    const key = await server.createKey('read');
    const { calls, fetchImpl } = recordingFetch();
    const client = new MirrorbaseClient({ baseUrl: server.url, apiKey: key, fetch: fetchImpl, env: false });
    await client.login();
    const { response } = await client.api.GET('/api/v1/sensors', {});
    expect(response.status).toBe(200);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ path: '/api/v1/sensors', apiKey: key, authorization: null });
    // A read key cannot write: the server's 403 comes back as it is, not retried.
    const write = await client.api.POST('/sensor/insert-sensor-type', { body: { name: 'nope', measures: [] } as never });
    expect(write.response.status).toBe(403);
    expect(calls).toHaveLength(2);
  });

  it('takes credentials from MIRRORBASE_* environment variables', async () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, { MIRRORBASE_URL: server.url, MIRRORBASE_EMAIL: TEST_EMAIL, MIRRORBASE_PASSWORD: TEST_PASSWORD });
      const client = new MirrorbaseClient();
      expect(client.baseUrl).toBe(server.url);
      expect((await client.api.GET('/api/v1/sensors', {})).response.status).toBe(200);
    } finally {
      process.env = saved;
    }
  });

  it('refreshes the access token before it expires', async () => {
    const { calls, fetchImpl } = recordingFetch();
    const client = new MirrorbaseClient({ baseUrl: server.url, email: TEST_EMAIL, password: TEST_PASSWORD, fetch: fetchImpl, env: false });
    await client.login();
    // Past three quarters of the token's life: the next request refreshes first.
    await new Promise((resolve) => setTimeout(resolve, ACCESS_SECONDS * 800));
    const { response } = await client.api.GET('/api/v1/sensors', {});
    expect(response.status).toBe(200);
    expect(calls.map((c) => `${c.method} ${c.path} ${c.status}`)).toEqual([
      'POST /auth/login 200',
      'POST /auth/refresh 200',
      'GET /api/v1/sensors 200',
    ]);
    expect(calls[2].authorization).not.toBe(calls[1].authorization);
  });

  it('refreshes once on a 401 and repeats the request', async () => {
    const { calls, fetchImpl } = recordingFetch();
    const client = new MirrorbaseClient({ baseUrl: server.url, email: TEST_EMAIL, password: TEST_PASSWORD, fetch: fetchImpl, env: false });
    await client.login();
    // Revoke the session on the server (logout): the client's token is refused although not expired.
    const logout = await client.api.POST('/api/v1/auth/logout', {});
    expect(logout.response.status).toBe(204);
    const before = calls.length;
    const { response } = await client.api.GET('/api/v1/sensors', {});
    expect(response.status).toBe(200);
    const after = calls.slice(before).map((c) => `${c.method} ${c.path} ${c.status}`);
    // The refused token (or, on a slow machine, the refresh ahead of expiry) leads to a refused
    // refresh token, then a new login, and the request goes through.
    expect(after.slice(-3)).toEqual(['POST /auth/refresh 401', 'POST /auth/login 200', 'GET /api/v1/sensors 200']);
    expect(['GET /api/v1/sensors 401', undefined]).toContain(after.at(-4));
    expect(after.length).toBeLessThanOrEqual(4);
  });

  describe('a stored session (a browser app: tokens kept, never the password)', () => {
    function memoryStore() {
      let pair: TokenPair | undefined;
      const saves: (TokenPair | undefined)[] = [];
      const store: TokenStore = {
        load: () => pair,
        save: (next) => {
          pair = next;
          saves.push(next);
        },
      };
      return {
        store,
        saves,
        get pair() {
          return pair;
        },
      };
    }

    /** A password login whose tokens land in `store` (the login page's client); the others start from the store alone. */
    async function passwordLogin(store: TokenStore) {
      const client = new MirrorbaseClient({
        baseUrl: server.url,
        email: TEST_EMAIL,
        password: TEST_PASSWORD,
        tokenStore: store,
        env: false,
      });
      await client.login();
      return client;
    }

    it('starts from stored tokens, saves each refreshed pair, and forgets them on logout', async () => {
      const memory = memoryStore();
      await passwordLogin(memory.store);
      const first = memory.pair;
      expect(first?.refresh_token).toBeTruthy();
      // A new client (a reload) with the store only: no password, yet it is logged in.
      const { calls, fetchImpl } = recordingFetch();
      const client = new MirrorbaseClient({ baseUrl: server.url, tokenStore: memory.store, fetch: fetchImpl, env: false });
      expect(client.loggedIn).toBe(true);
      expect((await client.api.GET('/api/v1/me', {})).response.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, ACCESS_SECONDS * 800));
      expect((await client.api.GET('/api/v1/me', {})).response.status).toBe(200);
      expect(calls.map((c) => c.path)).toContain('/auth/refresh');
      expect(memory.pair?.refresh_token).not.toBe(first?.refresh_token);
      await client.logout();
      expect(client.loggedIn).toBe(false);
      expect(memory.pair).toBeUndefined();
    });

    it('takes the tokens another client on the same store refreshed, instead of presenting a used refresh token', async () => {
      const memory = memoryStore();
      await passwordLogin(memory.store);
      const tabA = new MirrorbaseClient({ baseUrl: server.url, tokenStore: memory.store, env: false });
      const tabB = new MirrorbaseClient({ baseUrl: server.url, tokenStore: memory.store, env: false });
      await tabA.refreshCredentials();
      // Tab B still holds the old pair; presenting its refresh token again would end every session.
      await tabB.refreshCredentials();
      expect((await tabA.api.GET('/api/v1/me', {})).response.status).toBe(200);
      expect((await tabB.api.GET('/api/v1/me', {})).response.status).toBe(200);
    });

    it('ends with a 401 and an empty store when the refresh token is refused (there is no password to fall back on)', async () => {
      const memory = memoryStore();
      const login = await passwordLogin(memory.store);
      await login.api.POST('/api/v1/auth/logout', {}); // revokes the refresh token on the server
      const client = new MirrorbaseClient({ baseUrl: server.url, tokenStore: memory.store, env: false });
      const error = await client.refreshCredentials().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MirrorbaseError);
      expect((error as MirrorbaseError).status).toBe(401);
      expect(memory.pair).toBeUndefined();
    });
  });
});
