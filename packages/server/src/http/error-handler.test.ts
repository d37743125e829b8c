import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { errorHandlerPlugin } from './error-handler.ts';

/** A library's error that carries a client status and a message written for its developers. */
function libraryError(statusCode: number) {
  return Object.assign(new Error('SELECT secret FROM vault at /srv/mirrorbase/node_modules/lib/index.js:10'), { statusCode });
}

async function appThrowing(error: Error) {
  const app = Fastify({ logger: false });
  await app.register(errorHandlerPlugin, { bodyLimitBytes: 1024 });
  app.get('/fails', async () => {
    throw error;
  });
  app.get('/api/v1/fails', async () => {
    throw error;
  });
  return app;
}

describe('the error handler', () => {
  it.each([
    [400, 'Bad Request', 'BAD_REQUEST'],
    [404, 'Not Found', 'NOT_FOUND'],
    [429, 'Too Many Requests', 'TOO_MANY_REQUESTS'],
  ])("answers another library's %i with the status's own phrase, never its message", async (status, phrase, code) => {
    const app = await appThrowing(libraryError(status));
    const dtbase = await app.inject({ method: 'GET', url: '/fails' });
    expect(dtbase.statusCode).toBe(status);
    expect(dtbase.json()).toEqual({ detail: phrase });
    const api = await app.inject({ method: 'GET', url: '/api/v1/fails' });
    expect(api.json()).toEqual({ detail: phrase, code });
    await app.close();
  });

  it('answers an unexpected error with a 500 that says nothing more', async () => {
    const app = await appThrowing(libraryError(500));
    const res = await app.inject({ method: 'GET', url: '/fails' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ detail: 'Internal Server Error' });
    await app.close();
  });

  it("keeps Fastify's own client messages, which are written for clients", async () => {
    const fastifyError = Object.assign(new Error('Request body size did not match Content-Length'), {
      statusCode: 400,
      code: 'FST_ERR_CTP_INVALID_CONTENT_LENGTH',
    });
    const app = await appThrowing(fastifyError);
    const res = await app.inject({ method: 'GET', url: '/fails' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ detail: 'Request body size did not match Content-Length' });
    await app.close();
  });
});
