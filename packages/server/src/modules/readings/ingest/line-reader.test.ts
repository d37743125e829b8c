import { describe, expect, it } from 'vitest';
import { AppError } from '../../../errors.ts';
import { readLines, type LineReaderOptions } from './line-reader.ts';

async function* chunksOf(...chunks: (Buffer | string)[]) {
  for (const chunk of chunks) yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}

async function collect(source: AsyncIterable<Buffer | string>, options?: LineReaderOptions): Promise<string[]> {
  const lines: string[] = [];
  for await (const batch of readLines(source, options)) lines.push(...batch);
  return lines;
}

/** The same bytes cut into chunks at every position. */
async function everySplit(bytes: Buffer, options?: LineReaderOptions): Promise<string[][]> {
  const results: string[][] = [];
  for (let cut = 0; cut <= bytes.length; cut++) {
    results.push(await collect(chunksOf(bytes.subarray(0, cut), bytes.subarray(cut)), options));
  }
  return results;
}

describe('readLines', () => {
  it('splits on LF and CRLF, keeps empty lines, and needs no final line break', async () => {
    expect(await collect(chunksOf('a\nb\r\n\r\n\nc'))).toEqual(['a', 'b', '', '', 'c']);
    expect(await collect(chunksOf('a\n'))).toEqual(['a']);
    expect(await collect(chunksOf('\n'))).toEqual(['']);
    expect(await collect(chunksOf(''))).toEqual([]);
    expect(await collect(chunksOf())).toEqual([]);
  });

  it('keeps a carriage return that does not end a line', async () => {
    expect(await collect(chunksOf('a\rb\r\nc\r'))).toEqual(['a\rb', 'c']);
  });

  it('gives the same lines wherever the chunks are cut: CRLF, multi-byte UTF-8 and BOM split across chunks', async () => {
    const bytes = Buffer.from('\uFEFFsensor,value\r\ns1,"23,5 °C 🌡️"\r\nß€𝄞\n');
    const expected = ['sensor,value', 's1,"23,5 °C 🌡️"', 'ß€𝄞'];
    for (const lines of await everySplit(bytes)) expect(lines).toEqual(expected);
    // Byte by byte as well.
    expect(await collect(chunksOf(...[...bytes].map((b) => Buffer.from([b]))))).toEqual(expected);
  });

  it('drops a byte order mark only at the very start', async () => {
    expect(await collect(chunksOf('\uFEFFa\n\uFEFFb'))).toEqual(['a', '\uFEFFb']);
    expect(await collect(chunksOf(Buffer.from([0xef, 0xbb]), Buffer.from([0xbf, 0x61])))).toEqual(['a']);
  });

  it('ends an unfinished UTF-8 sequence at the end of the stream with a replacement character', async () => {
    expect(await collect(chunksOf(Buffer.from([0x61, 0x0a, 0xe2, 0x82])))).toEqual(['a', '\uFFFD']);
  });

  it('yields the lines of a chunk together', async () => {
    const batches: string[][] = [];
    for await (const batch of readLines(chunksOf('a\nb\nc', 'd\ne\n'))) batches.push(batch);
    expect(batches).toEqual([
      ['a', 'b'],
      ['cd', 'e'],
    ]);
  });

  it('refuses a line longer than the limit with a 422 naming it, wherever the line is cut', async () => {
    const error = await collect(chunksOf('ok\n', '0123', '456789', 'abc\n'), { maxLineChars: 10 }).catch((e) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error.statusCode).toBe(422);
    expect(error.detail).toBe('line 2: longer than 10 characters');
    expect(await collect(chunksOf('0123456789\r\n', '0123456789'), { maxLineChars: 10 })).toEqual(['0123456789', '0123456789']);
    await expect(collect(chunksOf('a\n0123456789A\nb'), { maxLineChars: 10 })).rejects.toThrow('line 2: longer than 10 characters');
    await expect(collect(chunksOf('a\nb\n', '0123456789A'), { maxLineChars: 10 })).rejects.toThrow('line 3: longer than 10 characters');
  });

  it('refuses a body over the byte limit with a 413, and reports progress', async () => {
    const seen: number[] = [];
    expect(await collect(chunksOf('abc\n', 'de\n'), { limitBytes: 7, onBytes: (n) => seen.push(n) })).toEqual(['abc', 'de']);
    expect(seen).toEqual([4, 7]);
    const error = await collect(chunksOf('abc\n', 'def\n'), { limitBytes: 7 }).catch((e) => e);
    expect(error).toMatchObject({ statusCode: 413, detail: 'Request body is larger than the limit of 7 bytes' });
  });

  it('reads one long line cut into many chunks in linear time', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const chunks = Array.from({ length: 256 }, () => chunk); // one 16 MB line
    const started = performance.now();
    const lines = await collect(chunksOf(...chunks, '\nend'), { maxLineChars: 20 * 1024 * 1024 });
    expect(lines.map((l) => l.length)).toEqual([16 * 1024 * 1024, 3]);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
