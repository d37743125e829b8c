/**
 * Placeholders in a service's parameters, resolved when the service is called, so that a model
 * receives its input in the request instead of calling back for it:
 *
 *   {"$readings": {"sensor": "ws-1", "measure": "temperature", "window": "P7D"}}
 *     -> {"sensor", "measure", "units", "resolution", "timestamps": [...], "values": [...]}
 *   {"$window": "from"} / {"$window": "to"} -> the run's window edge (ISO 8601), or null
 *
 * The search is iterative and bounded (no recursion on a client's JSON): parameters may nest at
 * most MAX_PARAMETER_DEPTH levels and hold at most MAX_PLACEHOLDERS placeholders.
 */
import { unprocessable } from '../../errors.ts';

/** As request bodies (MAX_JSON_DEPTH, src/http/json-body.ts); checked here too for parameters that come from code or the database. */
export const MAX_PARAMETER_DEPTH = 64;
export const MAX_PLACEHOLDERS = 20;
/** Points per `$readings` series: more readings than this in the range are averaged into this many buckets. */
export const PLACEHOLDER_MAX_POINTS = 10_000;

type PathPart = string | number;

export interface ReadingsSpec {
  sensor: string;
  measure: string;
  units?: string;
  /** An ISO 8601 duration ending at `to` (or the run's window end, or now). */
  window?: string;
  from?: string;
  to?: string;
}

export type Placeholder = { path: PathPart[] } & ({ kind: 'readings'; spec: ReadingsSpec } | { kind: 'window'; edge: 'from' | 'to' });

/** The data window of a run (a schedule's previous and current beat). */
export interface PlaceholderWindow {
  from: Date | null;
  to: Date;
}

/** A series as a `$readings` placeholder is replaced by (column-wise, as the resource API returns it). */
export interface ResolvedSeries {
  sensor: string;
  measure: string;
  units: string | null;
  resolution: string;
  timestamps: unknown[];
  values: unknown[];
}

export interface SeriesAccess {
  /** Why (sensor, measure, units) names no series, or undefined when it names one. */
  problem(spec: Pick<ReadingsSpec, 'sensor' | 'measure' | 'units'>): Promise<string | undefined>;
  /** The series over [from, to], at most PLACEHOLDER_MAX_POINTS points. */
  read(spec: Pick<ReadingsSpec, 'sensor' | 'measure' | 'units'>, from: Date, to: Date): Promise<ResolvedSeries>;
}

/** `parameters.history["my key"][2]`: where in the parameters something is, as the messages name it. */
export function describePath(path: readonly PathPart[]): string {
  return (
    'parameters' +
    path
      .map((p) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p.slice(0, 60))}]`))
      .join('')
  );
}

const DURATION =
  /^P(?!$)(?:(\d{1,6})Y)?(?:(\d{1,6})M)?(?:(\d{1,6})W)?(?:(\d{1,7})D)?(?:T(?=\d)(?:(\d{1,8})H)?(?:(\d{1,10})M)?(?:(\d{1,12}(?:\.\d{1,6})?)S)?)?$/;
const ZONED_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;
/** Earliest start a window may reach: readings are stored for the UTC years 1 to 9999. */
const EARLIEST_MS = -62_135_596_800_000; // 0001-01-01T00:00:00Z

/**
 * `to` minus an ISO 8601 duration; years, months and days in calendar terms (as Date counts
 * them: P1M before 31 March is 3 March, February having no 31st). Undefined when it is not a
 * duration, or reaches before the year 1.
 */
export function subtractDuration(to: Date, duration: string): Date | undefined {
  const m = DURATION.exec(duration);
  if (!m) return undefined;
  const [, y, mo, w, d, h, mi, s] = m.map((part) => (part === undefined ? 0 : Number(part)));
  const at = new Date(to.getTime());
  at.setUTCFullYear(at.getUTCFullYear() - y, at.getUTCMonth() - mo, at.getUTCDate() - 7 * w - d);
  const ms = at.getTime() - ((h * 60 + mi) * 60 + s) * 1000;
  return Number.isFinite(ms) && ms >= EARLIEST_MS ? new Date(ms) : undefined;
}

const SPEC_KEYS = new Set(['sensor', 'measure', 'units', 'window', 'from', 'to']);

function parseReadingsSpec(value: unknown, where: string): ReadingsSpec {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw unprocessable(`${where}: must be an object {"sensor", "measure", "window" | "from"/"to"}`);
  }
  const spec = value as Record<string, unknown>;
  const unknownKey = Object.keys(spec).find((k) => !SPEC_KEYS.has(k));
  if (unknownKey !== undefined) {
    throw unprocessable(`${where}: unknown field ${JSON.stringify(unknownKey.slice(0, 60))} (allowed: ${[...SPEC_KEYS].join(', ')})`);
  }
  for (const key of ['sensor', 'measure'] as const) {
    if (typeof spec[key] !== 'string' || spec[key] === '') throw unprocessable(`${where}.${key}: must be a non-empty string`);
  }
  for (const key of ['units', 'window', 'from', 'to'] as const) {
    if (spec[key] !== undefined && typeof spec[key] !== 'string') throw unprocessable(`${where}.${key}: must be a string`);
  }
  if (spec.window !== undefined && spec.from !== undefined) throw unprocessable(`${where}: give either window or from, not both`);
  if (spec.window !== undefined && subtractDuration(new Date(), spec.window as string) === undefined) {
    throw unprocessable(
      `${where}.window: ${JSON.stringify(String(spec.window).slice(0, 60))} is not an ISO 8601 duration such as P7D or PT6H`,
    );
  }
  for (const key of ['from', 'to'] as const) {
    const text = spec[key] as string | undefined;
    if (text !== undefined && !(ZONED_INSTANT.test(text) && Number.isFinite(Date.parse(text)))) {
      throw unprocessable(`${where}.${key}: ${JSON.stringify(text.slice(0, 60))} is not an ISO 8601 date-time with a UTC offset`);
    }
  }
  if (spec.from !== undefined && spec.to !== undefined && Date.parse(spec.from as string) > Date.parse(spec.to as string)) {
    throw unprocessable(`${where}: from must not be after to`);
  }
  return spec as unknown as ReadingsSpec;
}

/**
 * Every placeholder in `parameters`, with its path; 422 for a malformed one, for parameters
 * nested deeper than MAX_PARAMETER_DEPTH, or for more than MAX_PLACEHOLDERS placeholders.
 */
export function findPlaceholders(parameters: unknown): Placeholder[] {
  const found: Placeholder[] = [];
  const stack: { value: unknown; path: PathPart[] }[] = [{ value: parameters, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop() as { value: unknown; path: PathPart[] };
    if (value === null || typeof value !== 'object') continue;
    if (path.length >= MAX_PARAMETER_DEPTH) {
      throw unprocessable(`parameters nest deeper than ${MAX_PARAMETER_DEPTH} levels (at ${describePath(path.slice(0, 8))}...)`);
    }
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: [...path, i] });
      continue;
    }
    const keys = Object.keys(value);
    const marker = keys.find((k) => k === '$readings' || k === '$window');
    if (marker !== undefined) {
      const where = `${describePath(path)}.${marker}`;
      if (keys.length !== 1) throw unprocessable(`${where}: a placeholder object must hold ${marker} alone`);
      const inner = (value as Record<string, unknown>)[marker];
      if (marker === '$window') {
        if (inner !== 'from' && inner !== 'to') throw unprocessable(`${where}: must be "from" or "to"`);
        found.push({ path, kind: 'window', edge: inner });
      } else {
        found.push({ path, kind: 'readings', spec: parseReadingsSpec(inner, where) });
      }
      if (found.length > MAX_PLACEHOLDERS) throw unprocessable(`parameters hold more than ${MAX_PLACEHOLDERS} placeholders`);
      continue;
    }
    for (let i = keys.length - 1; i >= 0; i--) {
      stack.push({ value: (value as Record<string, unknown>)[keys[i]], path: [...path, keys[i]] });
    }
  }
  return found;
}

/** Checks placeholders where parameters are stored or given: malformed ones, and series that do not exist, are a 422. */
export async function checkPlaceholders(parameters: unknown, series: Pick<SeriesAccess, 'problem'>): Promise<Placeholder[]> {
  const found = findPlaceholders(parameters);
  for (const p of found) {
    if (p.kind !== 'readings') continue;
    const problem = await series.problem(p.spec);
    if (problem !== undefined) throw unprocessable(`${describePath(p.path)}.$readings: ${problem}`);
  }
  return found;
}

/** A `$readings` without window or from takes the run's window: 422 when the run has none. */
export function checkWindowNeeds(found: readonly Placeholder[], window: PlaceholderWindow | undefined): void {
  if (window) return;
  const needs = found.find((p) => p.kind === 'readings' && p.spec.window === undefined && p.spec.from === undefined);
  if (needs) {
    throw unprocessable(
      `${describePath(needs.path)}.$readings: gives neither window nor from, and this run has no data window (only scheduled runs have one)`,
    );
  }
}

/**
 * The parameters with every placeholder replaced (a copy; the stored ones are not touched).
 * Throws an Error naming the placeholder when a series can no longer be read.
 */
export async function resolvePlaceholders(
  parameters: unknown,
  found: readonly Placeholder[],
  context: { window: PlaceholderWindow | undefined; now: Date; series: Pick<SeriesAccess, 'read'> },
): Promise<unknown> {
  if (found.length === 0) return parameters;
  let root: unknown = structuredClone(parameters);
  for (const p of found) {
    let replacement: unknown;
    if (p.kind === 'window') {
      const edge = p.edge === 'from' ? context.window?.from : context.window?.to;
      replacement = edge ? edge.toISOString() : null;
    } else {
      const { spec } = p;
      const to = spec.to !== undefined ? new Date(spec.to) : (context.window?.to ?? context.now);
      const from =
        spec.from !== undefined
          ? new Date(spec.from)
          : spec.window !== undefined
            ? subtractDuration(to, spec.window)
            : // A schedule's first run has no previous beat: its window reaches back to the
              // first reading, rather than failing at 3 a.m. for a set accepted at creation.
              context.window
              ? (context.window.from ?? new Date(EARLIEST_MS))
              : undefined;
      if (!from) throw new Error(`${describePath(p.path)}.$readings: this run has no data window: give window or from`);
      try {
        replacement = await context.series.read(spec, from, to);
      } catch (error) {
        const detail = error instanceof Error ? ((error as { detail?: string }).detail ?? error.message) : String(error);
        throw new Error(`${describePath(p.path)}.$readings: ${detail}`);
      }
    }
    if (p.path.length === 0) {
      root = replacement;
      continue;
    }
    let parent = root as Record<string | number, unknown>;
    for (const part of p.path.slice(0, -1)) parent = parent[part] as Record<string | number, unknown>;
    parent[p.path[p.path.length - 1]] = replacement;
  }
  return root;
}
