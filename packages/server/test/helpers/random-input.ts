/**
 * Deterministic random JSON for the fuzz test: well-typed bodies generated from a route's
 * JSON schema with hostile values, bodies with one field of the wrong type, and junk.
 */
export type Random = () => number;

/** mulberry32: a tiny seeded generator, so a failing case can be replayed. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)];

const HOSTILE_STRINGS = [
  '',
  'x',
  'default_user@localhost',
  'a@b.c',
  '2024-01-01T00:00:00Z',
  '2024-01-01',
  'not-a-date',
  '9999-12-31T23:59:59Z',
  '0001-01-01',
  "'; DROP TABLE sensor; --",
  '\u0000',
  '💥🌡️',
  'a'.repeat(5000),
  'GET',
  'float',
  'integer',
  'string',
  'boolean',
  'x-y',
  '../../etc/passwd',
  '%s%n',
  'null',
  'http://127.0.0.1:1/',
];
const HOSTILE_NUMBERS = [0, 1, -1, 3.5, 1e308, -1e308, 2 ** 31, 2 ** 53 + 1, Number.MIN_VALUE];

type Schema = Record<string, unknown>;

export function junkValue(random: Random, depth = 0): unknown {
  const kind = Math.floor(random() * (depth > 2 ? 5 : 7));
  switch (kind) {
    case 0:
      return null;
    case 1:
      return pick(random, HOSTILE_NUMBERS);
    case 2:
      return random() < 0.5;
    case 3:
      return pick(random, HOSTILE_STRINGS);
    case 4:
      return Math.floor(random() * 100);
    case 5:
      return Array.from({ length: Math.floor(random() * 4) }, () => junkValue(random, depth + 1));
    default: {
      const obj: Record<string, unknown> = {};
      for (let i = 0; i < Math.floor(random() * 4); i++)
        obj[pick(random, HOSTILE_STRINGS).slice(0, 20) || 'k'] = junkValue(random, depth + 1);
      return obj;
    }
  }
}

/** A value that satisfies `schema`'s types (not necessarily its meaning). */
export function valueFor(schema: Schema | undefined, random: Random, depth = 0): unknown {
  if (!schema || depth > 6) return junkValue(random, 3);
  if (Array.isArray(schema.anyOf)) return valueFor(pick(random, schema.anyOf as Schema[]), random, depth + 1);
  if (Array.isArray(schema.oneOf)) return valueFor(pick(random, schema.oneOf as Schema[]), random, depth + 1);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return pick(random, schema.enum);
  const type = Array.isArray(schema.type) ? pick(random, schema.type as string[]) : (schema.type as string | undefined);
  switch (type) {
    case 'null':
      return null;
    case 'string':
      return pick(random, HOSTILE_STRINGS);
    case 'integer':
      return Math.trunc(
        pick(
          random,
          HOSTILE_NUMBERS.filter((n) => Math.abs(n) < 2 ** 53),
        ),
      );
    case 'number':
      return pick(random, HOSTILE_NUMBERS);
    case 'boolean':
      return random() < 0.5;
    case 'array':
      return Array.from({ length: Math.floor(random() * 4) }, () => valueFor(schema.items as Schema, random, depth + 1));
    case 'object': {
      const obj: Record<string, unknown> = {};
      const required = new Set((schema.required as string[] | undefined) ?? []);
      for (const [key, sub] of Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {})) {
        if (required.has(key) || random() < 0.7) obj[key] = valueFor(sub, random, depth + 1);
      }
      return obj;
    }
    default:
      return junkValue(random, depth);
  }
}

/** A well-typed body with one top-level field replaced by junk or removed. */
export function mutate(body: unknown, random: Random): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return junkValue(random);
  const keys = Object.keys(body);
  if (keys.length === 0) return { unexpected: junkValue(random) };
  const key = pick(random, keys);
  const copy: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  if (random() < 0.3) delete copy[key];
  else copy[key] = junkValue(random);
  return copy;
}

/**
 * JSON text nested `depth` levels deep, arrays and objects mixed at random, as text: a value
 * that deep cannot go through JSON.stringify (it overflows the stack from a few thousand levels).
 */
export function deepJson(depth: number, random: Random): string {
  const open: string[] = [];
  const close: string[] = [];
  for (let i = 0; i < depth; i++) {
    if (random() < 0.5) {
      open.push('[');
      close.push(']');
    } else {
      open.push('{"k":');
      close.push('}');
    }
  }
  return `${open.join('')}${random() < 0.5 ? '1' : '"\\u0000"'}${close.reverse().join('')}`;
}

/** A well-typed body as JSON text with one top-level field (or the whole body) nested `depth` deep. */
export function withDeepField(body: unknown, depth: number, random: Random): string {
  if (!body || typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length === 0) return deepJson(depth, random);
  const keys = Object.keys(body);
  const key = pick(random, keys);
  const rest = { ...(body as Record<string, unknown>) };
  delete rest[key];
  const restText = JSON.stringify(rest).slice(1, -1);
  return `{${JSON.stringify(key)}: ${deepJson(depth, random)}${restText ? `, ${restText}` : ''}}`;
}
