import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { BaseIngress } from '../ingress.ts';

const USAGE = `usage: <service> [--params '<json>' | --params-file <path>] [--window-from <iso>] [--window-to <iso>]
       <service> --serve [--port <n>] [--host <addr>] [--mode return|post]`;

/**
 * Runs an ingress or model from the command line and resolves to the process exit code: 0 when
 * every request was written, 1 when one failed or anything went wrong (DTBase's scripts exit 0
 * either way, which hides a failed cron run). `--serve` starts the HTTP service instead.
 *
 * @example
 * process.exitCode = await runCli(new Weather());
 */
export async function runCli(
  ingress: BaseIngress<unknown>,
  argv: string[] = process.argv.slice(2),
  out: { log: (text: string) => void; error: (text: string) => void } = console,
): Promise<number> {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        params: { type: 'string' },
        'params-file': { type: 'string' },
        'window-from': { type: 'string' },
        'window-to': { type: 'string' },
        serve: { type: 'boolean' },
        port: { type: 'string' },
        host: { type: 'string' },
        mode: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      out.log(USAGE);
      return 0;
    }
    if (values.serve) {
      if (values.mode !== undefined && values.mode !== 'return' && values.mode !== 'post') throw new Error('--mode must be return or post');
      const handle = await ingress.serve({
        ...(values.port ? { port: Number(values.port) } : {}),
        ...(values.host ? { host: values.host } : {}),
        ...(values.mode ? { mode: values.mode as 'return' | 'post' } : {}),
      });
      out.log(`listening on ${handle.url}`);
      return 0;
    }
    if (values.params !== undefined && values['params-file'] !== undefined) throw new Error('give --params or --params-file, not both');
    const text = values['params-file'] !== undefined ? await readFile(values['params-file'], 'utf8') : (values.params ?? '{}');
    let params: unknown;
    try {
      params = JSON.parse(text);
    } catch {
      throw new Error('the parameters are not JSON');
    }
    const to = values['window-to'];
    const window = to ? { from: values['window-from'] ?? null, to } : undefined;
    const summary = await ingress.run(params, window);
    out.log(JSON.stringify(summary, null, 2));
    return summary.failed === 0 ? 0 : 1;
  } catch (error) {
    out.error(`error: ${(error as Error).message}\n${USAGE}`);
    return 1;
  }
}
