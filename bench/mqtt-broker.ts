/**
 * A private Mosquitto for the MQTT figures, configured the way the README tells deployments to
 * (persistence, no queue limit), on a free port of 127.0.0.1, in a temporary folder removed at
 * the end. The shared Mosquitto (127.0.0.1:1883) is never touched.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';

export interface PrivateBroker {
  url: string;
  /** The configuration file's text, for the report. */
  config: string;
  stop: () => Promise<void>;
}

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

export async function startPrivateMosquitto(port: number, binary = process.env.BENCH_MOSQUITTO ?? 'mosquitto'): Promise<PrivateBroker> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mirrorbase-bench-mosquitto-'));
  const config = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    // Started as root, Mosquitto would switch to the user `mosquitto`, who cannot write the temporary folder.
    `user ${userInfo().username}`,
    // What the README recommends: queued messages survive a restart, and none is dropped.
    'persistence true',
    `persistence_location ${dir}/`,
    'max_queued_messages 0',
    'max_queued_bytes 0',
    'log_dest none',
  ].join('\n');
  const file = path.join(dir, 'mosquitto.conf');
  writeFileSync(file, `${config}\n`);
  const child: ChildProcess = spawn(binary, ['-c', file], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Never left behind, even when the benchmark fails.
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode} (config ${file})`);
    if (await canConnect(port)) break;
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error('the private mosquitto did not listen within 10 s');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    config,
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
