import { expect } from 'vitest';
import type { TestContext } from './test-app.ts';

/**
 * Follows next_cursor from the first page to the last, checking each page's Content-Range
 * against the items seen so far, and returns every item in order.
 */
export async function readAllPages<T = Record<string, unknown>>(
  ctx: TestContext,
  url: string,
  limit: number,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = url.includes('?') ? '&' : '?';
    const res = await ctx.get(`${url}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { items: T[]; next_cursor: string | null };
    expect(body.items.length).toBeLessThanOrEqual(limit);
    const range = body.items.length === 0 ? 'items */*' : `items ${items.length}-${items.length + body.items.length - 1}/*`;
    expect(res.headers['content-range']).toBe(range);
    items.push(...body.items);
    cursor = body.next_cursor;
    pages += 1;
    if (cursor !== null) expect(body.items.length).toBe(limit);
  } while (cursor !== null);
  return { items, pages };
}

/** Each of these answers 401 without a token. */
export async function expectAllNeedToken(ctx: TestContext, urls: string[]) {
  for (const url of urls) {
    const res = await ctx.app.inject({ method: 'GET', url });
    expect(res.statusCode, url).toBe(401);
    expect(res.json(), url).toMatchObject({ code: 'NOT_AUTHENTICATED' });
  }
}
