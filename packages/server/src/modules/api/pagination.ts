/**
 * Lists on the resource API: `?limit=` and an opaque `?cursor=`, answered as
 * `{"items": [...], "next_cursor": "..." | null}` with a `Content-Range: items 0-99/*` header.
 *
 * Keyset paging (id > last id seen) rather than offsets: a page costs one index range scan
 * however deep it is, and rows inserted meanwhile neither shift nor repeat later pages. The
 * cursor also carries the position of the page's first item, only so that Content-Range can
 * say where the page sits; the total is never counted (`/*`), as counting would scan.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { unprocessable } from '../../errors.ts';
import { Nullable, ref } from '../../http/schemas.ts';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

/** The paging part of every list's query string; spread into the route's querystring schema. */
export const PageQuery = {
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_LIMIT,
      default: DEFAULT_LIMIT,
      description: `items per page (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT})`,
    }),
  ),
  cursor: Type.Optional(Type.String({ minLength: 1, description: 'next_cursor of the previous page' })),
};
export const PageQuerySchema = Type.Object(PageQuery);
export type PageQuery = Static<typeof PageQuerySchema>;

/**
 * The body of a list of a named item: its items and the cursor of the next page (null on the
 * last one), itself named `<item>Page` (register it with the item).
 */
export function PageOf<T extends TSchema>(item: T) {
  return Type.Object(
    { items: Type.Array(ref(item)), next_cursor: Nullable(Type.String({ description: 'pass as ?cursor= for the next page' })) },
    { $id: `${item.$id}Page`, description: 'one page of a list; next_cursor is null on the last page' },
  );
}

/** Where a page starts: after the row with this id, at this position of the whole list. */
export interface CursorState {
  afterId: number;
  offset: number;
}

export const encodeCursor = (state: CursorState) => Buffer.from(`${state.afterId}:${state.offset}`).toString('base64url');

/** The largest id of an int4 (serial) key, the id type of most tables. */
export const INT4_MAX_ID = 2147483647;

/**
 * The state of a cursor, or a 422 for anything but the exact text encodeCursor wrote. Node's
 * base64url decoder skips characters outside its alphabet and takes padding and the '+/'
 * alphabet too, and the digits could carry leading zeros: without the round trip check one
 * page would answer to countless tampered names. `maxId`: the largest id the list's key holds
 * (int4 by default; a bigserial list passes Number.MAX_SAFE_INTEGER).
 */
export function decodeCursor(cursor: string | undefined, maxId = INT4_MAX_ID): CursorState {
  if (cursor === undefined) return { afterId: 0, offset: 0 };
  const match = /^(\d{1,16}):(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString());
  const state = match ? { afterId: Number(match[1]), offset: Number(match[2]) } : undefined;
  if (!state || state.afterId > maxId || encodeCursor(state) !== cursor) {
    throw unprocessable('Invalid cursor: pass the next_cursor of a previous page unchanged');
  }
  return state;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
  /** Position of the first item in the whole list. */
  offset: number;
}

/**
 * Reads one page through a service's keyset list (rows after the row `afterId` in the list's
 * order, at most limit; id order, or newest first where the list says so and reads afterId 0 as
 * "from the start"). One row more than asked for tells whether a next page exists without counting.
 */
export async function readPage<Row extends { id: number }>(
  query: PageQuery,
  list: (page: { afterId: number; limit: number }) => Promise<Row[]>,
  options: { maxId?: number } = {},
): Promise<Page<Row>> {
  const limit = query.limit ?? DEFAULT_LIMIT;
  const { afterId, offset } = decodeCursor(query.cursor, options.maxId);
  const rows = await list({ afterId, limit: limit + 1 });
  const items = rows.slice(0, limit);
  const hasMore = rows.length > limit;
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: hasMore && last ? encodeCursor({ afterId: last.id, offset: offset + items.length }) : null,
    offset,
  };
}

/** Sets Content-Range and renders the list body, each row mapped to its resource shape. */
export function sendPage<Row, Item>(reply: FastifyReply, page: Page<Row>, toItem: (row: Row) => Item) {
  const range = page.items.length === 0 ? '*' : `${page.offset}-${page.offset + page.items.length - 1}`;
  reply.header('content-range', `items ${range}/*`);
  return { items: page.items.map(toItem), next_cursor: page.nextCursor };
}
