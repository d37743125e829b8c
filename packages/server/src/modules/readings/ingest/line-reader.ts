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

export const DEFAULT_MAX_LINE_CHARS = 16 * 1024 * 1024;

const BOM = 0xfeff;
const CR = 13;

const tooLong = (line: number, max: number) => unprocessable(`line ${line}: longer than ${max} characters`);

/**
 * Splits a byte stream into lines (LF or CRLF), yielding them per chunk read rather than one
 * by one, which keeps the per-line overhead to an array slot. Memory stays at one chunk plus
 * one partial line, whatever the size of the stream, and each character is looked at once: the
 * unfinished end of a chunk is kept in pieces and joined once its line ends (prepending it to
 * the next chunk and searching again made one long line quadratic). UTF-8 sequences split
 * between chunks are joined; a byte order mark at the start is dropped.
 */
export async function* readLines(source: AsyncIterable<Buffer | string>, options: LineReaderOptions = {}): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  const maxLine = options.maxLineChars ?? DEFAULT_MAX_LINE_CHARS;
  /** The line not ended yet, in pieces, and its length. */
  let partial: string[] = [];
  let partialChars = 0;
  let linesRead = 0;
  let bytes = 0;
  let atStart = true;

  /** The text of a chunk (BOM dropped at the very start), split into lines. */
  function split(text: string): string[] {
    if (atStart && text.length > 0) {
      atStart = false;
      if (text.charCodeAt(0) === BOM) text = text.slice(1);
    }
    const lines: string[] = [];
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      let line: string;
      if (partial.length > 0) {
        partial.push(text.slice(0, nl));
        line = partial.join('');
        partial = [];
        partialChars = 0;
      } else {
        line = text.slice(start, nl);
      }
      if (line.charCodeAt(line.length - 1) === CR) line = line.slice(0, -1);
      linesRead++;
      if (line.length > maxLine) throw tooLong(linesRead, maxLine);
      lines.push(line);
      start = nl + 1;
    }
    if (start < text.length) {
      partial.push(start === 0 ? text : text.slice(start));
      partialChars += text.length - start;
      // + 1: the line may yet end in CRLF.
      if (partialChars > maxLine + 1) throw tooLong(linesRead + 1, maxLine);
    }
    return lines;
  }

  for await (const chunk of source) {
    bytes += chunk.length;
    if (options.limitBytes !== undefined && bytes > options.limitBytes) {
      throw new AppError('PAYLOAD_TOO_LARGE', `Request body is larger than the limit of ${options.limitBytes} bytes`);
    }
    options.onBytes?.(bytes);
    const lines = split(typeof chunk === 'string' ? chunk : decoder.write(chunk));
    if (lines.length > 0) yield lines;
  }
  const lines = split(decoder.end());
  if (partialChars > 0) {
    let last = partial.join('');
    if (last.charCodeAt(last.length - 1) === CR) last = last.slice(0, -1);
    if (last.length > maxLine) throw tooLong(linesRead + 1, maxLine);
    lines.push(last);
  }
  if (lines.length > 0) yield lines;
}
