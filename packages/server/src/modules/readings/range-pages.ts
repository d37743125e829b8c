/**
 * Readings per page of a streamed read: each page is one query whose JSON PostgreSQL builds
 * (~0.6 MB of DTBase's list), so memory holds a few pages whatever the range.
 */
export const READ_PAGE_ROWS = 10_000;

/** Pages read at once, ahead of the one being sent. */
export const PAGES_AHEAD = 2;

/** How a paged read queries its range, whose bounds the reader holds. */
export interface RangeReader<P> {
  /**
   * The timestamp (exact, mb_iso) of the `n`-th reading after `after` (from the start of the
   * range when null), or null when fewer than `n` remain: an index scan of n entries.
   */
  boundary(after: string | null, n: number): Promise<string | null>;
  /** Every reading after `after` (from the start when null) up to `upTo` inclusive (the end when null). */
  page(after: string | null, upTo: string | null): Promise<P>;
}

/**
 * A range read in pages of about `pageRows` readings, in time order. The range is cut at
 * boundary timestamps found ahead by cheap index scans, so the pages (after, upTo] cover it
 * exactly, without a gap or an overlap, whatever is written meanwhile; and up to PAGES_AHEAD
 * of them are read at once (on PostgreSQL, on as many connections and cores). Nothing more is
 * read until the consumer takes a page; a consumer that stops (return()) stops the reading,
 * the pages in flight finishing unseen. `firstUpTo` is the first boundary if already known.
 */
export async function* rangePages<P>(
  reader: RangeReader<P>,
  options: { pageRows: number; firstUpTo?: string | null; ahead?: number },
): AsyncGenerator<P> {
  const ahead = options.ahead ?? PAGES_AHEAD;
  const inFlight: Promise<P>[] = [];
  let after: string | null = null;
  let upTo = options.firstUpTo;
  let reachedEnd = false;
  for (;;) {
    while (!reachedEnd && inFlight.length < ahead) {
      if (upTo === undefined) upTo = await reader.boundary(after, options.pageRows);
      const page = reader.page(after, upTo);
      // Awaited below in order; if the consumer stops first, its failure is nobody's business.
      page.catch(() => {});
      inFlight.push(page);
      if (upTo === null) reachedEnd = true;
      after = upTo;
      upTo = undefined;
    }
    const next = inFlight.shift();
    if (next === undefined) return;
    yield await next;
  }
}
