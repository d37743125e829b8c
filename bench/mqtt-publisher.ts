/**
 * A lean QoS 1 publisher for the MQTT figures: MQTT 3.1.1 packets written straight to a TCP
 * socket, PUBACKs counted as they come back, a window of un-acknowledged publishes. mqtt.js
 * spends about as much CPU per publish as the server spends per message, and on a 2-core
 * machine the load generator would then measure itself; this one does little more than build
 * the bytes. Every PUBLISH still waits for its PUBACK from the broker.
 */
import { connect, type Socket } from 'node:net';

const remainingLength = (n: number): number[] => {
  const bytes: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    bytes.push(byte);
  } while (n > 0);
  return bytes;
};

function connectPacket(clientId: string): Buffer {
  const id = Buffer.from(clientId);
  // Protocol name "MQTT", level 4, flags: clean session; keep alive 60 s; client id.
  const variable = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, 0, 60, id.length >> 8, id.length & 0xff]);
  const body = Buffer.concat([variable, id]);
  return Buffer.concat([Buffer.from([0x10, ...remainingLength(body.length)]), body]);
}

function publishPacket(topic: string, payload: string, packetId: number): Buffer {
  const t = Buffer.byteLength(topic);
  const p = Buffer.byteLength(payload);
  const length = 2 + t + 2 + p;
  const header = remainingLength(length);
  const buffer = Buffer.allocUnsafe(1 + header.length + length);
  let o = 0;
  buffer[o++] = 0x32; // PUBLISH, QoS 1
  for (const b of header) buffer[o++] = b;
  buffer.writeUInt16BE(t, o);
  o += 2;
  o += buffer.write(topic, o);
  buffer.writeUInt16BE(packetId, o);
  o += 2;
  buffer.write(payload, o);
  return buffer;
}

/** One connection: `publish` resolves when `count` messages are acknowledged. */
async function openPublisher(host: string, port: number, clientId: string) {
  const socket: Socket = connect(port, host);
  socket.setNoDelay(true);
  let onAck: (() => void) | undefined;
  let pending: Buffer = Buffer.alloc(0);
  let connacked: () => void;
  let failed: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    connacked = resolve;
    failed = reject;
  });
  socket.on('error', (error) => failed(error));
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let o = 0;
    for (;;) {
      if (pending.length - o < 2) break;
      // Fixed header, then a remaining length of 1-4 bytes.
      let length = 0;
      let multiplier = 1;
      let i = o + 1;
      let complete = false;
      while (i < pending.length && i < o + 5) {
        const byte = pending[i++];
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete || pending.length - i < length) break;
      const type = pending[o] >> 4;
      if (type === 2) {
        if (pending[i + 1] !== 0) failed(new Error(`CONNACK refused: ${pending[i + 1]}`));
        else connacked();
      } else if (type === 4) {
        onAck?.();
      }
      o = i + length;
    }
    pending = o === pending.length ? Buffer.alloc(0) : pending.subarray(o);
  });
  socket.write(connectPacket(clientId));
  await ready;
  return {
    /** Publishes messages taken from `next()` (undefined: none left), WINDOW at most un-acknowledged. */
    run(next: () => [string, string] | undefined, window: number): Promise<void> {
      return new Promise((resolve, reject) => {
        failed = reject;
        let inFlight = 0;
        let packetId = 0;
        let exhausted = false;
        const fill = () => {
          const packets: Buffer[] = [];
          while (inFlight < window && !exhausted) {
            const message = next();
            if (!message) {
              exhausted = true;
              break;
            }
            packetId = packetId === 65535 ? 1 : packetId + 1;
            packets.push(publishPacket(message[0], message[1], packetId));
            inFlight++;
          }
          if (packets.length) socket.write(packets.length === 1 ? packets[0] : Buffer.concat(packets));
          if (exhausted && inFlight === 0) resolve();
        };
        onAck = () => {
          inFlight--;
          // Refilled half a window at a time: one write for many publishes.
          if (inFlight <= window / 2 || exhausted) fill();
        };
        fill();
      });
    },
    close(): Promise<void> {
      return new Promise((resolve) => {
        socket.end(Buffer.from([0xe0, 0]), () => resolve()); // DISCONNECT
      });
    },
  };
}

/** Publishes `count` messages from `publishers` connections, each with `window` un-acknowledged at most. */
export async function publishLean(
  url: string,
  options: { publishers: number; window: number; clientIdPrefix: string },
  topics: (i: number) => string,
  payloads: (i: number) => string,
  count: number,
): Promise<void> {
  const { hostname, port } = new URL(url);
  const clients = await Promise.all(
    Array.from({ length: options.publishers }, (_, k) => openPublisher(hostname, Number(port || 1883), `${options.clientIdPrefix}-${k}`)),
  );
  let i = 0;
  const next = (): [string, string] | undefined => {
    if (i >= count) return undefined;
    const n = i++;
    return [topics(n), payloads(n)];
  };
  await Promise.all(clients.map((c) => c.run(next, options.window)));
  await Promise.all(clients.map((c) => c.close()));
}
