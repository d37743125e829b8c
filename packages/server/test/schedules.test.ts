import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplica, useTestApp } from './helpers/test-app.ts';
import { startRecordingService } from './helpers/recording-service.ts';

// Loopback only through the allow-list; failed attempts are retried at once.
const ctx = useTestApp({ MIRRORBASE_SERVICE_ALLOWED_HOSTS: '127.0.0.1', MIRRORBASE_SCHEDULE_RETRY_BACKOFF_SECONDS: '0' });
let service: Awaited<ReturnType<typeof startRecordingService>>;

beforeAll(async () => {
  service = await startRecordingService();
});
afterAll(async () => {
  await service?.close();
});

const send = (method: 'PATCH' | 'DELETE', url: string, body?: unknown) =>
  ctx.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${ctx.token}` },
    ...(body === undefined ? {} : { payload: body as object }),
  });

async function addService(name: string, path: string) {
  await ctx.postCreated('/service/insert-service', { name, url: `${service.base}${path}`, http_method: 'POST' });
}

async function addSchedule(body: Record<string, unknown>) {
  const res = await ctx.post('/api/v1/schedules', body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

/** As after downtime: the schedule's beat came `seconds` ago and nothing ran it. */
const makeDue = (name: string, seconds: number) =>
  ctx.db.query(`UPDATE service_schedule SET next_run_at = now() - make_interval(secs => $2) WHERE name = $1`, [name, seconds]);

const jobsOf = async (scheduleId: number) =>
  (await ctx.services.jobs.history({ name: 'schedules.run', limit: 1000 })).filter(
    (j) => (j.payload as { scheduleId: number }).scheduleId === scheduleId,
  );

describe('schedule resources', () => {
  beforeAll(async () => {
    await addService('crud-svc', '/ok/crud');
    await ctx.postCreated('/service/insert-parameter-set', { service_name: 'crud-svc', name: 'daily', parameters: { every: 'day' } });
  });

  it('creates, reads, lists, changes and deletes a schedule; shows its next fire times', async () => {
    const created = await addSchedule({
      name: 'wednesdays',
      service: 'crud-svc',
      parameter_set: 'daily',
      cron: '0 6 * * 3',
      time_zone: 'Europe/London',
    });
    expect(created).toMatchObject({
      name: 'wednesdays',
      service: 'crud-svc',
      parameter_set: 'daily',
      cron: '0 6 * * 3',
      time_zone: 'Europe/London',
      enabled: true,
      timeout_seconds: 300,
      max_attempts: 3,
      last_scheduled_at: null,
      updated_at: null,
    });
    expect(created.next_runs).toHaveLength(5);
    expect(created.next_runs[0]).toBe(created.next_run_at);
    for (const at of created.next_runs as string[]) {
      const d = new Date(at);
      // 06:00 in London is 06:00 UTC in winter and 05:00 UTC in summer, always a Wednesday.
      expect(d.getUTCDay()).toBe(3);
      expect([5, 6]).toContain(d.getUTCHours());
    }
    expect((await ctx.get('/api/v1/schedules/wednesdays')).json()).toEqual(created);
    expect((await ctx.get('/api/v1/schedules?service=crud-svc')).json().items.map((s: { name: string }) => s.name)).toEqual(['wednesdays']);

    const changed = await send('PATCH', '/api/v1/schedules/wednesdays', { cron: '*/5 * * * *', time_zone: 'UTC', max_attempts: 5 });
    expect(changed.statusCode, changed.body).toBe(200);
    const after = changed.json();
    expect(after).toMatchObject({ cron: '*/5 * * * *', time_zone: 'UTC', max_attempts: 5, parameter_set: 'daily' });
    expect(Date.parse(after.next_run_at) - Date.now()).toBeLessThanOrEqual(5 * 60_000);
    expect(after.updated_at).not.toBeNull();

    const unset = await send('PATCH', '/api/v1/schedules/wednesdays', { parameter_set: null, enabled: false });
    expect(unset.json()).toMatchObject({ parameter_set: null, enabled: false });

    const events = await ctx.count(`stream_event WHERE entity = 'service_schedule' AND key = '${created.id}'`);
    expect(events).toBe(3);

    expect((await send('DELETE', '/api/v1/schedules/wednesdays')).statusCode).toBe(204);
    expect((await ctx.get('/api/v1/schedules/wednesdays')).statusCode).toBe(404);
    expect((await send('DELETE', '/api/v1/schedules/wednesdays')).statusCode).toBe(404);
    expect(await ctx.count(`stream_event WHERE entity = 'service_schedule' AND action = 'deleted'`)).toBe(1);
  });

  it('accepts six fields, seconds first', async () => {
    const s = await addSchedule({ name: 'every-2s', service: 'crud-svc', cron: '*/2 * * * * *', enabled: false });
    const gaps = (s.next_runs as string[]).slice(1).map((t, i) => Date.parse(t) - Date.parse(s.next_runs[i]));
    expect(gaps).toEqual([2000, 2000, 2000, 2000]);
  });

  it('refuses bad input with a clear 4xx, and changes nothing', async () => {
    const before = await ctx.count('service_schedule');
    const cases: Array<[Record<string, unknown>, number, RegExp]> = [
      [{ cron: 'every day' }, 422, /cron "every day" must have 5 fields/],
      [{ cron: '61 * * * *' }, 422, /not a valid cron expression: .*minute/i],
      [{ cron: '0 0 30 2 *' }, 422, /never fires/],
      [{ cron: '* * * * * * 2030' }, 422, /must have 5 fields/],
      [{ time_zone: 'Mars/Olympus_Mons' }, 422, /not an IANA time zone/],
      [{ service: 'no-such-service' }, 422, /service "no-such-service" does not exist/],
      [{ parameter_set: 'weekly' }, 422, /parameter_set "weekly" does not exist/],
      [{ timeout_seconds: 0 }, 422, /timeout_seconds/],
      [{ name: '' }, 422, /name/],
    ];
    for (const [change, status, message] of cases) {
      const res = await ctx.post('/api/v1/schedules', { name: 'bad', service: 'crud-svc', cron: '* * * * *', ...change });
      expect(res.statusCode, JSON.stringify(change)).toBe(status);
      const { detail } = res.json();
      expect(typeof detail === 'string' ? detail : JSON.stringify(detail), JSON.stringify(change)).toMatch(message);
    }
    await addSchedule({ name: 'taken', service: 'crud-svc', cron: '* * * * *', enabled: false });
    expect((await ctx.post('/api/v1/schedules', { name: 'taken', service: 'crud-svc', cron: '* * * * *' })).statusCode).toBe(409);
    expect((await send('PATCH', '/api/v1/schedules/taken', { cron: 'nope' })).statusCode).toBe(422);
    expect((await send('PATCH', '/api/v1/schedules/taken', { time_zone: 'Nowhere' })).statusCode).toBe(422);
    expect((await send('PATCH', '/api/v1/schedules/taken', {})).statusCode).toBe(422);
    expect((await send('PATCH', '/api/v1/schedules/missing', { enabled: true })).statusCode).toBe(404);
    expect((await ctx.post('/api/v1/schedules/missing/run')).statusCode).toBe(404);
    expect(await ctx.count('service_schedule')).toBe(before + 1);
    expect((await ctx.get('/api/v1/schedules/taken')).json()).toMatchObject({ cron: '* * * * *', time_zone: 'UTC' });
  });
});

describe('running schedules', () => {
  it('sends the data window as headers; a run missed during downtime runs once', async () => {
    await addService('window-svc', '/ok/window');
    await ctx.postCreated('/service/insert-parameter-set', { service_name: 'window-svc', name: 'p', parameters: { x: 1 } });
    const s = await addSchedule({ name: 'hourly', service: 'window-svc', parameter_set: 'p', cron: '0 * * * *' });
    // Three hours and more of beats missed: one run, for the latest of them.
    await makeDue('hourly', 3 * 3600 + 60);
    await ctx.services.jobs.runDue();
    const calls = service.callsTo('/ok/window');
    expect(calls).toHaveLength(1);
    const topOfHour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000).toISOString();
    expect(calls[0].headers['mirrorbase-window-from']).toBeUndefined();
    expect(calls[0].headers['mirrorbase-window-to']).toBe(topOfHour);
    expect(JSON.parse(calls[0].body)).toEqual({ x: 1 });
    const after = (await ctx.get('/api/v1/schedules/hourly')).json();
    expect(Date.parse(after.last_scheduled_at)).toBe(Date.parse(topOfHour));
    expect(Date.parse(after.next_run_at)).toBe(Date.parse(topOfHour) + 3_600_000);
    // Nothing more is due: another pass calls nothing.
    await ctx.services.jobs.runDue();
    expect(service.callsTo('/ok/window')).toHaveLength(1);

    // The next beat: its window starts where the last ended.
    await ctx.db.query(`UPDATE service_schedule SET next_run_at = now() + interval '1 second' WHERE name = 'hourly'`);
    const nextBeat = (await ctx.db.query<{ at: string }>(`SELECT mb_iso(next_run_at) AS at FROM service_schedule WHERE name = 'hourly'`))[0]
      .at;
    await new Promise((r) => setTimeout(r, 1100));
    await ctx.services.jobs.runDue();
    const second = service.callsTo('/ok/window')[1];
    expect(second.headers['mirrorbase-window-from']).toBe(topOfHour);
    expect(Date.parse(second.headers['mirrorbase-window-to'] as string)).toBe(Date.parse(nextBeat));

    // Run now: from the last beat to now, and the plan is unchanged.
    const planned = (await ctx.get('/api/v1/schedules/hourly')).json().next_run_at;
    const queued = await ctx.post('/api/v1/schedules/hourly/run');
    expect(queued.statusCode).toBe(202);
    await ctx.services.jobs.runDue();
    const manual = service.callsTo('/ok/window')[2];
    expect(Date.parse(manual.headers['mirrorbase-window-from'] as string)).toBe(Date.parse(nextBeat));
    expect((await ctx.get('/api/v1/schedules/hourly')).json().next_run_at).toBe(planned);

    const runs = (await ctx.get('/api/v1/schedules/hourly/runs')).json().items;
    expect(runs).toHaveLength(3);
    expect(runs.every((r: { response_status_code: number }) => r.response_status_code === 200)).toBe(true);
    expect((await ctx.services.jobs.get(queued.json().job_id))?.status).toBe('succeeded');
    expect((await jobsOf(s.id)).every((j) => j.status === 'succeeded')).toBe(true);
  });

  it('retries a failing service up to max_attempts and records every failure; a disabled schedule does not run', async () => {
    await addService('broken-svc', '/fail/x');
    await addService('flaky-svc', '/flaky/x');
    // Nothing listens on port 1.
    await ctx.postCreated('/service/insert-service', { name: 'gone-svc', url: 'http://127.0.0.1:1/', http_method: 'POST' });
    await addService('garbage-svc', '/garbage/x');
    await addService('off-svc', '/ok/off');
    const broken = await addSchedule({ name: 'broken', service: 'broken-svc', cron: '* * * * *', max_attempts: 2 });
    const flaky = await addSchedule({ name: 'flaky', service: 'flaky-svc', cron: '* * * * *', max_attempts: 3 });
    const gone = await addSchedule({ name: 'gone', service: 'gone-svc', cron: '* * * * *', max_attempts: 1 });
    const garbage = await addSchedule({ name: 'garbage', service: 'garbage-svc', cron: '* * * * *', max_attempts: 1 });
    await addSchedule({ name: 'off', service: 'off-svc', cron: '* * * * *', enabled: false });
    for (const name of ['broken', 'flaky', 'gone', 'garbage', 'off']) await makeDue(name, 1);
    await ctx.services.jobs.runDue();

    const [brokenJob] = await jobsOf(broken.id);
    expect(brokenJob).toMatchObject({ status: 'failed', attempts: 2 });
    expect(brokenJob.lastError).toMatch(/status 500/);
    expect(service.callsTo('/fail/x')).toHaveLength(2);
    const brokenRuns = (await ctx.get('/api/v1/schedules/broken/runs')).json().items;
    expect(brokenRuns.map((r: { response_status_code: number }) => r.response_status_code)).toEqual([500, 500]);

    const [flakyJob] = await jobsOf(flaky.id);
    expect(flakyJob).toMatchObject({ status: 'succeeded', attempts: 2, lastError: expect.stringMatching(/status 500/) });

    const [goneJob] = await jobsOf(gone.id);
    expect(goneJob).toMatchObject({ status: 'failed', attempts: 1, lastError: 'Service could not be reached.' });
    expect((await ctx.get('/api/v1/schedules/gone/runs')).json().items[0]).toMatchObject({
      response_status_code: null,
      error: 'The service could not be reached.',
    });
    // A 200 that is not JSON is an answer: the run succeeds, the body is not kept.
    expect((await jobsOf(garbage.id))[0]).toMatchObject({ status: 'succeeded' });
    expect(service.callsTo('/ok/off')).toHaveLength(0);
  });

  it('aborts a hanging service at its timeout, while other schedules run on', async () => {
    await addService('hang-svc', '/hang/x');
    await addService('quick-svc', '/ok/quick');
    const hang = await addSchedule({ name: 'hang', service: 'hang-svc', cron: '* * * * *', timeout_seconds: 1, max_attempts: 1 });
    await addSchedule({ name: 'quick', service: 'quick-svc', cron: '* * * * *' });
    await makeDue('hang', 2);
    await makeDue('quick', 1);
    const started = Date.now();
    await ctx.services.jobs.runDue();
    const [quickCall] = service.callsTo('/ok/quick');
    expect(quickCall.at - started).toBeLessThan(900);
    const [hangJob] = await jobsOf(hang.id);
    expect(hangJob).toMatchObject({ status: 'failed', attempts: 1, lastError: expect.stringMatching(/timed out after 1000 ms/) });
    expect(Date.now() - started).toBeLessThan(5000);
    // The call itself was aborted, and logged as such once the run ended.
    await expect
      .poll(async () => (await ctx.get('/api/v1/schedules/hang/runs')).json().items[0]?.error, { timeout: 3000 })
      .toMatch(/aborted/);
  });

  it('a service or parameter set deleted takes its schedules with it; the run log stays', async () => {
    await addService('temp-svc', '/ok/temp');
    await addSchedule({ name: 'temp', service: 'temp-svc', cron: '* * * * *' });
    expect((await ctx.post('/service/delete-service', { name: 'temp-svc' })).statusCode).toBeLessThan(300);
    expect((await ctx.get('/api/v1/schedules/temp')).statusCode).toBe(404);
  });
});

describe('two replicas', () => {
  it('run each beat of a 1-second schedule once, and one runs them all when the other stops', async () => {
    const env = { MIRRORBASE_SERVICE_ALLOWED_HOSTS: '127.0.0.1', MIRRORBASE_JOBS_POLL_MS: '5000' };
    const replicas = [await startReplica(ctx.db, env), await startReplica(ctx.db, env)];
    await addService('replica-svc', '/ok/replica');
    for (const r of replicas) await r.services.jobs.start();
    try {
      await addSchedule({ name: 'every-second', service: 'replica-svc', cron: '* * * * * *' });
      const calls = () => service.callsTo('/ok/replica');
      await expect.poll(() => calls().length, { timeout: 15_000, interval: 100 }).toBeGreaterThanOrEqual(3);
      await replicas[0].services.jobs.stop();
      const stoppedAt = Date.now();
      await expect.poll(() => calls().filter((c) => c.at > stoppedAt).length, { timeout: 15_000, interval: 100 }).toBeGreaterThanOrEqual(2);
      expect((await send('PATCH', '/api/v1/schedules/every-second', { enabled: false })).statusCode).toBe(200);
      await replicas[1].services.jobs.stop();
      const windows = calls().map((c) => c.headers['mirrorbase-window-to']);
      expect(new Set(windows).size).toBe(windows.length);
      const sorted = calls().sort(
        (x, y) => Date.parse(x.headers['mirrorbase-window-to'] as string) - Date.parse(y.headers['mirrorbase-window-to'] as string),
      );
      for (let i = 1; i < sorted.length; i++)
        expect(sorted[i].headers['mirrorbase-window-from']).toBe(sorted[i - 1].headers['mirrorbase-window-to']);
    } finally {
      for (const r of replicas) {
        await r.services.jobs.stop();
        await r.app.close();
      }
    }
  }, 60_000);
});
