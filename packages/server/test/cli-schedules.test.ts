import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, serverEnvironment } from './helpers/server-process.ts';

// The schedule commands on either engine (schedules-processes.test.ts runs them beside servers).
let env: Record<string, string>;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ env, cleanup } = await serverEnvironment());
});
afterAll(async () => cleanup?.());

const cli = (...args: string[]) => runCommand(args, env);

describe('mirrorbase schedule', { timeout: 120_000 }, () => {
  it('lists none, refuses mistakes with exit code 2 and missing things with 1', async () => {
    expect(await cli('schedule', 'list')).toMatchObject({ code: 0, stdout: '' });
    const noCron = await cli('schedule', 'add', 'x', '--service', 's', '--user', 'a@b.c');
    expect(noCron.code).toBe(2);
    expect(noCron.stderr).toContain('mirrorbase schedule add needs --cron');
    const badTimeout = await cli('schedule', 'add', 'x', '--service', 's', '--cron', '* * * * *', '--user', 'a@b.c', '--timeout', 'soon');
    expect(badTimeout.code).toBe(2);
    expect(badTimeout.stderr).toContain('--timeout takes a whole number');
    const noUser = await cli('schedule', 'add', 'x', '--service', 's', '--cron', '* * * * *', '--user', 'nobody@example.org');
    expect(noUser).toMatchObject({ code: 1, stderr: 'error: User nobody@example.org does not exist\n' });
    expect(await cli('user', 'add', 'ops@example.org', '--password', 'pw-ops-1234', '--role', 'editor')).toMatchObject({ code: 0 });
    const badCron = await cli('schedule', 'add', 'x', '--service', 's', '--cron', 'daily', '--user', 'ops@example.org');
    expect(badCron.code).toBe(1);
    expect(badCron.stderr).toContain('cron "daily" must have 5 fields');
    const noService = await cli('schedule', 'add', 'x', '--service', 's', '--cron', '0 6 * * 3', '--user', 'ops@example.org');
    expect(noService).toMatchObject({ code: 1, stderr: 'error: service "s" does not exist\n' });
    expect(await cli('schedule', 'disable', 'x')).toMatchObject({ code: 1, stderr: 'error: Schedule "x" does not exist\n' });
    expect((await cli('schedule', 'frobnicate')).code).toBe(2);
  });
});
