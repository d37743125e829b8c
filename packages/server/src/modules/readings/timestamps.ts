/**
 * Timestamp parsing for the ingest path. Every reading's timestamp passes through here, so it
 * is one regular expression and Date.UTC, not a Date object per reading.
 *
 * The text itself is what PostgreSQL stores (it parses ISO-8601 the same way, keeping
 * microseconds that a JavaScript Date would drop); the number computed here is only used to
 * order timestamps, pick partitions and rollup buckets, and it must agree with PostgreSQL.
 */
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Milliseconds since the epoch (with a sub-millisecond fraction, rounded to the microsecond as
 * PostgreSQL does), or NaN when `text` is not a valid timestamp. Without an offset the time is
 * UTC (DTBase's rule), unless `requireOffset` says an offset must be given.
 */
export function parseTimestamp(text: string, requireOffset: boolean): number {
  const m = TIMESTAMP.exec(text);
  if (m === null) return NaN;
  const year = +m[1];
  const month = +m[2];
  const day = +m[3];
  if (month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1] || year < 1) return NaN;
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) return NaN;
  const offset = m[8];
  if (m[4] === undefined) return requireOffset ? NaN : Date.UTC(year, month - 1, day);
  if (offset === undefined && requireOffset) return NaN;
  const hour = +m[4];
  const minute = +m[5];
  const second = m[6] === undefined ? 0 : +m[6];
  if (hour > 23 || minute > 59 || second > 59) return NaN;
  let ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC maps years 0-99 to 1900-1999; readings from the first century are not a use case.
  if (year < 100) return NaN;
  if (offset !== undefined && offset !== 'Z' && offset !== 'z') {
    const sign = offset[0] === '-' ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    const offsetHours = +digits.slice(0, 2);
    const offsetMinutes = digits.length > 2 ? +digits.slice(2, 4) : 0;
    // PostgreSQL refuses offsets beyond 15:59.
    if (offsetHours > 15 || offsetMinutes > 59) return NaN;
    ms -= sign * (offsetHours * 60 + offsetMinutes) * 60_000;
  }
  const fraction = m[7];
  if (fraction !== undefined) ms += Math.round(Number(`0.${fraction}`) * 1e6) / 1e3;
  return ms;
}

/** The UTC month a timestamp falls in, as a number that orders months: year * 12 + month0. */
export function monthIndex(ms: number): number {
  const date = new Date(ms);
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
}

/** The first instant of a month index, as an ISO string PostgreSQL understands. */
export function monthStartIso(index: number): string {
  return new Date(Date.UTC(Math.floor(index / 12), index % 12, 1)).toISOString();
}

/** The partition of a readings table holding a month, as mb_ensure_reading_partitions names it. */
export function partitionName(datatype: string, month: number): string {
  return `reading_${datatype}_p${String(Math.floor(month / 12)).padStart(4, '0')}_${String((month % 12) + 1).padStart(2, '0')}`;
}

/**
 * A time from parseTimestamp in DTBase's rendering (what SQL's mb_iso gives):
 * 2024-01-01T00:00:00Z, or with six fractional digits when there is a fraction.
 */
export function formatTimestamp(ms: number): string {
  const whole = Math.floor(ms / 1000) * 1000;
  const micros = Math.round((ms - whole) * 1000);
  const base = new Date(whole).toISOString().slice(0, 19);
  return micros === 0 ? `${base}Z` : `${base}.${String(micros).padStart(6, '0')}Z`;
}
