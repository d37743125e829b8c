/**
 * The plots' selection in the URL, so a link opens the same plots: `type`, `sensors` and
 * `measures` (comma-separated), `from` and `to` (ISO-8601). Without `to` the range runs until
 * now and new readings are appended as they arrive; without `from` it is the last day.
 */
export interface PlotsSearch {
  type?: string;
  sensors?: string;
  measures?: string;
  from?: string;
  to?: string;
}

const KEYS = ['type', 'sensors', 'measures', 'from', 'to'] as const;

/** Keeps the known parameters that are non-empty text (a hand-edited link may hold anything). */
export function validatePlotsSearch(search: Record<string, unknown>): PlotsSearch {
  const valid: PlotsSearch = {};
  for (const key of KEYS) {
    const value = search[key];
    if (typeof value === 'string' && value.trim() !== '') valid[key] = value.trim();
  }
  for (const key of ['from', 'to'] as const) {
    if (valid[key] !== undefined && Number.isNaN(Date.parse(valid[key]))) delete valid[key];
  }
  return valid;
}

export const splitList = (text: string | undefined): string[] =>
  text
    ? text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

export const joinList = (items: string[]): string | undefined => (items.length ? items.join(',') : undefined);

export const DAY_MS = 86_400_000;
export const DEFAULT_SPAN_MS = DAY_MS;

/** The range to draw, epoch ms, and whether it runs until now (live). */
export function resolveRange(search: PlotsSearch, now: number): { from: number; to: number; live: boolean } {
  const to = search.to ? Date.parse(search.to) : now;
  const from = search.from ? Date.parse(search.from) : to - DEFAULT_SPAN_MS;
  return { from: Math.min(from, to - 1000), to, live: !search.to || to >= now };
}
