import { describe, expect, it } from 'vitest';
import { expectAllNeedToken, readAllPages } from './helpers/api-paging.ts';
import { TEST_EMAIL, useTestApp } from './helpers/test-app.ts';

const ctx = useTestApp();
const EMAILS = Array.from({ length: 6 }, (_, i) => `user${i}@example.org`);

describe('GET /api/v1/users', () => {
  it('lists users by id with their e-mail and creation time, never a password hash', async () => {
    for (const email of EMAILS) expect((await ctx.post('/user/create-user', { email, password: 'pw' })).statusCode).toBe(201);
    const res = await ctx.get('/api/v1/users');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-range']).toBe('items 0-6/*');
    const body = res.json();
    expect(body.next_cursor).toBeNull();
    expect(body.items.map((u: { email: string }) => u.email)).toEqual([TEST_EMAIL, ...EMAILS]);
    expect(Object.keys(body.items[0]).sort()).toEqual(['created_at', 'email', 'id', 'role']);
    expect(body.items[0].created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('pages with a cursor, losing and repeating nothing', async () => {
    const { items, pages } = await readAllPages<{ email: string }>(ctx, '/api/v1/users', 3);
    expect(pages).toBe(3);
    expect(items.map((u) => u.email)).toEqual([TEST_EMAIL, ...EMAILS]);
  });

  it('answers 422 for a bad limit or cursor', async () => {
    for (const query of ['limit=0', 'limit=1001', 'limit=ten', 'cursor=garbage', 'cursor=']) {
      const res = await ctx.get(`/api/v1/users?${query}`);
      expect(res.statusCode, query).toBe(422);
      expect(res.json().code, query).toBe('VALIDATION_FAILED');
    }
  });
});

describe('GET /api/v1/users/{email}', () => {
  it('returns one user', async () => {
    const res = await ctx.get(`/api/v1/users/${EMAILS[2]}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ email: EMAILS[2] });
  });

  it('answers 404 with a code for an unknown user', async () => {
    const res = await ctx.get('/api/v1/users/ghost@example.org');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ detail: 'User "ghost@example.org" does not exist', code: 'NOT_FOUND' });
  });
});

describe('authentication', () => {
  it('requires a token', async () => {
    await expectAllNeedToken(ctx, ['/api/v1/users', `/api/v1/users/${TEST_EMAIL}`]);
  });
});
