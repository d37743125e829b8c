/**
 * What a call named, for the audit log: `field=value` pairs taken from the route's path
 * parameters, then from the top level of a JSON body, by a fixed list of identifying field
 * names. A list rather than "every string field": a password, a service URL with credentials
 * or a parameter set must never reach the log, whatever a route adds later. Whole bodies are
 * never looked into (a 10,000-reading insert costs a few property reads).
 */
const IDENTIFYING_FIELDS = [
  'email',
  'uid',
  'unique_identifier',
  'model_name',
  'service_name',
  'schema_name',
  'type_name',
  'name',
  'set',
  'parameter_set_name',
  'measure_name',
  'run_id',
  'id',
] as const;

const MAX_FIELDS = 2;
const MAX_VALUE_CHARS = 100;

/**
 * JSON bodies are plain objects, and path parameters objects without Object's prototype (the
 * router's NullObject); a request stream (CSV, NDJSON ingest) or any other instance is neither.
 */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null || Object.getPrototypeOf(prototype) === null;
}

function shortText(field: string, value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string' || value === '') return undefined;
  // A login's e-mail field is where a password typed one field too early ends up.
  if (field === 'email' && !value.includes('@')) return '(not an e-mail address)';
  return value.length > MAX_VALUE_CHARS ? `${value.slice(0, MAX_VALUE_CHARS)}…` : value;
}

/** The target of a call, e.g. `unique_identifier=s-1 measure_name=temperature`, or null. */
export function auditTarget(params: unknown, body: unknown): string | null {
  const parts: string[] = [];
  const seen = new Set<string>();
  for (const source of [params, body]) {
    if (!isPlainObject(source)) continue;
    for (const field of IDENTIFYING_FIELDS) {
      if (parts.length === MAX_FIELDS) break;
      if (seen.has(field) || !Object.hasOwn(source, field)) continue;
      const text = shortText(field, source[field]);
      if (text === undefined) continue;
      seen.add(field);
      parts.push(`${field}=${text}`);
    }
  }
  return parts.length > 0 ? parts.join(' ') : null;
}
