/**
 * Client values as error messages and 422 bodies show them: always small, whatever was sent.
 * A 20 MB string, an array of a million items or a value nested 100,000 levels deep comes
 * back as a few hundred characters, and nothing here recurses deeper than PREVIEW_DEPTH.
 */

/** Characters of a string shown before it is cut off. */
export const PREVIEW_STRING_CHARS = 100;
/** Items of an array (or keys of an object) shown at one level. */
export const PREVIEW_ITEMS = 10;
/** Levels of nesting shown; deeper arrays and objects become "[…]" and "{…}". */
export const PREVIEW_DEPTH = 3;
/** Values shown in all, so that a preview stays a few kilobytes at most. */
const PREVIEW_VALUES = 20;

const isPlainObject = (value: object) => {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

/** `text` cut at 100 characters, saying how long it was, for messages that quote a name as it is. */
export function clipText(text: string): string {
  if (text.length <= PREVIEW_STRING_CHARS) return text;
  return `${text.slice(0, PREVIEW_STRING_CHARS)}… (${text.length.toLocaleString('en-US')} characters)`;
}

function previewAt(value: unknown, depth: number, budget: { values: number }): unknown {
  budget.values--;
  if (typeof value === 'string') return clipText(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'boolean' || value === null) return value;
  if (value === undefined) return null;
  if (typeof value !== 'object') return String(value);
  if (Array.isArray(value)) {
    if (depth >= PREVIEW_DEPTH || budget.values <= 0) return value.length === 0 ? [] : '[…]';
    const shown = Math.min(value.length, PREVIEW_ITEMS);
    const copy: unknown[] = [];
    for (let i = 0; i < shown && budget.values > 0; i++) copy.push(previewAt(value[i], depth + 1, budget));
    if (copy.length < value.length) copy.push(`… ${(value.length - copy.length).toLocaleString('en-US')} more`);
    return copy;
  }
  if (!isPlainObject(value)) return '{…}';
  const copy: Record<string, unknown> = {};
  let keys = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (depth >= PREVIEW_DEPTH || keys >= PREVIEW_ITEMS || budget.values <= 0) {
      if (keys === 0) return '{…}';
      copy['…'] = 'more keys';
      break;
    }
    // defineProperty: a key "__proto__" (JSON.parse makes it an own key) stays a plain key.
    Object.defineProperty(copy, clipText(key), {
      value: previewAt((value as Record<string, unknown>)[key], depth + 1, budget),
      enumerable: true,
      writable: true,
      configurable: true,
    });
    keys++;
  }
  return copy;
}

/**
 * A small copy of `value` for the `input` of a 422 issue: strings cut at 100 characters,
 * at most 10 items per array or object and 3 levels, about 20 values in all; undefined is null.
 */
export function previewInput(value: unknown): unknown {
  return previewAt(value, 0, { values: PREVIEW_VALUES });
}

/** `value` as JSON text for an error message, never longer than a few hundred characters. */
export function quoteValue(value: unknown): string {
  return JSON.stringify(previewInput(value));
}
