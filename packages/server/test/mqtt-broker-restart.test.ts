import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { connectClient, uniqueRoot, waitFor } from './helpers/mqtt.ts';
import { freePort } from './helpers/server-process.ts';
import { createSensor } from './helpers/sensor-fixtures.ts';
import { startTestApp, type TestContext } from './helpers/test-app.ts';

// A private Mosquitto (the shared one must not be restarted): the bridge rides out its restart.
const root = uniqueRoot('mbrestart');
let ctx: TestContext;
let dir: string;
let port: number;
let broker: ChildProcess | undefined;

async function startBroker() {
  broker = spawn('mosquitto', ['-c', path.join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
  await waitFor(async () => {
    try {
      const c = await connectClient(`mqtt://127.0.0.1:${port}`);
      await c.endAsync();
      return true;
    } catch {
      return false;
    }
  });
}

async function stopBroker() {
  const b = broker;
  broker = undefined;
  if (!b || b.exitCode !== null) return;
  const exited = new Promise((resolve) => b.once('exit', resolve));
  b.kill('SIGTERM');
  await exited;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mirrorbase-mosquitto-'));
  port = await freePort();
  await writeFile(
    path.join(dir, 'mosquitto.conf'),
    `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location ${dir}/\n`,
  );
  await startBroker();
  ctx = await startTestApp({
    MQTT_URL: `mqtt://127.0.0.1:${port}`,
    MQTT_TOPIC_ROOT: root,
    MQTT_CLIENT_ID: `${root}-bridge`,
    MQTT_BATCH_DELAY_MS: '10',
  });
  await createSensor(ctx.db, 'r-1', [{ name: 'level', datatype: 'integer' }]);
  await ctx.services.mqtt.start();
  await waitFor(() => ctx.services.mqtt.stats().connected);
});

afterAll(async () => {
  await ctx?.services.mqtt.stop(1000);
  await ctx?.app.close();
  await ctx?.db.close();
  await stopBroker();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a broker that goes away and comes back', { timeout: 60_000 }, () => {
  it('reconnects and goes on storing', async () => {
    const publish = async (value: number) => {
      const device = await connectClient(`mqtt://127.0.0.1:${port}`);
      await device.publishAsync(`${root}/r-1/level`, JSON.stringify({ value, timestamp: 1767225600000 + value }), { qos: 1 });
      await device.endAsync();
    };
    await waitFor(async () => {
      await publish(1);
      return (await ctx.count('reading_integer')) === 1;
    });
    await stopBroker();
    await waitFor(() => !ctx.services.mqtt.stats().connected, 5000, 'the bridge to notice');
    await startBroker();
    await waitFor(() => ctx.services.mqtt.stats().connected, 10_000, 'the bridge to reconnect');
    await publish(2);
    await waitFor(async () => (await ctx.count('reading_integer')) === 2, 10_000, 'the reading after the restart');
  });
});
