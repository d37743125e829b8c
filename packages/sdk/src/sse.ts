/** One Server-Sent Event as it came off the wire. */
export interface RawSseEvent {
  event: string;
  data: string;
  id: string | undefined;
}

/**
 * Parses an event stream (the WHATWG EventSource rules: `event`, `data`, `id`, comments, blank
 * line dispatch) from its lines. `retry` is ignored: the client keeps its own backoff.
 */
export async function* sseEvents(input: AsyncIterable<string>): AsyncGenerator<RawSseEvent> {
  let event = '';
  let data: string[] = [];
  let id: string | undefined;
  for await (const line of input) {
    if (line === '') {
      if (data.length > 0) yield { event: event || 'message', data: data.join('\n'), id };
      event = '';
      data = [];
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'event') event = value;
    else if (name === 'data') data.push(value);
    else if (name === 'id' && !value.includes('\u0000')) id = value;
  }
}
