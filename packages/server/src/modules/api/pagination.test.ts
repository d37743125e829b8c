import type { FastifyReply } from 'fastify';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors.ts';
import { decodeCursor, DEFAULT_LIMIT, encodeCursor, readPage, sendPage } from './pagination.ts';

const b64 = (text: string) => Buffer.from(text).toString('base64url');

function refused(cursor: string): boolean {
  try {
    decodeCursor(cursor);
    return false;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ statusCode: 422, detail: 'Invalid cursor: pass the next_cursor of a previous page unchanged' });
    return true;
  }
}

/** A keyset list over ids 1..n, as a repository answers it: id > afterId, in id order, at most limit. */
const idsUpTo =
  (n: number) =>
  async ({ afterId, limit }: { afterId: number; limit: number }) =>
    Array.from({ length: n }, (_, i) => ({ id: i + 1 }))
      .filter((r) => r.id > afterId)
      .slice(0, limit);

describe('cursors', () => {
  it('round-trip the position they encode, and no cursor is the start', () => {
    expect(decodeCursor(undefined)).toEqual({ afterId: 0, offset: 0 });
    for (const state of [
      { afterId: 0, offset: 0 },
      { afterId: 42, offset: 100 },
      { afterId: 2147483647, offset: 999_999_999_999_999 },
    ]) {
      expect(decodeCursor(encodeCursor(state))).toEqual(state);
    }
  });

  it('refuse anything that is not a cursor the server wrote', () => {
    const good = encodeCursor({ afterId: 1, offset: 0 });
    for (const cursor of [
      '',
      '!!!',
      'not a cursor',
      b64('abc'),
      b64('1'),
      b64('1:'),
      b64(':1'),
      b64('-1:0'),
      b64('1:-1'),
      b64('1.5:0'),
      b64('1:0:0'),
      b64('2147483648:0'),
      b64('99999999999:0'),
      b64('1:9999999999999999'),
      b64(' 1:0'),
      b64('1:0\n'),
      b64('١:٠'),
      b64('0x1:0'),
    ]) {
      expect(refused(cursor), JSON.stringify(cursor)).toBe(true);
    }
    // Tampered spellings of a good cursor, which Node's lenient base64url decoding reads the same.
    for (const cursor of [
      `${good}==`,
      `${good}=`,
      `${good}!`,
      `!${good}`,
      `${good.slice(0, 1)} ${good.slice(1)}`,
      `${good}\n`,
      b64('01:0'),
      b64('1:00'),
    ]) {
      expect(
        Buffer.from(cursor, 'base64url')
          .toString()
          .replace(/^0+(?=\d)|(?<=:)0+(?=\d)/g, ''),
        cursor,
      ).toBe('1:0');
      expect(refused(cursor), JSON.stringify(cursor)).toBe(true);
    }
  });
});

describe('readPage', () => {
  it('pages through a whole list: every row once, in order, positions counted, the last page without a cursor', async () => {
    const list = idsUpTo(25);
    const seen: number[] = [];
    const offsets: number[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await readPage({ limit: 10, cursor }, list);
      offsets.push(page.offset);
      seen.push(...page.items.map((r) => r.id));
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(offsets).toEqual([0, 10, 20]);
  });

  it('ends on a full last page without an empty page after it, and reads the default limit', async () => {
    const exact = await readPage({ limit: 5 }, idsUpTo(5));
    expect(exact.items).toHaveLength(5);
    expect(exact.nextCursor).toBeNull();
    const asked: number[] = [];
    const page = await readPage({}, async (p) => {
      asked.push(p.limit);
      return idsUpTo(500)(p);
    });
    expect(asked).toEqual([DEFAULT_LIMIT + 1]);
    expect(page.items).toHaveLength(DEFAULT_LIMIT);
    expect(decodeCursor(page.nextCursor!)).toEqual({ afterId: DEFAULT_LIMIT, offset: DEFAULT_LIMIT });
  });

  it('keeps later pages stable when rows are inserted before the cursor (keyset, not offset)', async () => {
    const rows = [{ id: 10 }, { id: 20 }, { id: 30 }, { id: 40 }];
    const list = async ({ afterId, limit }: { afterId: number; limit: number }) => rows.filter((r) => r.id > afterId).slice(0, limit);
    const first = await readPage({ limit: 2 }, list);
    rows.unshift({ id: 5 });
    const second = await readPage({ limit: 2, cursor: first.nextCursor! }, list);
    expect(second.items.map((r) => r.id)).toEqual([30, 40]);
  });

  it('refuses a tampered cursor before reading anything', async () => {
    let called = false;
    await expect(
      readPage({ cursor: b64('x:1') }, async () => {
        called = true;
        return [];
      }),
    ).rejects.toThrow('Invalid cursor');
    const next = (await readPage({ limit: 1 }, idsUpTo(3))).nextCursor!;
    await expect(
      readPage({ cursor: `${next}!` }, async () => {
        called = true;
        return [];
      }),
    ).rejects.toThrow('Invalid cursor');
    expect(called).toBe(false);
  });
});

describe('sendPage', () => {
  it('says where the page sits in Content-Range, never counting the total', () => {
    const headers: Record<string, string> = {};
    const reply = { header: (name: string, value: string) => (headers[name] = value) } as unknown as FastifyReply;
    expect(sendPage(reply, { items: [{ id: 11 }, { id: 12 }], nextCursor: 'c', offset: 10 }, (r) => r.id)).toEqual({
      items: [11, 12],
      next_cursor: 'c',
    });
    expect(headers['content-range']).toBe('items 10-11/*');
    sendPage(reply, { items: [], nextCursor: null, offset: 0 }, (r) => r);
    expect(headers['content-range']).toBe('items */*');
  });
});

describe('cursors of bigint keys', () => {
  it('carry ids past int4 when the list says its key holds them, and nothing past 2^53', () => {
    const big = { afterId: 2 ** 40, offset: 5 };
    expect(() => decodeCursor(encodeCursor(big))).toThrow(AppError);
    expect(decodeCursor(encodeCursor(big), Number.MAX_SAFE_INTEGER)).toEqual(big);
    expect(() => decodeCursor(b64('9007199254740993:0'), Number.MAX_SAFE_INTEGER)).toThrow(AppError);
  });
});
