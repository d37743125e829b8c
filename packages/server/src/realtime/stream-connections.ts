import { PassThrough } from 'node:stream';
import type { ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import type { CloseReason, StreamSink } from './stream-hub.ts';
import type { StreamMessage } from './stream-messages.ts';

/** How long a browser waits before reconnecting an SSE stream the server ended (EventSource's `retry`). */
const SSE_RETRY_MS = 2_000;

/**
 * WebSocket close codes: 1001 "going away" for a shutdown (RFC 6455), application codes
 * (4000-4999) for the rest, so a client can tell them apart without parsing the reason.
 */
export const WS_CLOSE_CODES: Record<CloseReason, number> = {
  server_shutdown: 1001,
  credentials_changed: 4001,
  slow_consumer: 4008,
};

/**
 * A Server-Sent Events stream: the body Fastify sends is this PassThrough, so the response
 * keeps every header the app sets (security, CORS, request id) and Fastify logs it when it ends.
 */
export function sseSink(response: ServerResponse): { sink: StreamSink; body: PassThrough } {
  const body = new PassThrough({ highWaterMark: 64 * 1024 });
  let ended = false;
  const write = (text: string) => {
    if (!ended) body.write(text);
  };
  write(`retry: ${SSE_RETRY_MS}\n\n`);
  const sink: StreamSink = {
    send: (message: StreamMessage) => write(message.sse),
    reset: (oldest) => write(`event: reset\ndata: ${JSON.stringify({ type: 'reset', reason: 'history_gone', oldest_id: oldest })}\n\n`),
    heartbeat: () => write(': heartbeat\n\n'),
    buffered: () => body.writableLength + body.readableLength + response.writableLength,
    drained: () =>
      new Promise<void>((resolve) => {
        if (ended || sink.buffered() < 64 * 1024) return resolve();
        const check = () => {
          if (ended || sink.buffered() < 64 * 1024) {
            clearInterval(timer);
            resolve();
          }
        };
        const timer = setInterval(check, 5);
      }),
    close(reason: CloseReason, detail: string) {
      if (ended) return;
      // The reason goes ahead of whatever a slow client has not read yet: the end is what it must learn.
      body.write(`event: close\ndata: ${JSON.stringify({ type: 'close', reason, detail })}\n\n`);
      ended = true;
      body.end();
    },
  };
  body.once('close', () => {
    ended = true;
  });
  return { sink, body };
}

/** A WebSocket stream: each event is one text message, the same JSON as an SSE frame's data. */
export function webSocketSink(socket: WebSocket): StreamSink {
  let pending: Promise<void> = Promise.resolve();
  let alive = true;
  socket.on('pong', () => {
    alive = true;
  });
  const open = () => socket.readyState === socket.OPEN;
  return {
    send(message) {
      if (!open()) return;
      pending = new Promise((resolve) => socket.send(message.json, () => resolve()));
    },
    reset(oldest) {
      if (open()) socket.send(JSON.stringify({ type: 'reset', reason: 'history_gone', oldest_id: oldest }));
    },
    heartbeat() {
      if (!open()) return;
      // No pong since the last ping, a whole heartbeat ago: the peer is gone without a goodbye.
      if (!alive) return void socket.terminate();
      alive = false;
      socket.ping();
    },
    buffered: () => socket.bufferedAmount,
    drained: () => (open() ? pending : Promise.resolve()),
    close(reason, detail) {
      if (socket.readyState === socket.CLOSED || socket.readyState === socket.CLOSING) return;
      // A close reason is at most 123 bytes.
      socket.close(WS_CLOSE_CODES[reason], `${reason}: ${detail}`.slice(0, 120));
      // A slow peer may never read the close frame; do not wait for it forever.
      setTimeout(() => socket.terminate(), 5_000).unref();
    },
  };
}
