/** One page of a resource API list. */
export interface ListPage<T> {
  items: T[];
  next_cursor: string | null;
}

/** The largest page the resource API serves: fewest round trips for a whole list. */
export const MAX_PAGE = 1000;

/**
 * Every item of a resource API list, following next_cursor to the last page. For lists a page
 * shows whole (a schema's locations, a model's runs); `readPage` asks for one page from a cursor.
 */
export async function readAllPages<T>(readPage: (cursor: string | undefined) => Promise<ListPage<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await readPage(cursor);
    items.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined);
  return items;
}
