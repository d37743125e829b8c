import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecordingService, type ReceivedCall } from './helpers/recording-service.ts';
import { BIN, serverEnvironment, startServer, waitFor, type ServerProcess } from './helpers/server-process.ts';
import { testEngine } from './helpers/test-database.ts';

// Two real server processes on one PostgreSQL database, as a deployment scales out; the
// schedule is added by the CLI, a third process. PGlite's folder belongs to one process, so
// there the same guarantees are shown by two replicas in one process (schedules.test.ts).
const PASSWORD = 'schedules-process-password';
let env: Record<string, string>;
let cleanup: () => Promise<void>;
let service: Awaited<ReturnType<typeof startRecordingService>>;
const running: ServerProcess[] = [];

beforeAll(async () => {
  service = await startRecordingService();
  const setting = await serverEnvironment();
  env = {
    ...setting.env,
    DT_DEFAULT_USER_PASS: PASSWORD,
    MIRRORBASE_ALLOW_DEFAULT_USER: '1',
    DT_JWT_SECRET_KEY: 'schedules-process-secret-0123456789-abcdefghij',
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    MIRRORBASE_SERVICE_ALLOWED_HOSTS: '127.0.0.1',
    MIRRORBASE_JOBS_LEASE_SECONDS: '5',
  };
  cleanup = setting.cleanup;
});
afterAll(async () => {
  for (const server of running) await server.stop();
  await service?.close();
  await cleanup?.();
});

async function cli(...args: string[]) {
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
  return stdout;
}

const windowOf = (call: ReceivedCall) => ({
  from: call.headers['mirrorbase-window-from'] as string | undefined,
  to: call.headers['mirrorbase-window-to'] as string,
});

describe('schedules across server processes', () => {
  it.runIf(testEngine() === 'postgres')(
    'each beat of a 2-second schedule runs once across two processes; when one stops, the other runs them all',
    async () => {
      const [a, b] = await Promise.all([startServer(env), startServer(env)]);
      running.push(a, b);
      const login = await fetch(`${a.base}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'default_user@localhost', password: PASSWORD }),
      });
      const token = (await login.json()).access_token;
      const created = await fetch(`${a.base}/service/insert-service`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ name: 'proc', url: `${service.base}/ok/proc`, http_method: 'POST' }),
      });
      expect(created.status).toBe(201);

      const added = await cli(
        'schedule',
        'add',
        'every-2s',
        '--service',
        'proc',
        '--cron',
        '*/2 * * * * *',
        '--user',
        'default_user@localhost',
      );
      expect(added).toMatch(/^created schedule every-2s; next run /);
      expect(await cli('schedule', 'list')).toMatch(/^every-2s\tproc\t-\t\*\/2 \* \* \* \* \*\tUTC\tenabled\t/);

      const calls = () => service.callsTo('/ok/proc');
      await waitFor(() => calls().length >= 3, 30_000, 'three runs with both processes up');
      await a.stop();
      const stoppedAt = Date.now();
      running.splice(running.indexOf(a), 1);
      await waitFor(() => calls().filter((c) => c.at > stoppedAt).length >= 2, 30_000, 'two runs after one process stopped');

      expect(await cli('schedule', 'disable', 'every-2s')).toBe('disabled schedule every-2s\n');
      await new Promise((r) => setTimeout(r, 2500));
      const final = calls().map(windowOf);
      await new Promise((r) => setTimeout(r, 2500));
      expect(calls()).toHaveLength(final.length);

      // Exactly once: no window twice; each window starts where the one before it ended, on the 2 s grid.
      const tos = final.map((w) => w.to);
      expect(new Set(tos).size).toBe(tos.length);
      const ordered = [...final].sort((x, y) => Date.parse(x.to) - Date.parse(y.to));
      expect(ordered[0].from).toBeUndefined();
      for (let i = 1; i < ordered.length; i++) {
        expect(ordered[i].from).toBe(ordered[i - 1].to);
        expect((Date.parse(ordered[i].to) - Date.parse(ordered[i - 1].to)) % 2000).toBe(0);
      }
      // The run log holds one run per window, all made by the schedule.
      const runs = await fetch(`${b.base}/api/v1/schedules/every-2s/runs?limit=1000`, { headers: { authorization: `Bearer ${token}` } });
      expect((await runs.json()).items).toHaveLength(final.length);
    },
    180_000,
  );
});
