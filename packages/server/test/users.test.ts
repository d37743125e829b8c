import { describe, expect, it } from 'vitest';
import { TEST_EMAIL, useTestApp } from './helpers/test-app.ts';

const ctx = useTestApp();

describe('/user', () => {
  it('lists users as an array of e-mail addresses in creation order', async () => {
    const res = await ctx.get('/user/list-users');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([TEST_EMAIL]);
  });

  it('creates a user who can then log in', async () => {
    const res = await ctx.post('/user/create-user', { email: 'ada@example.org', password: 'lovelace' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ detail: 'User created' });
    const login = await ctx.app.inject({ method: 'POST', url: '/auth/login', payload: { email: 'ada@example.org', password: 'lovelace' } });
    expect(login.statusCode).toBe(200);
    expect((await ctx.get('/user/list-users')).json()).toEqual([TEST_EMAIL, 'ada@example.org']);
  });

  it('stores an argon2id hash, never the password', async () => {
    const rows = await ctx.db.query<{ password_hash: string }>(`SELECT password_hash FROM users WHERE email = 'ada@example.org'`);
    expect(rows[0].password_hash).toMatch(/^\$argon2id\$/);
    expect(rows[0].password_hash).not.toContain('lovelace');
  });

  it('answers 409 for an existing user and changes nothing', async () => {
    const res = await ctx.post('/user/create-user', { email: 'ada@example.org', password: 'other' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ detail: 'User already exists' });
    const login = await ctx.app.inject({ method: 'POST', url: '/auth/login', payload: { email: 'ada@example.org', password: 'lovelace' } });
    expect(login.statusCode).toBe(200);
  });

  it('answers 422 (DTBase: 500) for an invalid e-mail address', async () => {
    const res = await ctx.post('/user/create-user', { email: 'not an email', password: 'x' });
    expect(res.statusCode).toBe(422);
    expect(res.json().detail).toMatch(/email/i);
    expect((await ctx.get('/user/list-users')).json()).not.toContain('not an email');
  });

  it('answers 422 for wrongly typed fields', async () => {
    const res = await ctx.post('/user/create-user', { email: ['a@b.c'], password: 1 });
    expect(res.statusCode).toBe(422);
    expect(
      res
        .json()
        .detail.map((d: { loc: string[] }) => d.loc.join('.'))
        .sort(),
    ).toEqual(['body.email', 'body.password']);
  });

  it('changes a password', async () => {
    const res = await ctx.post('/user/change-password', { email: 'ada@example.org', password: 'babbage' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ detail: 'Password changed' });
    const oldLogin = await ctx.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'ada@example.org', password: 'lovelace' },
    });
    expect(oldLogin.statusCode).toBe(401);
    const newLogin = await ctx.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'ada@example.org', password: 'babbage' },
    });
    expect(newLogin.statusCode).toBe(200);
  });

  it("answers 400 when changing the password of a user that doesn't exist", async () => {
    const res = await ctx.post('/user/change-password', { email: 'ghost@example.org', password: 'x' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ detail: "User doesn't exist" });
  });

  it('deletes a user, whose token then stops working', async () => {
    const login = await ctx.app.inject({ method: 'POST', url: '/auth/login', payload: { email: 'ada@example.org', password: 'babbage' } });
    const adaToken = login.json().access_token;
    const res = await ctx.post('/user/delete-user', { email: 'ada@example.org' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ detail: 'User deleted' });
    const after = await ctx.get('/user/list-users', adaToken);
    expect(after.statusCode).toBe(401);
    expect(after.json()).toEqual({ detail: 'Could not validate credentials' });
  });

  it("answers 400 when deleting a user that doesn't exist", async () => {
    const res = await ctx.post('/user/delete-user', { email: 'ada@example.org' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ detail: "User doesn't exist" });
  });

  it('requires a token on every /user route', async () => {
    for (const [method, url] of [
      ['GET', '/user/list-users'],
      ['POST', '/user/create-user'],
      ['POST', '/user/delete-user'],
      ['POST', '/user/change-password'],
    ] as const) {
      const res = await ctx.app.inject({ method, url });
      expect(res.statusCode).toBe(401);
    }
  });
});
