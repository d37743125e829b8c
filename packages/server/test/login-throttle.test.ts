import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { createLoginService } from '../src/modules/auth/login.service.ts';
import { accountKey, addressKey } from '../src/modules/auth/login-throttle.ts';
import { startReplica, useTestApp } from './helpers/test-app.ts';

const ACCOUNT_LIMIT = 4;
const ADDRESS_LIMIT = 10;
const WINDOW_SECONDS = 120;
const ctx = useTestApp({
  MIRRORBASE_LOGIN_MAX_FAILURES_PER_ACCOUNT: String(ACCOUNT_LIMIT),
  MIRRORBASE_LOGIN_MAX_FAILURES_PER_ADDRESS: String(ADDRESS_LIMIT),
  MIRRORBASE_LOGIN_FAILURE_WINDOW_SECONDS: String(WINDOW_SECONDS),
});

const PASSWORD = 'the right password';
let addressCounter = 0;
/** A client address of its own for each test, so that one test's failures do not count in another's. */
const freshAddress = () => `203.0.113.${++addressCounter}`;

async function newUser(name: string): Promise<string> {
  const email = `${name}@example.org`;
  await ctx.services.users.create(email, PASSWORD, 'viewer');
  return email;
}

const login = (email: string, password: string, remoteAddress: string, app = ctx.app) =>
  app.inject({ method: 'POST', url: '/auth/login', payload: { email, password }, remoteAddress });

describe('failed logins, per account', () => {
  it(`answers 429 with Retry-After after ${ACCOUNT_LIMIT} failures, also to the right password, and says why`, async () => {
    const email = await newUser('locked');
    const address = freshAddress();
    for (let i = 0; i < ACCOUNT_LIMIT; i++) {
      const res = await login(email, `wrong ${i}`, address);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ detail: 'Incorrect email or password' });
    }
    for (const password of ['wrong again', PASSWORD]) {
      const res = await login(email, password, address);
      expect(res.statusCode).toBe(429);
      const retryAfter = Number(res.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(WINDOW_SECONDS - 10);
      expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
      expect(res.json()).toEqual({ detail: `Too many failed logins for this account: try again in ${retryAfter} seconds` });
    }
  });

  it('computes no password hash for a refused attempt', async () => {
    const email = await newUser('no-hash');
    const address = freshAddress();
    let checks = 0;
    const counted = createLoginService({
      authenticate: (e, p) => {
        checks++;
        return ctx.services.users.authenticate(e, p);
      },
      throttle: ctx.services.loginThrottle,
    });
    for (let i = 0; i < ACCOUNT_LIMIT + 20; i++) {
      await counted.login(email, 'wrong', address).catch(() => {});
    }
    expect(checks).toBe(ACCOUNT_LIMIT);
  });

  it('answers a refused attempt much faster than a checked one (no argon2)', async () => {
    const email = await newUser('fast-refusal');
    const address = freshAddress();
    const durations = async (count: number, password: string) => {
      const times: number[] = [];
      for (let i = 0; i < count; i++) {
        const start = performance.now();
        await login(email, password, address);
        times.push(performance.now() - start);
      }
      return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
    };
    const checked = await durations(ACCOUNT_LIMIT, 'wrong');
    const refused = await durations(9, 'wrong');
    expect(refused).toBeLessThan(checked / 2);
  });

  it('lets the real user in after the window that began with the first failure, however long the attacker goes on', async () => {
    const email = await newUser('window');
    const address = freshAddress();
    for (let i = 0; i < ACCOUNT_LIMIT + 5; i++) await login(email, 'wrong', address);
    ctx.advanceClock(WINDOW_SECONDS / 2);
    // Refused attempts while locked do not extend the lock.
    for (let i = 0; i < 5; i++) expect((await login(email, 'wrong', address)).statusCode).toBe(429);
    ctx.advanceClock(WINDOW_SECONDS / 2 + 1);
    expect((await login(email, PASSWORD, freshAddress())).statusCode).toBe(200);
  });

  it('clears the account counter on a success', async () => {
    const email = await newUser('reset');
    const address = freshAddress();
    for (let i = 0; i < ACCOUNT_LIMIT - 1; i++) expect((await login(email, 'wrong', address)).statusCode).toBe(401);
    expect((await login(email, PASSWORD, address)).statusCode).toBe(200);
    for (let i = 0; i < ACCOUNT_LIMIT; i++) expect((await login(email, 'wrong', address)).statusCode).toBe(401);
    expect((await login(email, 'wrong', address)).statusCode).toBe(429);
  });

  it('lets an admin unlock an account at once (`mirrorbase user unlock`)', async () => {
    const email = await newUser('unlocked');
    const address = freshAddress();
    for (let i = 0; i <= ACCOUNT_LIMIT; i++) await login(email, 'wrong', address);
    expect((await login(email, PASSWORD, address)).statusCode).toBe(429);
    expect(await ctx.services.loginThrottle.clearAccount(email.toUpperCase())).toBe(true);
    expect((await login(email, PASSWORD, address)).statusCode).toBe(200);
    expect(await ctx.services.loginThrottle.clearAccount(email)).toBe(false);
  });

  it('counts an unknown e-mail address like a known one, so that the 429 does not tell which exist', async () => {
    const address = freshAddress();
    const answers: number[] = [];
    for (let i = 0; i <= ACCOUNT_LIMIT; i++) answers.push((await login('nobody@example.org', 'wrong', address)).statusCode);
    expect(answers).toEqual([...Array(ACCOUNT_LIMIT).fill(401), 429]);
  });

  it('counts the case variants of an e-mail address as one account', async () => {
    const email = await newUser('cased');
    const address = freshAddress();
    for (let i = 0; i < ACCOUNT_LIMIT; i++) await login(i % 2 ? email.toUpperCase() : email, 'wrong', address);
    expect((await login(email, PASSWORD, address)).statusCode).toBe(429);
  });

  it('lets no more than the limit through when the guesses arrive all at once', async () => {
    const email = await newUser('burst');
    const address = freshAddress();
    const answers = await Promise.all(Array.from({ length: ACCOUNT_LIMIT * 3 }, () => login(email, 'wrong', address)));
    const statuses = answers.map((res) => res.statusCode);
    expect(statuses.filter((s) => s === 401)).toHaveLength(ACCOUNT_LIMIT);
    expect(statuses.filter((s) => s === 429)).toHaveLength(ACCOUNT_LIMIT * 2);
  });
});

describe('failed logins, per client address', () => {
  it(`refuses an address after ${ADDRESS_LIMIT} failures over many accounts, and no other address`, async () => {
    const address = freshAddress();
    for (let i = 0; i < ADDRESS_LIMIT; i++) {
      expect((await login(`sprayed-${i}@example.org`, 'Winter2026!', address)).statusCode).toBe(401);
    }
    const refused = await login('sprayed-next@example.org', 'Winter2026!', address);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().detail).toMatch(/^Too many failed logins from your address: try again in \d+ seconds$/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);

    const email = await newUser('elsewhere');
    expect((await login(email, PASSWORD, freshAddress())).statusCode).toBe(200);
  });

  it('does not count successes against the address (many people behind one NAT)', async () => {
    const address = freshAddress();
    const email = await newUser('office');
    for (let i = 0; i < ADDRESS_LIMIT * 2; i++) expect((await login(email, PASSWORD, address)).statusCode).toBe(200);
  });

  it('keeps the address failures that a success on another account did not cause', async () => {
    const address = freshAddress();
    const own = await newUser('sprayer-own');
    for (let i = 0; i < ADDRESS_LIMIT - 1; i++) await login(`target-${i}@example.org`, 'guess', address);
    // The attacker's own valid account gets in, and does not wipe the spray count.
    expect((await login(own, PASSWORD, address)).statusCode).toBe(200);
    expect((await login('target-last@example.org', 'guess', address)).statusCode).toBe(401);
    expect((await login('target-more@example.org', 'guess', address)).statusCode).toBe(429);
  });

  it('counts an IPv6 client by its /64, where one customer gets many addresses', async () => {
    for (let i = 0; i < ADDRESS_LIMIT; i++) {
      await login(`v6-${i}@example.org`, 'guess', `2001:db8:1:2::${(i + 1).toString(16)}`);
    }
    expect((await login('v6-next@example.org', 'guess', '2001:db8:1:2:ffff::1')).statusCode).toBe(429);
    expect((await login('v6-next@example.org', 'guess', '2001:db8:1:3::1')).statusCode).toBe(401);
  });
});

describe('failed logins across replicas', () => {
  it('are counted together by two server processes on one database', async () => {
    const email = await newUser('replicated');
    const address = freshAddress();
    const second = await startReplica(ctx.db, {
      MIRRORBASE_LOGIN_MAX_FAILURES_PER_ACCOUNT: String(ACCOUNT_LIMIT),
      MIRRORBASE_LOGIN_MAX_FAILURES_PER_ADDRESS: String(ADDRESS_LIMIT),
      MIRRORBASE_LOGIN_FAILURE_WINDOW_SECONDS: String(WINDOW_SECONDS),
    });
    try {
      for (let i = 0; i < ACCOUNT_LIMIT; i++) {
        const app = i % 2 ? second.app : ctx.app;
        expect((await login(email, 'wrong', address, app)).statusCode).toBe(401);
      }
      expect((await login(email, PASSWORD, address, ctx.app)).statusCode).toBe(429);
      expect((await login(email, PASSWORD, freshAddress(), second.app)).statusCode).toBe(429);
    } finally {
      await second.app.close();
    }
  });
});

describe('the login_throttle table', () => {
  it('holds hashes, never an e-mail or client address', async () => {
    const email = await newUser('private');
    await login(email, 'wrong', '198.51.100.77');
    const keys = (await ctx.db.query<{ key: string }>('SELECT key FROM login_throttle')).map((row) => row.key);
    expect(keys).toContain(accountKey(email));
    expect(keys).toContain(addressKey('198.51.100.77'));
    expect(keys.join(' ')).not.toMatch(/private|example\.org|198\.51/);
  });

  it('is pruned of the windows that ended, by an hourly job', async () => {
    const prune = async () => {
      const id = await ctx.services.jobs.enqueue('auth.login-throttle.prune');
      await ctx.services.jobs.runDue();
      return (await ctx.services.jobs.get(id))?.result;
    };
    // The windows of the tests before the clock moved have ended already.
    await prune();
    const before = await ctx.count('login_throttle');
    expect(before).toBeGreaterThan(0);
    await ctx.services.jobs.registerSchedules();
    const [schedule] = (await ctx.services.jobs.schedules()).filter((s) => s.name === 'auth.login-throttle.prune');
    expect(schedule).toMatchObject({ job: 'auth.login-throttle.prune', everyMs: 3_600_000 });

    // Windows still running are kept.
    expect(await prune()).toEqual({ deleted: 0 });
    expect(await ctx.count('login_throttle')).toBe(before);

    ctx.advanceClock(WINDOW_SECONDS + 1);
    expect(await prune()).toEqual({ deleted: before });
    expect(await ctx.count('login_throttle')).toBe(0);
  });
});

describe('unknown e-mail addresses', () => {
  it('take as long to refuse as a wrong password for a known user (the decoy hash is checked)', async () => {
    const email = await newUser('timed');
    const timed = async (who: string) => {
      const start = performance.now();
      const res = await login(who, 'wrong', freshAddress());
      const ms = performance.now() - start;
      expect(res.statusCode).toBe(401);
      // Start each account afresh: this test measures the check, not the throttle.
      await ctx.services.loginThrottle.clearAccount(who);
      return ms;
    };
    // Interleaved, so that the load of a busy machine falls on both alike; the fastest of each
    // is the closest to its own cost.
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 5; i++) {
      known.push(await timed(email));
      unknown.push(await timed('nobody-at-all@example.org'));
    }
    // Loosely: without the decoy, an unknown address would take a database look-up (~1 ms)
    // against an argon2 verification (tens of ms).
    expect(Math.min(...unknown)).toBeGreaterThan(Math.min(...known) * 0.4);
    expect(Math.min(...known)).toBeGreaterThan(Math.min(...unknown) * 0.4);
  });
});
