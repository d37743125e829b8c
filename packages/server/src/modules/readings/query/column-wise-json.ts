import { jsonArrayElements } from '../prepared-text.ts';
import type { ColumnsPage } from './readings-query.repository.ts';
import { Spool, type SpoolOptions } from './spool.ts';

/**
 * A column-wise JSON answer ({"sensor": …, "timestamps": […], "values": […]}) from a small
 * header serialised here and big arrays that PostgreSQL already rendered as JSON text: the
 * arrays are spliced in as they are, never parsed.
 */
export function spliceJson(header: Record<string, unknown>, arrays: Record<string, string>): string {
  const head = JSON.stringify(header).slice(0, -1);
  return `${head}${Object.entries(arrays)
    .map(([key, json]) => `,"${key}":${json}`)
    .join('')}}`;
}

/** A whole JSON object from spliceJson's parts, as bytes. */
export function splicedBuffer(header: Record<string, unknown>, arrays: Record<string, Buffer>): Buffer {
  const parts: Buffer[] = [Buffer.from(JSON.stringify(header).slice(0, -1))];
  for (const [key, json] of Object.entries(arrays)) parts.push(Buffer.from(`,"${key}":`), json);
  parts.push(Buffer.from('}'));
  return Buffer.concat(parts);
}

/**
 * A column-wise answer from pages: the header, every page's timestamps, then every page's
 * values. The values wait in a spool (memory, then a temporary file) while the timestamps go
 * out, so memory holds a page or two whatever the range.
 */
export async function* columnWise(
  header: Record<string, unknown>,
  pages: AsyncIterable<ColumnsPage>,
  spoolOptions: SpoolOptions,
): AsyncGenerator<Buffer | string> {
  const values = new Spool(spoolOptions);
  try {
    yield `${JSON.stringify(header).slice(0, -1)},"timestamps":[`;
    let first = true;
    for await (const page of pages) {
      if (page.rows === 0) continue;
      if (!first) {
        yield ', ';
        await values.append(', ');
      }
      first = false;
      yield jsonArrayElements(page.timestamps);
      await values.append(jsonArrayElements(page.values));
    }
    yield '],"values":[';
    yield* values.contents();
    yield ']}';
  } finally {
    await values.close();
  }
}
