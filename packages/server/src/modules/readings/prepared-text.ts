/**
 * The text of a read (JSON or CSV) as the database prepared it, for a route to send as it is:
 * `whole` when it fitted in one page; otherwise `chunks`, read from the database page by page
 * as they are consumed. Every check has passed before a PreparedText exists, so a route can
 * commit to a 200 before the first chunk; stopping early (return()) stops the reading.
 */
export type PreparedText = { whole: Buffer | string; chunks?: undefined } | { whole?: undefined; chunks: AsyncIterable<Buffer | string> };

/** All of it in memory: for callers that nest a bounded answer in their own (run details). */
export async function preparedTextToString(text: PreparedText): Promise<string> {
  if (text.whole !== undefined) return text.whole.toString();
  const parts: Buffer[] = [];
  for await (const chunk of text.chunks) parts.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(parts).toString();
}

/** A JSON array's elements without its brackets ("[1, 2]" -> "1, 2"), without copying. */
export function jsonArrayElements(array: Buffer): Buffer {
  return array.subarray(1, array.length - 1);
}
