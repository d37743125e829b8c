import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import type { Events, MirrorbaseEvent } from '../src/events/events.ts';
import { SESSIONS_PRUNE_JOB } from '../src/modules/auth/sessions.jobs.ts';
import { startReplica, useTestApp } from './helpers/test-app.ts';

const ctx = useTestApp();
const PASSWORD = 'a password long enough';
const NEW_PASSWORD = 'another password, just as long';

let users = 0;
/** A user of its own for each test: revocations end every session of a user. */
async function newUser(role: 'admin' | 'viewer' = 'viewer'): Promise<string> {
  const email = `session-${++users}@example.org`;
  await ctx.services.users.create(email, PASSWORD, role);
  return email;
}

interface Pair {
  access: string;
  refresh: string;
}

async function login(app: App, email: string, password = PASSWORD): Promise<Pair> {
  const res = await app.inject({ method: 'POST', url: '/auth/login', payload: { email, password } });
  expect(res.statusCode, res.body).toBe(200);
  return { access: res.json().access_token, refresh: res.json().refresh_token };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const refresh = (app: App, token: string) => app.inject({ method: 'POST', url: '/auth/refresh', headers: bearer(token) });
const read = (app: App, token: string) => app.inject({ method: 'GET', url: '/sensor/list-sensor-types', headers: bearer(token) });
const logout = (app: App, token: string) => app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(token) });

function pairOf(res: LightMyRequestResponse): Pair {
  expect(res.statusCode, res.body).toBe(200);
  return { access: res.json().access_token, refresh: res.json().refresh_token };
}

const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;

function expectRevoked(res: LightMyRequestResponse) {
  expect(res.statusCode, res.body).toBe(401);
  expect(res.json()).toEqual({ detail: 'Token has been revoked' });
}

interface RefreshTokenRow {
  id: string;
  family_id: string;
  used: boolean;
  replaced_by: string | null;
  revoked: boolean;
}

const rowsOf = (email: string) =>
  ctx.db.query<RefreshTokenRow>(
    `SELECT t.id, t.family_id, t.used_at IS NOT NULL AS used, t.replaced_by, t.revoked_at IS NOT NULL AS revoked
     FROM refresh_token t JOIN users u ON u.id = t.user_id WHERE u.email = $1 ORDER BY t.issued_at, t.id`,
    [email],
  );

describe('refresh tokens rotate', () => {
  it('exchanges a refresh token once, for the next pair of its family, whose tokens work', async () => {
    const email = await newUser();
    const first = await login(ctx.app, email);
    const second = pairOf(await refresh(ctx.app, first.refresh));
    expect(second.refresh).not.toBe(first.refresh);
    expect((await read(ctx.app, second.access)).statusCode).toBe(200);
    // The first pair's access token stays valid until it expires: rotation only uses up the refresh token.
    expect((await read(ctx.app, first.access)).statusCode).toBe(200);

    const [used, next] = await rowsOf(email);
    expect(used).toMatchObject({ id: claims(first.refresh).jti, used: true, replaced_by: claims(second.refresh).jti, revoked: false });
    expect(next).toMatchObject({ id: claims(second.refresh).jti, family_id: used.family_id, used: false, revoked: false });

    const third = pairOf(await refresh(ctx.app, second.refresh));
    expect((await read(ctx.app, third.access)).statusCode).toBe(200);
    expect(new Set((await rowsOf(email)).map((row) => row.family_id)).size).toBe(1);
  });

  it('answers a used refresh token presented again with 401, revoking its family and every token of the user', async () => {
    const email = await newUser();
    const laptop = await login(ctx.app, email);
    const phone = await login(ctx.app, email);
    const rotated = pairOf(await refresh(ctx.app, laptop.refresh));

    expectRevoked(await refresh(ctx.app, laptop.refresh));

    // The family: the refresh token that replaced the reused one, and its access token.
    expectRevoked(await refresh(ctx.app, rotated.refresh));
    expectRevoked(await read(ctx.app, rotated.access));
    expectRevoked(await read(ctx.app, laptop.access));
    // And the user's other sessions: access tokens carry no family, so all of them go.
    expectRevoked(await read(ctx.app, phone.access));
    expectRevoked(await refresh(ctx.app, phone.refresh));
    const rows = await rowsOf(email);
    const family = rows.find((row) => row.id === claims(laptop.refresh).jti)!.family_id;
    expect(rows.filter((row) => row.family_id === family).map((row) => row.revoked)).toEqual([true, true]);

    // Logging in again starts afresh.
    const again = await login(ctx.app, email);
    expect((await read(ctx.app, again.access)).statusCode).toBe(200);
    expect(pairOf(await refresh(ctx.app, again.refresh)).access).toBeTruthy();
  });

  it('lets one of two simultaneous exchanges of a refresh token win; the other is reuse and revokes the winner too', async () => {
    const email = await newUser();
    const pair = await login(ctx.app, email);
    const answers = await Promise.all([refresh(ctx.app, pair.refresh), refresh(ctx.app, pair.refresh)]);
    expect(answers.map((res) => res.statusCode).sort()).toEqual([200, 401]);
    const winner = pairOf(answers.find((res) => res.statusCode === 200)!);
    expectRevoked(await read(ctx.app, winner.access));
    expectRevoked(await refresh(ctx.app, winner.refresh));
  });

  it('refuses a refresh token whose row is gone (pruned), and one of a user deleted and created again', async () => {
    const email = await newUser();
    const pair = await login(ctx.app, email);
    await ctx.db.query(`DELETE FROM refresh_token WHERE id = $1`, [claims(pair.refresh).jti]);
    const gone = await refresh(ctx.app, pair.refresh);
    expect(gone.statusCode).toBe(401);
    expect(gone.json()).toEqual({ detail: 'Could not validate credentials' });

    const before = await login(ctx.app, email);
    await ctx.services.users.delete(email);
    await ctx.services.users.create(email, PASSWORD, 'viewer');
    // Same e-mail, same second: the new user's tokens_valid_after is after the old tokens.
    expectRevoked(await read(ctx.app, before.access));
    expectRevoked(await refresh(ctx.app, before.refresh));
    expect((await read(ctx.app, (await login(ctx.app, email)).access)).statusCode).toBe(200);
  });

  it('deletes expired refresh tokens in the hourly sessions.prune job, keeping the others', async () => {
    const email = await newUser();
    const pair = await login(ctx.app, email);
    pairOf(await refresh(ctx.app, pair.refresh));
    const runPrune = async () => {
      const id = await ctx.services.jobs.enqueue(SESSIONS_PRUNE_JOB);
      for (let i = 0; i < 20 && (await ctx.services.jobs.get(id))?.status !== 'succeeded'; i++) await ctx.services.jobs.runDue();
      const run = await ctx.services.jobs.get(id);
      expect(run?.status).toBe('succeeded');
      return run?.result as { deleted: number };
    };
    await runPrune();
    expect(await rowsOf(email)).toHaveLength(2);
    // Past the refresh tokens' lifetime (access 3600 s + grace 3600 s).
    ctx.advanceClock(7201);
    try {
      expect((await runPrune()).deleted).toBeGreaterThanOrEqual(2);
    } finally {
      ctx.advanceClock(-7201);
    }
    expect(await rowsOf(email)).toHaveLength(0);
    await ctx.services.jobs.registerSchedules();
    expect((await ctx.services.jobs.schedules()).find((s) => s.name === SESSIONS_PRUNE_JOB)).toMatchObject({ everyMs: 3_600_000 });
  });
});

/** Resolves with the first change of `email` that `events` delivers. */
function changeOf(events: Events, email: string, ms = 5000) {
  return new Promise<MirrorbaseEvent>((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no event for ${email}`));
    }, ms);
    const stop = events.subscribe((event) => {
      if (event.type === 'entity.changed' && event.entity === 'user' && event.key === email) {
        clearTimeout(timer);
        stop();
        resolve(event);
      }
    });
  });
}

describe("logout, a new password and a deletion end the user's sessions at once, also on another replica", () => {
  let replica: Awaited<ReturnType<typeof startReplica>>;
  beforeAll(async () => {
    replica = await startReplica(ctx.db);
  });
  afterAll(async () => {
    await replica?.app.close();
  });

  const asAdmin = (method: 'PATCH' | 'DELETE' | 'POST', url: string, payload?: object) =>
    ctx.app.inject({ method, url, headers: bearer(ctx.token), ...(payload ? { payload } : {}) });

  const revocations: {
    name: string;
    revoke: (email: string, own: Pair) => Promise<LightMyRequestResponse>;
    status: number;
    /** The password to log in with afterwards; none when the user is gone. */
    passwordAfter?: string;
  }[] = [
    { name: 'logout (POST /api/v1/auth/logout)', revoke: (_, own) => logout(ctx.app, own.access), status: 204, passwordAfter: PASSWORD },
    {
      name: "DTBase's /user/change-password, by the user itself",
      revoke: (email, own) => ctx.post('/user/change-password', { email, password: NEW_PASSWORD }, own.access),
      status: 200,
      passwordAfter: NEW_PASSWORD,
    },
    {
      name: 'PATCH /api/v1/users/{email} with a password, by an admin',
      revoke: (email) => asAdmin('PATCH', `/api/v1/users/${email}`, { password: NEW_PASSWORD }),
      status: 200,
      passwordAfter: NEW_PASSWORD,
    },
    {
      name: 'DELETE /api/v1/users/{email}/sessions, by an admin',
      revoke: (email) => asAdmin('DELETE', `/api/v1/users/${email}/sessions`),
      status: 204,
      passwordAfter: PASSWORD,
    },
    { name: "DTBase's /user/delete-user", revoke: (email) => asAdmin('POST', '/user/delete-user', { email }), status: 200 },
    { name: 'DELETE /api/v1/users/{email}', revoke: (email) => asAdmin('DELETE', `/api/v1/users/${email}`), status: 204 },
  ];

  for (const { name, revoke, status, passwordAfter } of revocations) {
    it(name, async () => {
      const email = await newUser();
      // Signed in through the other replica, whose lookup then holds the user.
      const pair = await login(replica.app, email);
      expect((await read(replica.app, pair.access)).statusCode).toBe(200);
      expect((await read(replica.app, pair.access)).statusCode).toBe(200);
      const heard = changeOf(replica.events, email);

      expect((await revoke(email, pair)).statusCode).toBe(status);

      // The replica that made the change refuses the tokens at once; the other once notified.
      const refusal = passwordAfter ? 'Token has been revoked' : 'Could not validate credentials';
      for (const res of [await read(ctx.app, pair.access), await refresh(ctx.app, pair.refresh)]) {
        expect(res.statusCode).toBe(401);
        expect(res.json().detail).toBe(refusal);
      }
      await heard;
      for (const res of [await read(replica.app, pair.access), await refresh(replica.app, pair.refresh)]) {
        expect(res.statusCode).toBe(401);
        expect(res.json().detail).toBe(refusal);
      }

      if (passwordAfter) {
        // Logging in again works at once, within the same second as the revocation.
        const again = await login(replica.app, email, passwordAfter);
        expect((await read(replica.app, again.access)).statusCode).toBe(200);
        expect((await read(ctx.app, again.access)).statusCode).toBe(200);
        if (passwordAfter !== PASSWORD) {
          const old = await replica.app.inject({ method: 'POST', url: '/auth/login', payload: { email, password: PASSWORD } });
          expect(old.statusCode).toBe(401);
        }
      } else {
        expect(await ctx.count(`users WHERE email = '${email}'`)).toBe(0);
      }
    });
  }

  it('logout needs an access token of a user: not a refresh token, not nothing', async () => {
    const email = await newUser();
    const pair = await login(ctx.app, email);
    const withRefresh = await logout(ctx.app, pair.refresh);
    expect(withRefresh.statusCode).toBe(401);
    expect(withRefresh.json().detail).toBe('Token of wrong type');
    expect((await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/logout' })).statusCode).toBe(401);
    // Nothing was revoked by those.
    expect((await read(ctx.app, pair.access)).statusCode).toBe(200);
  });

  it("lets only admins end another user's sessions, and answers 404 for an unknown user", async () => {
    const viewer = await newUser();
    const victim = await newUser();
    const victimPair = await login(ctx.app, victim);
    const { access } = await login(ctx.app, viewer);
    const refused = await ctx.app.inject({ method: 'DELETE', url: `/api/v1/users/${victim}/sessions`, headers: bearer(access) });
    expect(refused.statusCode).toBe(403);
    expect((await read(ctx.app, victimPair.access)).statusCode).toBe(200);
    const missing = await asAdmin('DELETE', '/api/v1/users/nobody@example.org/sessions');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('NOT_FOUND');
  });
});

describe('tokens_valid_after at millisecond precision', () => {
  it('refuses the token issued just before a revocation and accepts the login right after it, in the same millisecond', async () => {
    // The user first: its creation sets tokens_valid_after on the real clock, and on a loaded
    // machine that can take more than a second.
    const email = await newUser();
    // A replica whose clock stands still: everything below happens in one millisecond (in the
    // middle of a second, after the user's creation on the real clock).
    const instant = new Date(Math.floor(Date.now() / 1000) * 1000 + 2500);
    const frozen = await startReplica(ctx.db, {}, { clock: () => instant });
    try {
      const before = await login(frozen.app, email);
      expect(
        (
          await frozen.app.inject({
            method: 'POST',
            url: '/user/change-password',
            headers: bearer(before.access),
            payload: { email, password: NEW_PASSWORD },
          })
        ).statusCode,
      ).toBe(200);
      expectRevoked(await read(frozen.app, before.access));
      expectRevoked(await refresh(frozen.app, before.refresh));

      const after = await login(frozen.app, email, NEW_PASSWORD);
      expect((await read(frozen.app, after.access)).statusCode).toBe(200);
      // JWT's `iat` has whole seconds: both tokens have the same one; `iat_ms` tells them apart.
      expect(claims(after.access).iat).toBe(claims(before.access).iat);
      expect(claims(before.access).iat_ms).toBe(instant.getTime());
      expect(claims(after.access).iat_ms).toBe(instant.getTime() + 1);

      // A second revocation in the same millisecond still refuses the tokens issued after the first.
      expect((await logout(frozen.app, after.access)).statusCode).toBe(204);
      expectRevoked(await read(frozen.app, after.access));
      const third = await login(frozen.app, email, NEW_PASSWORD);
      expect((await read(frozen.app, third.access)).statusCode).toBe(200);
      // A refresh in that millisecond too: its pair counts as issued no earlier than the revocation.
      const rotated = pairOf(await refresh(frozen.app, third.refresh));
      expect((await read(frozen.app, rotated.access)).statusCode).toBe(200);
      // The replica with the real clock agrees.
      expect((await read(ctx.app, rotated.access)).statusCode).toBe(200);
      expectRevoked(await read(ctx.app, after.access));
    } finally {
      await frozen.app.close();
    }
  });
});
