import net from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import type { MqttConfig } from '../config.ts';
import type { Principal } from '../modules/auth/permissions.ts';
import { mayWriteSensor } from '../modules/auth/permissions.ts';
import type { ApiKeyLookup } from '../modules/api-keys/api-key-lookup.ts';
import type { BadMessageReporter, MqttLog } from './bad-messages.ts';
import type { MqttBatcher } from './mqtt-batcher.ts';
import type { MqttStats } from './mqtt-stats.ts';
import { errorsTopic, topicParser } from './topics.ts';

/** A device's credentials are checked again after this long (a revoked key stops publishing). */
const RECHECK_MS = 10_000;
/** Packets larger than the payload limit by more than this close the connection unread. */
const PACKET_SLACK_BYTES = 1024 * 1024;

interface Device {
  secret: string;
  principal: Principal;
  checkedAt: number;
}

const authError = (message: string, returnCode: 4 | 5): AuthenticateError => Object.assign(new Error(message), { returnCode });

/**
 * The embedded broker (aedes), for a zero-install setup: devices connect with a device key
 * (password = the key; username = the key's name, one of its sensors, or its owner's e-mail),
 * may publish only readings of sensors the key may write, and may subscribe only to those
 * sensors' errors topics. Nobody connects without a key.
 *
 * Store before acknowledging: aedes sends a device its PUBACK only once `authorizePublish` calls
 * back, so the message goes into the batcher and the callback waits for the batch's commit. A
 * bad message is accepted (acknowledged: resending it would not help), reported and counted.
 * aedes reads a connection's next chunk of packets only when those of the last are handled, so
 * a database that is away stops devices' connections from being read, without a buffer.
 */
export function createEmbeddedBroker(deps: {
  settings: MqttConfig;
  batcher: MqttBatcher;
  reporter: BadMessageReporter;
  keys: Pick<ApiKeyLookup, 'authenticate'>;
  stats: MqttStats;
  log: MqttLog;
}) {
  const { settings, batcher, stats, log, reporter } = deps;
  const parseTopic = topicParser(settings.topicRoot);
  const devices = new WeakMap<Client, Device>();
  const maxPacketBytes = settings.payloadLimitBytes + PACKET_SLACK_BYTES;
  let broker: Aedes | undefined;
  let server: net.Server | undefined;
  let stopping = false;

  async function principalOf(client: Client | null): Promise<Principal | undefined> {
    const device = client ? devices.get(client) : undefined;
    if (!device) return undefined;
    if (Date.now() - device.checkedAt > RECHECK_MS) {
      try {
        device.principal = await deps.keys.authenticate(device.secret);
        device.checkedAt = Date.now();
      } catch {
        return undefined;
      }
    }
    return device.principal;
  }

  async function authenticate(username: string | undefined, password: Buffer | undefined): Promise<Device> {
    if (!password || password.length === 0 || password.length > 1000) throw authError('a device key is needed as the password', 4);
    const secret = password.toString('utf8');
    let principal: Principal;
    try {
      principal = await deps.keys.authenticate(secret);
    } catch {
      throw authError('invalid, revoked or expired key', 4);
    }
    const key = principal.apiKey;
    const name = username ?? '';
    const named = key !== null && (name === key.name || name === principal.user.email || (key.sensors?.has(name) ?? false));
    if (!named) throw authError('the username must be the key’s name, one of its sensors, or its owner’s e-mail', 4);
    if (!principal.permissions.has('readings:write')) throw authError('this key may not write readings', 5);
    return { secret, principal, checkedAt: Date.now() };
  }

  function publishReport(topic: string, payload: string) {
    broker?.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 0, retain: false, dup: false }, () => {});
  }

  return {
    async start(): Promise<{ port: number }> {
      const b = await Aedes.createBroker({ heartbeatInterval: 60_000, drainTimeout: 30_000, maxClientsIdLength: 200 });
      broker = b;
      b.authenticate = (client, username, password, done) => {
        authenticate(username, password).then(
          (device) => {
            devices.set(client, device);
            done(null, true);
          },
          (error: AuthenticateError) => {
            log.warn({ clientId: client.id, username: username?.slice(0, 200), problem: error.message }, 'mqtt: device refused');
            done(error, false);
          },
        );
      };
      b.authorizePublish = (client, packet, callback) => {
        const topic = packet.topic;
        const parsed = parseTopic(topic);
        if (parsed.kind === 'ignored' || topic.startsWith('$')) {
          callback(new Error('devices may not publish to this topic'));
          return;
        }
        principalOf(client).then((principal) => {
          const sensor = parsed.kind === 'bad' ? parsed.sensor : parsed.sensor;
          if (
            !principal ||
            (sensor !== undefined && !mayWriteSensor(principal, sensor)) ||
            (sensor === undefined && principal.apiKey?.sensors)
          ) {
            // Refused without a report on the errors topic: it would go to another device's sensor.
            stats.received++;
            stats.badMessages.forbidden++;
            log.warn({ topic: topic.slice(0, 200), key: principal?.apiKey?.name }, 'mqtt: device may not write this sensor');
            callback(new Error('not allowed to write this sensor'));
            return;
          }
          if (stopping) {
            callback(new Error('the server is shutting down'));
            return;
          }
          // The PUBACK waits for the commit; 'unstored' (shutdown with the database away) closes the
          // connection unacknowledged, so the device sends it again.
          batcher.add(topic, packet.payload as Buffer).then((outcome) => callback(outcome === 'unstored' ? new Error('not stored') : null));
        }, callback);
      };
      b.authorizeSubscribe = (client, subscription, callback) => {
        const device = devices.get(client);
        const prefix = errorsTopic(settings.topicRoot, '');
        const sensor = subscription.topic.startsWith(prefix) ? subscription.topic.slice(prefix.length) : undefined;
        const allowed =
          device !== undefined &&
          sensor !== undefined &&
          (sensor === '+' || sensor === '#'
            ? device.principal.apiKey?.sensors === null
            : !/[+#/]/.test(sensor) && mayWriteSensor(device.principal, sensor));
        // A refused subscription gets a failure code in SUBACK; the connection stays.
        callback(null, allowed ? subscription : null);
      };
      b.on('client', () => {
        stats.clients = b.connectedClients;
      });
      b.on('clientDisconnect', () => {
        stats.clients = b.connectedClients;
      });
      b.on('clientError', (client, error) => {
        log.warn({ clientId: client.id, err: error.message }, 'mqtt: device connection error');
      });
      reporter.setPublisher(publishReport);

      server = net.createServer((socket) => {
        if (stopping) {
          socket.destroy();
          return;
        }
        const client = b.handle(socket);
        guardPacketSize(client, maxPacketBytes);
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(settings.embeddedPort, settings.embeddedHost, () => resolve());
      });
      const address = server.address() as net.AddressInfo;
      stats.connected = true;
      log.info({ host: settings.embeddedHost, port: address.port }, 'mqtt: embedded broker listening');
      return { port: address.port };
    },

    /** Stops accepting devices, writes and acknowledges what is held, then closes every connection. */
    async stop(deadlineMs: number): Promise<void> {
      stopping = true;
      const closed = server ? new Promise<void>((resolve) => server!.close(() => resolve())) : Promise.resolve();
      await batcher.close(deadlineMs);
      await new Promise((resolve) => setImmediate(resolve));
      reporter.setPublisher(undefined);
      if (broker) await new Promise<void>((resolve) => broker!.close(() => resolve()));
      await closed;
      stats.connected = false;
    },
  };
}

/**
 * An MQTT packet may announce up to 256 MB, which aedes would gather in memory before anyone
 * sees it: a packet announcing more than the limit closes its connection as soon as its length
 * is read. (aedes has no such option; its parser is mqtt-packet's, whose length step we wrap.)
 */
function guardPacketSize(client: Client, maxBytes: number) {
  const parser = (client as unknown as { _parser?: Record<string, unknown> })._parser;
  const parseLength = parser?._parseLength as (() => boolean) | undefined;
  if (!parser || typeof parseLength !== 'function') return;
  parser._parseLength = function (this: { packet: { length: number }; _emitError(error: Error): void }) {
    const ok = parseLength.call(this);
    if (ok && this.packet.length > maxBytes) {
      this._emitError(new Error(`packet of ${this.packet.length} bytes is larger than ${maxBytes}`));
      return false;
    }
    return ok;
  };
}

export type EmbeddedBroker = ReturnType<typeof createEmbeddedBroker>;
