import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_EMAIL, TEST_PASSWORD, useTestApp } from './helpers/test-app.ts';

const ctx = useTestApp();
const clientDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dtbase-client');

function runPython(script: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [script], { cwd: clientDir, env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

let address: string;
beforeAll(async () => {
  address = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
});

describe('a DTBase client, unchanged', () => {
  it('logs in, records a sensor with readings and a model run, and reads them back over real HTTP', async () => {
    const result = await runPython('scenario.py', {
      DT_BACKEND_URL: address,
      DT_TEST_EMAIL: TEST_EMAIL,
      DT_TEST_PASSWORD: TEST_PASSWORD,
    });
    expect(result.output).toContain('dtbase client scenario: ok');
    expect(result.code).toBe(0);
  }, 60_000);

  it("runs an ingress and a model written against DTBase's BaseIngress/BaseModel, twice, and reads their skill", async () => {
    const result = await runPython('services_scenario.py', {
      DT_BACKEND_URL: address,
      DT_DEFAULT_USER_EMAIL: TEST_EMAIL,
      DT_DEFAULT_USER_PASS: TEST_PASSWORD,
    });
    expect(result.output).toContain('dtbase services scenario: ok');
    expect(result.code).toBe(0);
  }, 60_000);
});
