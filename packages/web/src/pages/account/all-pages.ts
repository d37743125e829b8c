/** One page of a resource-API list. */
export interface ListPage<T> {
  items: T[];
  next_cursor: string | null;
}

/**
 * Every item of a short list (users, keys, services, parameter sets), following next_cursor.
 * Bounded: a list past `maxPages` of a thousand is not what these pages are for.
 */
export async function readAllPages<T>(fetchPage: (cursor: string | undefined) => Promise<ListPage<T>>, maxPages = 20): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page += 1) {
    const result = await fetchPage(cursor);
    items.push(...result.items);
    if (!result.next_cursor) break;
    cursor = result.next_cursor;
  }
  return items;
}
