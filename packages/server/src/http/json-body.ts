/**
 * Checks of a parsed JSON body that every route needs before its schema is applied. Iterative:
 * a body nested 100,000 levels deep (200 KB of brackets, which JSON.parse takes in its stride)
 * must not overflow the stack here, as a recursive walk did.
 */

/**
 * The deepest nesting of arrays and objects accepted in a JSON body (`{"a": [1]}` is 2 levels
 * deep). No DTBase or resource API body needs more than 4; service parameters, the only free
 * JSON, get the rest. 64 is also System.Text.Json's default. Deeper bodies are a 422: beyond
 * about 3,000 levels JSON.stringify (jsonb parameters, responses, logs) overflows the stack.
 */
export const MAX_JSON_DEPTH = 64;

export type JsonBodyProblem = 'nul' | 'too-deep';

const isPlain = (value: object) => {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

/**
 * Why a parsed JSON `value` cannot be taken, or undefined: a NUL character in a string or key
 * (PostgreSQL text cannot hold it), or nesting deeper than `maxDepth`. Only plain arrays and
 * objects are walked: a streamed body (CSV, NDJSON) arrives as the request stream itself, and
 * its parser checks its own lines.
 */
export function jsonBodyProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): JsonBodyProblem | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? 'nul' : undefined;
  if (value === null || typeof value !== 'object' || !(Array.isArray(value) || isPlain(value))) return undefined;
  if (maxDepth < 1) return 'too-deep';
  // Containers still to look into, with the depth of each; a child is checked against the
  // limit before it is pushed, so the stack never holds more than the containers of the body.
  const containers: object[] = [value];
  const depths: number[] = [1];
  while (containers.length > 0) {
    const container = containers.pop()!;
    const depth = depths.pop()!;
    if (Array.isArray(container)) {
      for (let i = 0; i < container.length; i++) {
        const item: unknown = container[i];
        if (typeof item === 'string') {
          if (item.includes('\u0000')) return 'nul';
        } else if (item !== null && typeof item === 'object') {
          if (depth >= maxDepth) return 'too-deep';
          containers.push(item);
          depths.push(depth + 1);
        }
      }
      continue;
    }
    if (!isPlain(container)) continue;
    const keys = Object.keys(container);
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k];
      if (key.includes('\u0000')) return 'nul';
      const item: unknown = (container as Record<string, unknown>)[key];
      if (typeof item === 'string') {
        if (item.includes('\u0000')) return 'nul';
      } else if (item !== null && typeof item === 'object') {
        if (depth >= maxDepth) return 'too-deep';
        containers.push(item);
        depths.push(depth + 1);
      }
    }
  }
  return undefined;
}
