// The declaration of what the server's global setup provides (the PGlite template) comes with it.
import type {} from '../../../server/test/helpers/global-setup.ts';
import { afterAll, beforeAll } from 'vitest';
import { createSensor, type MeasureSpec } from '../../../server/test/helpers/sensor-fixtures.ts';
import { startTestApp, TEST_EMAIL, TEST_PASSWORD, type TestContext } from '../../../server/test/helpers/test-app.ts';

export { TEST_EMAIL, TEST_PASSWORD };

export interface SdkTestServer {
  ctx: TestContext;
  /** Where the real server listens (127.0.0.1, a free port). */
  url: string;
  /** A new API key of the test user (read-write unless told). */
  createKey(scope?: 'read' | 'read-write' | 'ingest', sensors?: string[]): Promise<string>;
  createSensor(uid: string, measures?: MeasureSpec[]): Promise<void>;
}

export const FLOAT_MEASURE: MeasureSpec[] = [{ name: 'temperature', units: 'degC', datatype: 'float' }];

let keys = 0;

/**
 * The real server (packages/server's app on a fresh PGlite or PostgreSQL database), listening
 * on a port for the SDK's fetch, for the whole test file.
 */
export function useSdkServer(env: Record<string, string> = {}): SdkTestServer {
  const holder = {} as SdkTestServer;
  beforeAll(async () => {
    const ctx = await startTestApp(env);
    const url = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    Object.assign(holder, {
      ctx,
      url,
      async createKey(scope = 'read-write', sensors) {
        // A fresh login: the context's token may have expired (tests with short token lives).
        const login = await ctx.app.inject({ method: 'POST', url: '/auth/login', payload: { email: TEST_EMAIL, password: TEST_PASSWORD } });
        const body = { name: `key-${++keys}`, scope, ...(sensors ? { sensors } : {}) };
        const res = await ctx.post('/api/v1/keys', body, login.json().access_token);
        if (res.statusCode !== 201) throw new Error(`creating a key: ${res.statusCode} ${res.body}`);
        return res.json().key as string;
      },
      async createSensor(uid, measures = FLOAT_MEASURE) {
        await createSensor(ctx.db, uid, measures);
      },
    } satisfies SdkTestServer);
  });
  afterAll(async () => {
    // Streams and keep-alive sockets the client left open would hold close() until they time out.
    holder.ctx?.app.server.closeAllConnections();
    await holder.ctx?.app.close();
    await holder.ctx?.db.close();
  });
  return holder;
}
