import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { openPostgres } from '../src/db/postgres-database.ts';
import { createEvents, type Events } from '../src/events/events.ts';
import { createJobRunner, type JobDefinition, type JobRunner, type JobRunnerOptions } from '../src/jobs/job-runner.ts';
import { jobsRepository } from '../src/jobs/jobs.repository.ts';
import { createPostgresDatabase, createTestDatabase, testEngine } from './helpers/test-database.ts';

/**
 * Two "replicas": on PostgreSQL two pools on one database, each with its own events port; on
 * PGlite two runners and two events ports on its one connection.
 */
interface Replica {
  db: Database;
  events: Events;
}
const replicas: Replica[] = [];
const runners: JobRunner[] = [];
let closeAll: () => Promise<void>;

beforeAll(async () => {
  if (testEngine() === 'postgres') {
    const { url, drop } = await createPostgresDatabase();
    const dbs = [await openPostgres(url, { poolSize: 4 }), await openPostgres(url, { poolSize: 4 })];
    await migrate(dbs[0]);
    for (const db of dbs) replicas.push({ db, events: createEvents({ db }) });
    closeAll = async () => {
      for (const db of dbs) await db.close();
      await drop();
    };
  } else {
    const db = await createTestDatabase();
    for (let i = 0; i < 2; i++) replicas.push({ db, events: createEvents({ db }) });
    closeAll = () => db.close();
  }
  for (const r of replicas) await r.events.start();
});

afterAll(async () => {
  for (const runner of runners) await runner.stop(1000);
  for (const r of replicas) await r.events.close();
  await closeAll?.();
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function runnerOn(replica: number, definitions: JobDefinition[], options: Partial<JobRunnerOptions> = {}): JobRunner {
  const runner = createJobRunner({ ...replicas[replica], definitions, pollMs: 0, workerId: `replica-${replica}`, ...options });
  runners.push(runner);
  return runner;
}

/** Waits until `check` holds (polling), or fails after `ms`. */
async function eventually<T>(check: () => Promise<T | undefined | false>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

/** Milliseconds from when the row was last changed to when it is due (the backoff it got). */
const backoffOf = async (id: number) =>
  (
    await replicas[0].db.query<{ ms: number }>(
      'SELECT extract(epoch FROM run_at - updated_at)::float8 * 1000 AS ms FROM job WHERE id = $1',
      [id],
    )
  )[0].ms;

describe('the job runner', () => {
  it('runs each due job exactly once with two replicas polling at once', async () => {
    const runs = new Map<number, string[]>();
    const definition = (who: string): JobDefinition => ({
      name: 'test.once',
      run: async (_payload, ctx) => {
        runs.set(ctx.id, [...(runs.get(ctx.id) ?? []), who]);
        await sleep(5);
        return { who };
      },
    });
    const a = runnerOn(0, [definition('a')]);
    const b = runnerOn(1, [definition('b')]);
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) ids.push(await a.enqueue('test.once', { i }));
    const passes = await Promise.all([a.runDue(), b.runDue()]);
    expect(passes[0] + passes[1]).toBe(30);
    expect([...runs.keys()].sort((x, y) => x - y)).toEqual(ids);
    for (const who of runs.values()) expect(who).toHaveLength(1);
    if (testEngine() === 'postgres') {
      // Two pools really ran side by side: both took some.
      expect(new Set([...runs.values()].flat())).toEqual(new Set(['a', 'b']));
    }
    const history = await a.history({ name: 'test.once', limit: 100 });
    expect(history).toHaveLength(30);
    expect(history.every((run) => run.status === 'succeeded' && run.attempts === 1 && run.finishedAt !== null)).toBe(true);
    expect(history.find((run) => run.id === ids[0])).toMatchObject({ payload: { i: 0 }, result: { who: runs.get(ids[0])![0] } });
  });

  it('enqueues each beat of a recurring job once across replicas, and runs it once', async () => {
    const beats: string[] = [];
    const definitions: JobDefinition[] = [{ name: 'test.tick', run: async (_p, ctx) => void beats.push(ctx.runAt) }];
    const recurring = [{ name: 'test.tick', job: 'test.tick', everyMs: 400 }];
    const a = runnerOn(0, definitions, { recurring });
    const b = runnerOn(1, definitions, { recurring });
    await Promise.all([a.registerSchedules(), b.registerSchedules()]);
    const until = Date.now() + 1500;
    const poll = async (runner: JobRunner) => {
      while (Date.now() < until) {
        await runner.runDue();
        await sleep(10);
      }
    };
    await Promise.all([poll(a), poll(b), poll(a)]);
    // A beat at once and one every 400 ms: about four in 1.5 s, never one twice.
    expect(beats.length).toBeGreaterThanOrEqual(2);
    expect(new Set(beats).size).toBe(beats.length);
    const times = beats.map((t) => Date.parse(t)).sort((x, y) => x - y);
    // On the grid of the first beat (to the millisecond: the database keeps microseconds).
    for (let i = 1; i < times.length; i++) expect(Math.abs(((((times[i] - times[0]) % 400) + 200) % 400) - 200)).toBeLessThanOrEqual(1);
    const [schedule] = (await a.schedules()).filter((s) => s.name === 'test.tick');
    expect(schedule).toMatchObject({ job: 'test.tick', everyMs: 400, source: 'code' });
    expect(Date.parse(schedule.nextRunAt)).toBeGreaterThan(times[times.length - 1]);
    expect(await a.history({ name: 'test.tick', limit: 100 })).toHaveLength(beats.length);
  });

  it('skips a beat while the previous run of a schedule has not finished', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let runs = 0;
    const definitions: JobDefinition[] = [
      {
        name: 'test.slow-tick',
        run: async () => {
          runs++;
          await held;
        },
      },
    ];
    const recurring = [{ name: 'test.slow-tick', job: 'test.slow-tick', everyMs: 100 }];
    const a = runnerOn(0, definitions, { recurring });
    const b = runnerOn(1, definitions, { recurring });
    await a.registerSchedules();
    const first = a.runDue();
    await eventually(async () => runs === 1);
    await sleep(250);
    // Beats fell due meanwhile; b finds the first run still running and enqueues none.
    expect(await b.runDue()).toBe(0);
    expect((await b.history({ name: 'test.slow-tick' })).map((r) => r.status)).toEqual(['running']);
    release();
    await first;
    expect(runs).toBe(1);
  });

  it('retries a failed job after a doubling backoff and records every error', async () => {
    let attempts = 0;
    const a = runnerOn(0, [
      {
        name: 'test.flaky',
        backoffMs: 300,
        maxAttempts: 3,
        run: async () => {
          attempts++;
          if (attempts < 3) throw new Error(`boom ${attempts}`);
          return 'fine';
        },
      },
    ]);
    const id = await a.enqueue('test.flaky');
    await a.runDue();
    expect(await a.get(id)).toMatchObject({ status: 'queued', attempts: 1, lastError: 'boom 1', finishedAt: null });
    expect(await backoffOf(id)).toBeCloseTo(300, -1);
    // Not due yet: nothing runs.
    expect(await a.runDue()).toBe(0);
    await eventually(async () => (await a.runDue()) === 1);
    expect(await a.get(id)).toMatchObject({ status: 'queued', attempts: 2, lastError: 'boom 2' });
    expect(await backoffOf(id)).toBeCloseTo(600, -1);
    await eventually(async () => (await a.runDue()) === 1);
    expect(await a.get(id)).toMatchObject({ status: 'succeeded', attempts: 3, result: 'fine', lastError: 'boom 2' });
  });

  it('fails a job for good when its attempts are used up', async () => {
    const a = runnerOn(0, [
      {
        name: 'test.broken',
        backoffMs: 50,
        maxAttempts: 2,
        run: async () => {
          throw new Error('always broken');
        },
      },
    ]);
    const id = await a.enqueue('test.broken', { x: 1 });
    await eventually(async () => (await a.runDue(), (await a.get(id))?.status === 'failed'));
    const run = (await a.history({ name: 'test.broken', status: 'failed' }))[0];
    expect(run).toMatchObject({ id, status: 'failed', attempts: 2, maxAttempts: 2, lastError: 'always broken', lockedBy: null });
    expect(run.finishedAt).not.toBeNull();
  });

  it('aborts a job that outlasts its timeout and records it as a failed attempt', async () => {
    let sawAbort = false;
    const a = runnerOn(0, [
      {
        name: 'test.sluggish',
        timeoutMs: 100,
        maxAttempts: 1,
        run: (_p, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve((sawAbort = true)))),
      },
    ]);
    const id = await a.enqueue('test.sluggish');
    await a.runDue();
    expect(sawAbort).toBe(true);
    expect(await a.get(id)).toMatchObject({ status: 'failed', attempts: 1, lastError: 'timed out after 100 ms' });
  });

  it('takes over a job whose runner died once its lease has expired; the dead runner can record nothing', async () => {
    let ranOn: string | undefined;
    const b = runnerOn(1, [{ name: 'test.orphan', run: async () => void (ranOn = 'b') }], { leaseMs: 5000 });
    const id = await b.enqueue('test.orphan');
    // Replica 0 claims it with a 300 ms lease, then dies (never renews, never records).
    const [claimed] = await jobsRepository(replicas[0].db).claimMany(['test.orphan'], 'replica-0', 300, 1);
    const dead = `replica-0/${id}`;
    expect(claimed).toMatchObject({ id, status: 'running', attempts: 1, lockedBy: dead });
    expect(await b.runDue()).toBe(0);
    await eventually(async () => (await b.runDue()) === 1, 3000);
    expect(ranOn).toBe('b');
    const run = await b.get(id);
    expect(run).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(run!.lastError).toMatch(/taken over/);
    // Came back to life: its claim no longer holds the job.
    expect(await jobsRepository(replicas[0].db).succeed(id, dead, '"late"')).toBe(false);
    expect(await jobsRepository(replicas[0].db).heartbeat(id, dead, 1000)).toBe(false);
    expect((await b.get(id))!.result).toBeNull();
  });

  it('fails a job whose runner died on its last attempt', async () => {
    const b = runnerOn(1, [{ name: 'test.last-orphan', maxAttempts: 1, run: async () => 'never' }]);
    const id = await b.enqueue('test.last-orphan');
    await jobsRepository(replicas[0].db).claimMany(['test.last-orphan'], 'replica-0', 100, 1);
    await sleep(150);
    await b.runDue();
    const run = await b.get(id);
    expect(run).toMatchObject({ status: 'failed', attempts: 1, result: null });
    expect(run!.lastError).toMatch(/stopped renewing its lease, and no attempts are left/);
  });

  it('renews the lease of a long job, so no other replica takes it over', async () => {
    let runs = 0;
    const definition: JobDefinition = {
      name: 'test.long',
      run: async () => {
        runs++;
        await sleep(700);
      },
    };
    const a = runnerOn(0, [definition], { leaseMs: 200 });
    const b = runnerOn(1, [definition], { leaseMs: 200 });
    const id = await a.enqueue('test.long');
    const first = a.runDue();
    await eventually(async () => runs === 1);
    const until = Date.now() + 600;
    while (Date.now() < until) {
      expect(await b.runDue()).toBe(0);
      await sleep(50);
    }
    await first;
    expect(runs).toBe(1);
    expect(await a.get(id)).toMatchObject({ status: 'succeeded', attempts: 1, lastError: null });
  });

  it('is woken through the events port when another replica enqueues a job', async () => {
    const ran: string[] = [];
    const a = runnerOn(0, [{ name: 'test.wake', run: async () => void ran.push('a') }], { pollMs: 60_000 });
    const b = runnerOn(1, [{ name: 'test.wake', run: async () => void ran.push('b') }]);
    await a.start();
    // Its first pass runs at once; the next poll would be a minute away.
    await sleep(200);
    const started = Date.now();
    const id = await b.enqueue('test.wake');
    await eventually(async () => (await a.get(id))?.status === 'succeeded', 5000);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(ran).toEqual(['a']);
    await a.stop();
  });

  it('stops after the running job finishes, within its deadline', async () => {
    const a = runnerOn(
      0,
      [
        {
          name: 'test.finishing',
          run: async () => {
            await sleep(300);
            return 'done';
          },
        },
      ],
      { pollMs: 20 },
    );
    await a.start();
    const id = await a.enqueue('test.finishing');
    await eventually(async () => (await a.get(id))?.status === 'running');
    await a.stop(5000);
    expect(await a.get(id)).toMatchObject({ status: 'succeeded', result: 'done' });
  });

  it('past its deadline, stopping aborts the job and queues it again at once for another replica', async () => {
    const a = runnerOn(
      0,
      [
        {
          name: 'test.interrupted',
          backoffMs: 60_000,
          run: (_p, ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
        },
      ],
      { pollMs: 20 },
    );
    await a.start();
    const id = await a.enqueue('test.interrupted');
    await eventually(async () => (await a.get(id))?.status === 'running');
    const started = Date.now();
    await a.stop(100);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await a.get(id)).toMatchObject({ status: 'queued', attempts: 1, lastError: 'interrupted: its process stopped', lockedBy: null });
    expect(await backoffOf(id)).toBeLessThan(50);
    // Another replica takes it at once (and it finishes there).
    const b = runnerOn(1, [{ name: 'test.interrupted', run: async () => 'resumed' }]);
    expect(await b.runDue()).toBe(1);
    expect(await b.get(id)).toMatchObject({ status: 'succeeded', attempts: 2, result: 'resumed' });
  });

  it('keeps a queryable history and prunes finished runs older than its days', async () => {
    const a = runnerOn(0, [{ name: 'test.history', run: async (payload) => payload }], { historyDays: 7 });
    const ids = [await a.enqueue('test.history', 1), await a.enqueue('test.history', 2), await a.enqueue('test.history', 3)];
    const queued = await a.history({ name: 'test.history', status: 'queued' });
    expect(queued.map((r) => r.id)).toEqual([...ids].reverse());
    await a.runDue();
    const page = await a.history({ name: 'test.history', limit: 2 });
    expect(page.map((r) => r.result)).toEqual([3, 2]);
    expect((await a.history({ name: 'test.history', beforeId: page[1].id })).map((r) => r.result)).toEqual([1]);
    expect(await a.history({ name: 'test.history', status: 'failed' })).toEqual([]);
    for (const r of page) {
      expect(Date.parse(r.startedAt!)).toBeLessThanOrEqual(Date.parse(r.finishedAt!));
      expect(Date.parse(r.createdAt)).toBeLessThanOrEqual(Date.parse(r.startedAt!));
    }

    // Two runs finished eight days ago are pruned; the third stays.
    await replicas[0].db.query(`UPDATE job SET finished_at = now() - interval '8 days' WHERE id = ANY($1::int8[])`, [[ids[0], ids[1]]]);
    const prune = await a.enqueue('jobs.prune');
    await a.runDue();
    expect((await a.get(prune))!.result).toMatchObject({ deleted: expect.any(Number) });
    expect(((await a.get(prune))!.result as { deleted: number }).deleted).toBeGreaterThanOrEqual(2);
    expect((await a.history({ name: 'test.history' })).map((r) => r.id)).toEqual([ids[2]]);
  });

  it('refuses to enqueue a job no code defines', async () => {
    const a = runnerOn(0, [{ name: 'test.known', run: async () => null }]);
    await expect(a.enqueue('test.unknown')).rejects.toThrow(/no job is defined as test.unknown/);
  });
});
