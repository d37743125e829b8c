import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { MqttConfig } from '../config.ts';
import type { MqttLog } from './bad-messages.ts';
import type { MqttBatcher, Outcome } from './mqtt-batcher.ts';
import type { MqttStats } from './mqtt-stats.ts';

/** mqtt.js's internal sender, which we wrap to hold PUBACKs until their messages are stored. */
type SendPacket = (
  packet: { cmd: string; messageId?: number; reasonCode?: number },
  cb?: (error?: Error) => void,
  ...rest: unknown[]
) => void;

const acknowledges = (outcome: Outcome) => outcome !== 'unstored';

/**
 * The bridge to an external broker (Mosquitto, EMQX, HiveMQ...): MQTT v5, a persistent session
 * (clean: false, a session expiry, a stable client id), QoS 1 shared subscriptions
 * `$share/<group>/<root>/+` and `$share/<group>/<root>/+/+` (one replica of the group gets each
 * message), and each PUBACK sent only once its message is stored.
 *
 * Why the PUBACK is held by wrapping mqtt.js's sender: mqtt.js (5.x) handles incoming packets
 * one at a time, and its `customHandleAcks` callback both sends the PUBACK and lets the next
 * packet in. Calling it only after the commit would let one message through per batch (20 a
 * second at 50 ms). So the callback is called at once and the PUBACK it sends is caught and
 * kept until the batch commits. Messages of a connection that closed are never acknowledged on
 * the next one (message ids restart): the broker delivers them again, and the readings key
 * skips the duplicates of timestamped readings.
 */
export function createMqttBridge(deps: { settings: MqttConfig; batcher: MqttBatcher; stats: MqttStats; log: MqttLog }) {
  const { settings, batcher, stats, log } = deps;
  let client: MqttClient | undefined;
  let stopping = false;
  /** Bumped by every (re)connection: PUBACKs of an older one are dropped. */
  let connection = 0;
  /** Message ids (of the current connection) whose PUBACK waits for the batch. */
  const holding = new Set<number>();
  let send: SendPacket | undefined;

  function release(messageId: number, ofConnection: number) {
    if (ofConnection !== connection || !client?.connected || !send) return;
    send({ cmd: 'puback', messageId, reasonCode: 0 });
  }

  function onMessage(topic: string, payload: Buffer, packet: { messageId?: number; qos: number }) {
    if (stopping) return; // not acknowledged: the broker keeps it for the next connection
    const messageId = packet.messageId;
    const ofConnection = connection;
    const outcome = batcher.add(topic, payload);
    if (packet.qos > 0 && messageId !== undefined) {
      void outcome.then((result) => {
        if (acknowledges(result)) release(messageId, ofConnection);
      });
    }
  }

  const subscriptions = () => {
    const base = `$share/${settings.shareGroup}/${settings.topicRoot}`;
    return { [`${base}/+`]: { qos: 1 as const }, [`${base}/+/+`]: { qos: 1 as const } };
  };

  return {
    async start(): Promise<void> {
      const options: IClientOptions = {
        protocolVersion: 5,
        clientId: settings.clientId,
        clean: false,
        reconnectPeriod: 1000,
        connectTimeout: 10_000,
        queueQoSZero: false,
        resubscribe: false,
        properties: { sessionExpiryInterval: settings.sessionExpirySeconds, receiveMaximum: settings.receiveMaximum },
        ...(settings.username !== undefined ? { username: settings.username } : {}),
        ...(settings.password !== undefined ? { password: settings.password } : {}),
        customHandleAcks: (topic, message, packet, done) => {
          // QoS 1 (subscriptions are QoS 1, so nothing arrives as QoS 2): hold its PUBACK.
          if (packet.qos === 1) {
            holding.add(packet.messageId);
            onMessage(topic, message, packet);
          }
          done(0);
        },
      };
      const c = mqtt.connect(settings.url as string, options);
      client = c;
      const internal = c as unknown as { _sendPacket: SendPacket };
      const original = internal._sendPacket.bind(c);
      send = original;
      internal._sendPacket = (packet, cb, ...rest) => {
        if (packet.cmd === 'puback' && packet.messageId !== undefined && holding.delete(packet.messageId)) {
          cb?.();
          return;
        }
        original(packet, cb, ...rest);
      };
      c.on('message', (topic, payload, packet) => {
        if (packet.qos === 0) onMessage(topic, payload, packet);
      });
      c.on('connect', (connack) => {
        connection++;
        holding.clear();
        stats.connected = true;
        log.info(
          { url: redact(settings.url as string), clientId: settings.clientId, sessionPresent: connack.sessionPresent },
          'mqtt: connected to the broker',
        );
        c.subscribe(subscriptions(), (error, granted) => {
          if (error) {
            stats.lastError = { at: new Date().toISOString(), message: `subscribe: ${error.message}` };
            log.error({ err: error }, 'mqtt: subscribing failed');
          } else if (granted?.some((g) => g.qos > 2)) {
            log.error({ granted }, 'mqtt: the broker refused a subscription');
          }
        });
      });
      c.on('close', () => {
        if (stats.connected) log.warn({}, 'mqtt: connection to the broker closed; reconnecting');
        stats.connected = false;
        connection++;
        holding.clear();
      });
      c.on('error', (error) => {
        stats.lastError = { at: new Date().toISOString(), message: error.message };
        log.warn({ err: error }, 'mqtt: broker connection error');
      });
    },

    /** Publishes a bad-message report (QoS 0; dropped while disconnected). */
    publish(topic: string, payload: string) {
      if (client?.connected) client.publish(topic, payload, { qos: 0 });
    },

    /** Stops taking messages, writes and acknowledges what is held, then disconnects (the session stays). */
    async stop(deadlineMs: number): Promise<void> {
      stopping = true;
      await batcher.close(deadlineMs);
      // The PUBACKs of the last batch are sent by callbacks queued when it committed.
      await new Promise((resolve) => setImmediate(resolve));
      const c = client;
      if (c) {
        // Flush the PUBACKs just written, then DISCONNECT (the session and its queue stay on the broker).
        await new Promise<void>((resolve) => c.end(false, {}, () => resolve()));
        client = undefined;
      }
      stats.connected = false;
    },
  };
}

/** The URL without its password, for logs. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

export type MqttBridge = ReturnType<typeof createMqttBridge>;
