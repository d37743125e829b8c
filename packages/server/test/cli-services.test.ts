import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, serverEnvironment } from './helpers/server-process.ts';

// `mirrorbase service register|list` on either engine: what the Helm chart's hook Job runs on
// every install and upgrade, so running it again must change nothing.
let env: Record<string, string>;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ env, cleanup } = await serverEnvironment());
});
afterAll(async () => cleanup?.());

const cli = (args: string[], extraEnv: Record<string, string> = {}) =>
  runCommand(args, { ...env, MIRRORBASE_SERVICE_ALLOWED_HOSTS: '', ...extraEnv });

describe('mirrorbase service', { timeout: 120_000 }, () => {
  it('refuses bad input changing nothing, registers once, updates in place and warns of an address the server would refuse', async () => {
    const noUrl = await cli(['service', 'register', 'weather']);
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain('mirrorbase service register needs --url');
    const badMethod = await cli(['service', 'register', 'weather', '--url', 'http://127.0.0.1:8080/', '--method', 'PATCH']);
    expect(badMethod.code).toBe(2);
    expect(badMethod.stderr).toContain('--method must be one of GET, POST, PUT, DELETE, not "PATCH"');
    const badUrl = await cli(['service', 'register', 'weather', '--url', 'ftp://weather/']);
    expect(badUrl).toMatchObject({ code: 1, stderr: 'error: url must be an absolute http or https URL, got "ftp://weather/"\n' });

    // A loopback address is refused by the server's policy unless allowed: registered, with a warning.
    const url = 'http://127.0.0.1:8080/';
    const created = await cli(['service', 'register', 'weather', '--url', url]);
    expect(created).toMatchObject({ code: 0, stdout: 'created: service weather (POST)\n' });
    expect(created.stderr).toContain('warning: the server will refuse to call 127.0.0.1 (127.0.0.1 is a loopback address');

    const allowed = { MIRRORBASE_SERVICE_ALLOWED_HOSTS: '127.0.0.1' };
    expect(await cli(['service', 'register', 'weather', '--url', url, '--method', 'post'], allowed)).toMatchObject({
      code: 0,
      stdout: 'unchanged: service weather (POST)\n',
      stderr: '',
    });
    expect(await cli(['service', 'register', 'weather', '--url', url, '--method', 'GET'], allowed)).toMatchObject({
      code: 0,
      stdout: 'updated: service weather (GET)\n',
    });
    // One service, as last told: the refused attempts left nothing behind.
    expect(await cli(['service', 'list'])).toMatchObject({ code: 0, stdout: `weather\tGET\t${url}\n` });
    expect((await cli(['service', 'frobnicate'])).code).toBe(2);
  });
});
