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
  credentials_expired: 4002,
  slow_consumer: 4008,
};

/**
 * A Server-Sent Events stream written straight to the response (no stream in between: with a
 * thousand subscribers, each write is one socket write). `begin` writes the status and headers;
 * it runs before the first byte, or when the route says the stream is open.
 */
export function sseSink(response: ServerResponse, begin: () => void): StreamSink & { begin(): void } {
  let begun = false;
  let ended = false;
  const start = () => {
    if (begun) return;
    begun = true;
    begin();
    response.write(`retry: ${SSE_RETRY_MS}\n\n`);
  };
  const write = (chunk: string | Buffer) => {
    if (ended || response.destroyed) return;
    start();
    response.write(chunk);
  };
  response.once('close', () => {
    ended = true;
  });
  return {
    transport: 'sse',
    begin: start,
    send: (message: StreamMessage) => write(message.sse),
    reset: (oldest) => write(`event: reset\ndata: ${JSON.stringify({ type: 'reset', reason: 'history_gone', oldest_id: oldest })}\n\n`),
    heartbeat: () => write(': heartbeat\n\n'),
    buffered: () => response.writableLength,
    drained: () =>
      new Promise<void>((resolve) => {
        if (ended || !response.writableNeedDrain) return resolve();
        const done = () => {
          response.off('drain', done);
          response.off('close', done);
          resolve();
        };
        response.once('drain', done);
        response.once('close', done);
      }),
    close(reason: CloseReason, detail: string) {
      if (ended) return;
      start();
      // The reason goes after whatever a slow client has not read yet; then the answer ends.
      response.end(`event: close\ndata: ${JSON.stringify({ type: 'close', reason, detail })}\n\n`);
      ended = true;
    },
  };
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
    transport: 'websocket',
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
