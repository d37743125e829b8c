import http from 'node:http';

/**
 * A Server-Sent Events client for tests, parsed as the spec says. On node:http rather than
 * fetch: an aborted fetch leaves the server counting a connection until its keep-alive timeout,
 * which would hold an app's close() for 70 s.
 */
export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

export interface SseStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Every event received so far, in order. */
  events: SseEvent[];
  /** Comment lines (heartbeats) received so far. */
  comments: number;
  /** Resolves with the first event from `from` on (an index into `events`) that `predicate` accepts. */
  next(predicate?: (event: SseEvent) => boolean, timeoutMs?: number, from?: number): Promise<SseEvent>;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  close(): void;
  /** The body text of a refused request (status not 200). */
  text: string;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const request = http.get(url, { headers: { accept: 'text/event-stream', ...headers }, agent: false });
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
  });
  request.on('error', () => {});
  const stream: SseStream = {
    status: res.statusCode ?? 0,
    headers: res.headers,
    events: [],
    comments: 0,
    text: '',
    ended: Promise.resolve(),
    close: () => request.destroy(),
    async next(predicate = () => true, timeoutMs = 10_000, from = 0) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = stream.events.slice(from).find(predicate);
        if (found) return found;
        if (Date.now() > deadline) {
          throw new Error(
            `no matching event within ${timeoutMs} ms; got ${JSON.stringify(stream.events.map((e) => `${e.event}:${e.id}`))}`,
          );
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
  if (res.statusCode !== 200) {
    res.setEncoding('utf8');
    for await (const chunk of res) stream.text += chunk;
    return stream;
  }
  stream.ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    let current: SseEvent = { id: undefined, event: 'message', data: '' };
    let hasData = false;
    try {
      for await (const chunk of res as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let newline = buffer.indexOf('\n');
        while (newline >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          newline = buffer.indexOf('\n');
          if (line === '') {
            if (hasData) stream.events.push(current);
            current = { id: undefined, event: 'message', data: '' };
            hasData = false;
          } else if (line.startsWith(':')) {
            stream.comments++;
          } else {
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'data') {
              current.data = hasData ? `${current.data}\n${value}` : value;
              hasData = true;
            } else if (field === 'event') current.event = value;
            else if (field === 'id') current.id = value;
          }
        }
      }
    } catch {
      // destroyed by close()
    }
  })();
  return stream;
}
