import { StringDecoder } from 'node:string_decoder';
import { AppError, unprocessable } from '../../../errors.ts';

export interface LineReaderOptions {
  /** Refuse (413) a body larger than this many bytes. */
  limitBytes?: number;
  /** Called with the running total of bytes read (progress bars). */
  onBytes?: (bytes: number) => void;
  /** A line longer than this is refused (422), so one bad file cannot exhaust memory. */
  maxLineChars?: number;
}

const DEFAULT_MAX_LINE_CHARS = 16 * 1024 * 1024;

/**
 * Splits a byte stream into lines (LF or CRLF), yielding them per chunk read rather than one
 * by one, which keeps the per-line overhead to an array slot. Memory stays at one chunk plus
 * one partial line, whatever the size of the stream.
 */
export async function* readLines(source: AsyncIterable<Buffer | string>, options: LineReaderOptions = {}): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  const maxLine = options.maxLineChars ?? DEFAULT_MAX_LINE_CHARS;
  let carry = '';
  let bytes = 0;
  for await (const chunk of source) {
    bytes += chunk.length;
    if (options.limitBytes !== undefined && bytes > options.limitBytes) {
      throw new AppError('PAYLOAD_TOO_LARGE', `Request body is larger than the limit of ${options.limitBytes} bytes`);
    }
    options.onBytes?.(bytes);
    const text = carry + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
    const lines: string[] = [];
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      lines.push(text.charCodeAt(nl - 1) === 13 && nl > start ? text.slice(start, nl - 1) : text.slice(start, nl));
      start = nl + 1;
    }
    carry = text.slice(start);
    if (carry.length > maxLine) throw unprocessable(`A line is longer than ${maxLine} characters`);
    if (lines.length > 0) yield lines;
  }
  carry += decoder.end();
  if (carry.length > 0) yield [carry.endsWith('\r') ? carry.slice(0, -1) : carry];
}
