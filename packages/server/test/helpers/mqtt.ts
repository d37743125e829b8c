import { randomBytes } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

/** The Mosquitto of this machine and CI (.ci/run starts it). */
export const MOSQUITTO_URL = 'mqtt://127.0.0.1:1883';

/**
 * A topic root of its own for each test: the suite's files, both engines and CI's second Node
 * version run in parallel against the same Mosquitto.
 */
export const uniqueRoot = (label = 'mbtest') => `${label}-${randomBytes(6).toString('hex')}`;

export async function connectClient(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5000, ...options });
}

/** Polls until `check` returns true (or a value that is not false/undefined), failing after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  timeoutMs = 10_000,
  what: string | (() => unknown) = 'condition',
): Promise<Exclude<T, false | undefined>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== false && value !== undefined) return value as Exclude<T, false | undefined>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'function' ? JSON.stringify(await what()) : what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Collects the messages of a subscription. */
export async function collect(client: MqttClient, topic: string) {
  const messages: { topic: string; payload: string }[] = [];
  client.on('message', (t, payload) => {
    messages.push({ topic: t, payload: payload.toString() });
  });
  await client.subscribeAsync(topic, { qos: 0 });
  return messages;
}
