/** What the readings page shows, as its URL says: a series (sensor, measure, units) and a range. */
export interface ReadingsSearch {
  sensor?: string;
  measure?: string;
  units?: string;
  from?: string;
  to?: string;
}

const FIELDS = ['sensor', 'measure', 'units', 'from', 'to'] as const;

/** The page's search params (the router's validateSearch for /readings): its fields, empty ones left out. */
export function readReadingsSearch(search: Record<string, unknown>): ReadingsSearch {
  const result: ReadingsSearch = {};
  for (const field of FIELDS) {
    const value = search[field];
    if (value !== undefined && value !== null && value !== '') result[field] = String(value);
  }
  return result;
}

/** A range a person picks without thinking: the last seven days up to now. */
export function defaultRange(now = new Date()): { from: string; to: string } {
  return { from: new Date(now.getTime() - 7 * 24 * 3600_000).toISOString(), to: now.toISOString() };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An ISO instant as a datetime-local input's value, in the browser's time zone, to the second. */
export function toLocalInput(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** A datetime-local input's value (the browser's time zone) as an ISO instant in UTC, or undefined. */
export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
