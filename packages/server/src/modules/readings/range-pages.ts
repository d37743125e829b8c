/**
 * Readings per page of a streamed read: each page is one query whose JSON PostgreSQL builds
 * (~0.6 MB of DTBase's list), so memory holds a few pages whatever the range.
 */
export const READ_PAGE_ROWS = 10_000;

/** Pages read at once, ahead of the one being sent. */
export const PAGES_AHEAD = 2;

/** Page boundaries one index scan finds. */
export const BOUNDARIES_PER_SEARCH = 8;

/** How a paged read queries its range, whose bounds the reader holds. */
export interface RangeReader<P> {
  /**
   * The timestamps (exact, mb_iso) of the n-th, 2n-th, … (count·n)-th readings after `after`
   * (from the start of the range when null), as many as there are: as costly as counting
   * count·n readings.
   */
  boundaries(after: string | null, n: number, count: number): Promise<string[]>;
  /** Every reading after `after` (from the start when null) up to `upTo` inclusive (the end when null). */
  page(after: string | null, upTo: string | null): Promise<P>;
}

/**
 * A range read in pages of about `pageRows` readings, in time order. The range is cut at
 * boundary timestamps that index scans find ahead of the pages, so the pages (after, upTo]
 * cover it exactly, without a gap or an overlap, whatever is written meanwhile; up to
 * PAGES_AHEAD of them are read at once (on PostgreSQL, on as many connections and cores), and
 * a page never waits for its boundary once the read is under way. Nothing more is read until
 * the consumer takes a page; a consumer that stops (return()) stops the reading, the queries
 * in flight finishing unseen. `first` is the first search's answer if the caller has it.
 */
export async function* rangePages<P>(
  reader: RangeReader<P>,
  options: { pageRows: number; first?: string[]; ahead?: number; perSearch?: number },
): AsyncGenerator<P> {
  const ahead = options.ahead ?? PAGES_AHEAD;
  const perSearch = options.perSearch ?? BOUNDARIES_PER_SEARCH;
  const known: string[] = [];
  let searchFrom: string | null = null;
  let allFound = false;
  let searching: Promise<void> | undefined;
  const absorb = (found: string[]) => {
    known.push(...found);
    if (found.length < perSearch) allFound = true;
    else searchFrom = found[found.length - 1];
  };
  const search = () => {
    if (searching === undefined) {
      searching = reader.boundaries(searchFrom, options.pageRows, perSearch).then((found) => {
        absorb(found);
        searching = undefined;
      });
      // Awaited when a page needs it; if the consumer stops first, its failure is nobody's business.
      searching.catch(() => {});
    }
    return searching;
  };
  if (options.first) absorb(options.first);

  const inFlight: Promise<P>[] = [];
  let after: string | null = null;
  let reachedEnd = false;
  for (;;) {
    while (!reachedEnd && inFlight.length < ahead) {
      if (known.length === 0 && !allFound) await search();
      const upTo = known.shift() ?? null; // null: the last page, up to the end of the range
      const page = reader.page(after, upTo);
      page.catch(() => {});
      inFlight.push(page);
      if (upTo === null) reachedEnd = true;
      after = upTo;
    }
    // The next pages' boundaries, found while these pages are read.
    if (known.length < ahead && !allFound) void search();
    const next = inFlight.shift();
    if (next === undefined) return;
    yield await next;
  }
}
