/**
 * Readings per page of a streamed read: each page is one query whose JSON PostgreSQL builds
 * (~0.6 MB of DTBase's list), so memory holds a few pages whatever the range.
 */
export const READ_PAGE_ROWS = 10_000;

/** One page of a series read in time order. */
export interface KeysetPage {
  rows: number;
  /** The page's last timestamp, exact (mb_iso), to continue after; null when the page is empty. */
  last: string | null;
}

/** Reads the `limit` readings after `after` (from the start of the range when null). */
export type ReadPage<P extends KeysetPage> = (after: string | null, limit: number) => Promise<P>;

/**
 * Walks a range page by page in time order, each page the readings after the last timestamp
 * of the page before (keyset paging over the primary key: every page is an index range scan,
 * however deep into the series it starts). Stops after a short page, or once `maxRows` came.
 * `first` is the first page if the caller read it already, with limit min(pageRows, maxRows).
 * Nothing is read ahead: the next page is queried only when the consumer asks for it, and a
 * consumer that stops (return()) stops the reading.
 */
export async function* keysetPages<P extends KeysetPage>(
  read: ReadPage<P>,
  options: { pageRows: number; maxRows?: number; first?: P },
): AsyncGenerator<P> {
  const maxRows = options.maxRows ?? Infinity;
  let limit = Math.min(options.pageRows, maxRows);
  let page = options.first ?? (await read(null, limit));
  let seen = 0;
  for (;;) {
    if (page.rows > 0) yield page;
    seen += page.rows;
    if (page.rows < limit || seen >= maxRows || page.last === null) return;
    limit = Math.min(options.pageRows, maxRows - seen);
    page = await read(page.last, limit);
  }
}
