/**
 * Timestamp parsing for the ingest path. Every reading's timestamp passes through here, so the
 * common form is read character by character and the rest by one regular expression and
 * Date.UTC, not a Date object per reading (except with offsets).
 *
 * The instant is rounded to the microsecond here, the way PostgreSQL's own parser does it
 * (rint of the fraction as a double times 1e6: .0000025 -> 2 µs, .0000035 -> 4 µs), and what is
 * sent to the database is the canonical text of that microsecond, never the client's text. So
 * what is stored is by construction what the ingest core ordered and deduplicated on: a COPY
 * chosen because JS saw strictly increasing times cannot meet a duplicate the parser made (it
 * would fail and hang, see the ingest core). Matching PostgreSQL's rounding only keeps answers
 * the same as for text stored before; correctness rests on the canonical text. The number is
 * used to order timestamps, pick partitions and rollup buckets; it derives from the same µs.
 */
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** 400 Gregorian years, a whole number of days: shifting by it keeps month, day and weekday. */
const MS_PER_400_YEARS = 146_097 * 86_400_000;

/** Date.UTC for every year from 1: Date.UTC alone reads years 0-99 as 1900-1999. */
export function utcMs(year: number, month0: number, day = 1, hour = 0, minute = 0, second = 0): number {
  return year < 100
    ? Date.UTC(year + 400, month0, day, hour, minute, second) - MS_PER_400_YEARS
    : Date.UTC(year, month0, day, hour, minute, second);
}

/** Instants PostgreSQL and Date.toISOString both write as plain YYYY: UTC years 1 to 9999. */
export const MIN_INSTANT_MS = utcMs(1, 0);
export const MAX_INSTANT_MS = utcMs(10000, 0); // exclusive
export const INSTANT_RANGE_PROBLEM = {
  low: 'timestamps must be at or after 0001-01-01T00:00:00Z (UTC)',
  high: 'timestamps must be before 10000-01-01T00:00:00Z (UTC)',
};

/** A parsed timestamp: `iso` is what the database stores, `time` the same instant in ms. */
export interface Instant {
  /** Milliseconds since the epoch, with the microseconds as a fraction. */
  time: number;
  /** Canonical text: YYYY-MM-DDTHH:MM:SS.ffffffZ, exactly six fraction digits, UTC. */
  iso: string;
}

/** Why a timestamp was refused: not a timestamp at all, or outside the years we store. */
export type InstantProblem = 'invalid' | 'low' | 'high';

/** C's rint (ties to even), as PostgreSQL rounds fractional seconds; x >= 0 here. */
function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** Whether year-month-day (month 1-12) is a day of the proleptic Gregorian calendar from year 1. */
function isCalendarDate(year: number, month: number, day: number): boolean {
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1]) return false;
  return !(month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)));
}

/**
 * An instant's `time`: whole milliseconds plus the microseconds as a fraction. Far from 1970 a
 * double cannot hold every microsecond (near the year 9999 its step is 1/32 ms): .999999 would
 * round up into the next millisecond, and so into the next minute or month. Keep floor(time)
 * the true millisecond, which is all that partitions and rollup buckets use; the exact instant
 * travels in `iso`.
 */
function instantTime(ms: number, micros: number): number {
  const whole = ms + Math.floor(micros / 1000);
  const time = whole + (micros % 1000) / 1000;
  return time < whole + 1 ? time : whole;
}

/**
 * Parses an ISO-8601 timestamp. Without an offset the time is UTC (DTBase's rule), unless
 * `requireOffset` says an offset must be given.
 */
export function parseInstant(text: string, requireOffset: boolean): Instant | InstantProblem {
  return parseCommonUtc(text, requireOffset) ?? parseAnyInstant(text, requireOffset);
}

/** Character codes the fast path compares with. */
const C0 = 48;
const C9 = 57;
const DASH = 45;
const COLON = 58;
const DOT = 46;
const T = 84;
const Z = 90;

/** The code of a decimal digit as its value, or -1 (-1 poisons any sum it enters). */
function digitAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c >= C0 && c <= C9 ? c - C0 : -1;
}

const twoDigits = (text: string, i: number) => {
  const tens = digitAt(text, i);
  const ones = digitAt(text, i + 1);
  return tens < 0 || ones < 0 ? -1 : tens * 10 + ones;
};

const FRACTION_ZEROS = ['', '0', '00', '000', '0000', '00000'];

/**
 * The form nearly every client sends, read without a regular expression or a Date:
 * `YYYY-MM-DDTHH:MM:SS`, an optional fraction of up to six digits, then `Z` (or nothing, when
 * no offset is required). It allocates only the canonical text, which matters when a request
 * brings 10,000 of them. Anything else (offsets, a space, more digits, anything it would refuse)
 * returns undefined and goes the general way, which gives the same answer for every text this
 * path takes (a unit test compares both on many texts).
 */
export function parseCommonUtc(text: string, requireOffset: boolean): Instant | undefined {
  const length = text.length;
  if (length < 19 || text.charCodeAt(4) !== DASH || text.charCodeAt(7) !== DASH || text.charCodeAt(10) !== T) return undefined;
  if (text.charCodeAt(13) !== COLON || text.charCodeAt(16) !== COLON) return undefined;
  const century = twoDigits(text, 0);
  const yearInCentury = twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  if ((century | yearInCentury | month | day | hour | minute | second) < 0) return undefined;
  const year = century * 100 + yearInCentury;
  // Anything it would refuse: the general path decides, and says why.
  if (!isCalendarDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined;
  let end = 19;
  let micros = 0;
  let fractionText = '000000';
  if (end < length && text.charCodeAt(end) === DOT) {
    const first = end + 1;
    end = first;
    while (end < length && end - first < 7 && digitAt(text, end) >= 0) micros = micros * 10 + digitAt(text, end++);
    const digits = end - first;
    if (digits === 0 || digits > 6) return undefined; // rounding beyond the microsecond: the general path
    for (let d = digits; d < 6; d++) micros *= 10;
    fractionText = text.slice(first, end) + FRACTION_ZEROS[6 - digits];
  }
  if (end === length) {
    if (requireOffset) return undefined;
  } else if (end !== length - 1 || (text.charCodeAt(end) !== Z && text.charCodeAt(end) !== Z + 32)) {
    return undefined;
  }
  const ms = utcMs(year, month - 1, day, hour, minute, second);
  if (ms < MIN_INSTANT_MS || ms >= MAX_INSTANT_MS) return undefined;
  return { time: instantTime(ms, micros), iso: `${text.slice(0, 19)}.${fractionText}Z` };
}

/** Every form the regular expression allows, offsets and rounding included. */
export function parseAnyInstant(text: string, requireOffset: boolean): Instant | InstantProblem {
  const m = TIMESTAMP.exec(text);
  if (m === null) return 'invalid';
  const year = +m[1];
  const month = +m[2];
  const day = +m[3];
  if (!isCalendarDate(year, month, day)) return 'invalid';
  const offset = m[8];
  if (m[4] === undefined && requireOffset) return 'invalid';
  if (offset === undefined && requireOffset) return 'invalid';
  const hour = m[4] === undefined ? 0 : +m[4];
  const minute = m[5] === undefined ? 0 : +m[5];
  const second = m[6] === undefined ? 0 : +m[6];
  if (hour > 23 || minute > 59 || second > 59) return 'invalid';
  let ms = utcMs(year, month - 1, day, hour, minute, second);
  const utc = offset === undefined || offset === 'Z' || offset === 'z';
  if (!utc) {
    const sign = offset[0] === '-' ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    const offsetHours = +digits.slice(0, 2);
    const offsetMinutes = digits.length > 2 ? +digits.slice(2, 4) : 0;
    // PostgreSQL refuses offsets beyond 15:59.
    if (offsetHours > 15 || offsetMinutes > 59) return 'invalid';
    ms -= sign * (offsetHours * 60 + offsetMinutes) * 60_000;
  }
  const fraction = m[7];
  const micros0 = fraction === undefined ? 0 : rint(Number(`0.${fraction}`) * 1e6);
  let micros = micros0;
  const carry = micros === 1_000_000;
  if (carry) {
    ms += 1000;
    micros = 0;
  }
  if (ms < MIN_INSTANT_MS) return 'low';
  if (ms >= MAX_INSTANT_MS) return 'high';
  const fractionText = String(micros).padStart(6, '0');
  // Already UTC and no carry: the matched fields are the canonical text; otherwise let Date
  // render the shifted instant (it writes years 1-9999 as four digits).
  const base =
    utc && !carry ? `${m[1]}-${m[2]}-${m[3]}T${pad2(hour)}:${pad2(minute)}:${pad2(second)}` : new Date(ms).toISOString().slice(0, 19);
  return { time: instantTime(ms, micros), iso: `${base}.${fractionText}Z` };
}

/** parseInstant's time, or NaN when the text is refused for any reason. */
export function parseTimestamp(text: string, requireOffset: boolean): number {
  const instant = parseInstant(text, requireOffset);
  return typeof instant === 'string' ? NaN : instant.time;
}

/**
 * A whole millisecond as a timestamptz literal. Date.toISOString writes the year 10000 as
 * +010000, which PostgreSQL refuses; the exclusive end of a range that ends in the last
 * storable millisecond is that instant, so write it as 10000-... (PostgreSQL reads it).
 */
export function pgIsoFromMs(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.startsWith('+') ? iso.slice(1).replace(/^0+(?=\d{5})/, '') : iso;
}

/** The UTC month a timestamp falls in, as a number that orders months: year * 12 + month0. */
export function monthIndex(ms: number): number {
  // Floor: a Date truncates a fractional millisecond toward zero, which would put
  // 1969-12-31T23:59:59.999999Z (-0.001 ms) into January 1970.
  const date = new Date(Math.floor(ms));
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
}

/** The first instant of a month index, as an ISO string PostgreSQL understands. */
export function monthStartIso(index: number): string {
  return new Date(utcMs(Math.floor(index / 12), index % 12)).toISOString(); // years 1-99 too
}

/** The partition of a readings table holding a month, as mb_ensure_reading_partitions names it. */
export function partitionName(datatype: string, month: number): string {
  return `reading_${datatype}_p${String(Math.floor(month / 12)).padStart(4, '0')}_${String((month % 12) + 1).padStart(2, '0')}`;
}

/**
 * A canonical timestamp in DTBase's rendering (what SQL's mb_iso gives): 2024-01-01T00:00:00Z,
 * or with six fractional digits when there is a fraction.
 */
export function displayTimestamp(iso: string): string {
  return iso.endsWith('.000000Z') ? `${iso.slice(0, -8)}Z` : iso;
}
