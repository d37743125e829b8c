/** Decodes a byte stream into lines (LF or CRLF), without holding more than one line back. */
export async function* lines(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const onAbort = () => reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener('abort', onAbort, { once: true });
  let rest = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += decoder.decode(value, { stream: true });
      let start = 0;
      for (let end = rest.indexOf('\n', start); end !== -1; end = rest.indexOf('\n', start)) {
        yield rest.charCodeAt(end - 1) === 13 ? rest.slice(start, end - 1) : rest.slice(start, end);
        start = end + 1;
      }
      rest = rest.slice(start);
    }
    rest += decoder.decode();
    if (rest) yield rest;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await reader.cancel().catch(() => {});
  }
}

/**
 * Splits CSV into records (RFC 4180: quoted fields may hold commas, quotes and line breaks).
 * Works on the lines from {@link lines}, joining those a quoted field spans.
 */
export async function* csvRecords(input: AsyncIterable<string>): AsyncGenerator<string[]> {
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  for await (const line of input) {
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quoted) {
        if (c === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i++;
          } else quoted = false;
        } else field += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') {
        fields.push(field);
        field = '';
      } else field += c;
    }
    if (quoted) {
      field += '\n';
      continue;
    }
    fields.push(field);
    yield fields;
    fields = [];
    field = '';
  }
  if (quoted) throw new Error('CSV ended inside a quoted field');
}

/** One CSV field, quoted when it has to be. */
export function csvField(value: unknown): string {
  const text = value instanceof Date ? value.toISOString() : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
