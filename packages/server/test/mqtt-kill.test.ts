import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/connection.ts';
import { migrate } from '../src/db/migrate.ts';
import { connectClient, MOSQUITTO_URL, uniqueRoot, waitFor } from './helpers/mqtt.ts';
import { createSensor } from './helpers/sensor-fixtures.ts';
import { serverEnvironment, startServer, type ServerProcess } from './helpers/server-process.ts';

const root = uniqueRoot('mbkill');
/** Below Mosquitto's default max_queued_messages (1000): what waits for a dead bridge must all fit. */
const MESSAGES = 800;
const PASSWORD = 'mqtt-kill-test-password';
let environment: Awaited<ReturnType<typeof serverEnvironment>>;
let env: Record<string, string>;

beforeAll(async () => {
  environment = await serverEnvironment();
  const db = await openDatabase(loadConfig({ ...environment.env, NODE_ENV: 'test' }));
  await migrate(db);
  await createSensor(db, 'k-1', [{ name: 'level', datatype: 'integer' }]);
  await db.close();
  env = {
    ...environment.env,
    MQTT_URL: MOSQUITTO_URL,
    MQTT_TOPIC_ROOT: root,
    MQTT_CLIENT_ID: `${root}-server`,
    MQTT_SESSION_EXPIRY_SECONDS: '120',
    DT_DEFAULT_USER_PASS: PASSWORD,
    LOG_LEVEL: 'warn',
  };
});
afterAll(async () => {
  await environment?.cleanup();
});

async function mqttStatus(server: ServerProcess) {
  const login = await fetch(`${server.base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'default_user@localhost', password: PASSWORD }),
  });
  const { access_token } = await login.json();
  return (await fetch(`${server.base}/api/v1/mqtt`, { headers: { authorization: `Bearer ${access_token}` } })).json();
}

describe('MQTT bridge killed mid-stream', { timeout: 120_000 }, () => {
  it('stores every QoS 1 message exactly once after a restart with the same client id', async () => {
    const first = await startServer(env);
    await waitFor(async () => (await mqttStatus(first)).connected, 10_000, 'the bridge to connect');
    const publisher = await connectClient(MOSQUITTO_URL);
    const base = Date.parse('2026-03-01T00:00:00Z');
    let killed = false;
    const publishing = (async () => {
      for (let i = 0; i < MESSAGES; i++) {
        await publisher.publishAsync(`${root}/k-1/level`, JSON.stringify({ value: i, timestamp: base + i * 1000 }), { qos: 1 });
        if (i === MESSAGES / 4) {
          // Mid-stream: the bridge has taken some, stored some, holds some un-acknowledged.
          await new Promise((r) => setTimeout(r, 30));
          first.child.kill('SIGKILL');
          killed = true;
        }
        if (i % 20 === 0) await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await publishing;
    expect(killed).toBe(true);
    await first.exited;
    await publisher.endAsync();

    const second = await startServer(env);
    let last = -1;
    await waitFor(
      async () => {
        const status = await mqttStatus(second);
        const settled = status.received === last && status.pending_messages === 0 && status.received > 0;
        last = status.received;
        return settled;
      },
      30_000,
      'the restarted bridge to settle',
    );
    await second.stop();

    const db = await openDatabase(loadConfig({ ...environment.env, NODE_ENV: 'test' }));
    const [row] = await db.query<{ n: number; distinct: number; min: number; max: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT value)::int AS distinct, min(value)::int AS min, max(value)::int AS max FROM reading_integer',
    );
    await db.close();
    expect(row).toEqual({ n: MESSAGES, distinct: MESSAGES, min: 0, max: MESSAGES - 1 });
  });
});
