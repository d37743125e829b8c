import { describe, expect, it } from 'vitest';
import {
  displayTimestamp,
  MAX_INSTANT_MS,
  MIN_INSTANT_MS,
  monthIndex,
  monthStartIso,
  parseAnyInstant,
  parseCommonUtc,
  parseInstant,
  parseTimestamp,
  partitionName,
  pgIsoFromMs,
  utcMs,
} from './timestamps.ts';

const iso = (text: string, requireOffset = false) => {
  const instant = parseInstant(text, requireOffset);
  return typeof instant === 'string' ? instant : instant.iso;
};

describe('parseInstant', () => {
  it('reads UTC, offsets in every notation, a space for the T, and lowercase z', () => {
    expect(iso('2024-03-01T12:34:56Z')).toBe('2024-03-01T12:34:56.000000Z');
    expect(iso('2024-03-01 12:34:56z')).toBe('2024-03-01T12:34:56.000000Z');
    for (const offset of ['+01:30', '+0130']) expect(iso(`2024-03-01T12:34:56${offset}`), offset).toBe('2024-03-01T11:04:56.000000Z');
    expect(iso('2024-03-01T12:34:56+01')).toBe('2024-03-01T11:34:56.000000Z');
    expect(iso('2024-03-01T00:10:00-00:30')).toBe('2024-03-01T00:40:00.000000Z');
    expect(iso('2024-03-01T12:34:56-00:00')).toBe('2024-03-01T12:34:56.000000Z');
    expect(iso('2024-03-01T12:34Z')).toBe('2024-03-01T12:34:00.000000Z');
    expect(iso('2024-03-01T12:34:56+15:59')).toBe('2024-02-29T20:35:56.000000Z');
  });

  it('shifts across days, months and leap days by the offset', () => {
    expect(iso('2024-03-01T00:30:00+01:00')).toBe('2024-02-29T23:30:00.000000Z');
    expect(iso('2023-12-31T23:30:00-01:00')).toBe('2024-01-01T00:30:00.000000Z');
  });

  it('reads naive times and dates as UTC, unless an offset is required', () => {
    expect(iso('2024-03-01T12:34:56')).toBe('2024-03-01T12:34:56.000000Z');
    expect(iso('2024-03-01')).toBe('2024-03-01T00:00:00.000000Z');
    expect(parseInstant('2024-03-01T12:34:56', true)).toBe('invalid');
    expect(parseInstant('2024-03-01', true)).toBe('invalid');
    expect(iso('2024-03-01T12:34:56Z', true)).toBe('2024-03-01T12:34:56.000000Z');
  });

  it('rounds fractions to the microsecond as PostgreSQL does (ties to even), carrying into the next second', () => {
    // Each expectation is what PostgreSQL 15 answers for the same text.
    expect(iso('2000-01-01T00:00:00.1Z')).toBe('2000-01-01T00:00:00.100000Z');
    expect(iso('2000-01-01T00:00:00.123456789Z')).toBe('2000-01-01T00:00:00.123457Z');
    expect(iso('2000-01-01T00:00:00.0000005Z')).toBe('2000-01-01T00:00:00.000000Z');
    expect(iso('2000-01-01T00:00:00.0000015Z')).toBe('2000-01-01T00:00:00.000002Z');
    expect(iso('2000-01-01T00:00:00.0000025Z')).toBe('2000-01-01T00:00:00.000002Z');
    expect(iso('2000-01-01T00:00:00.0000035Z')).toBe('2000-01-01T00:00:00.000004Z');
    expect(iso('2000-01-01T00:00:00.1234565Z')).toBe('2000-01-01T00:00:00.123456Z');
    expect(iso('2024-12-31T23:59:59.9999995Z')).toBe('2025-01-01T00:00:00.000000Z');
    expect(iso('2024-12-31T23:59:59.9999995+01:00')).toBe('2024-12-31T23:00:00.000000Z');
  });

  it('gives the time in ms with the microseconds as a fraction, whole ms exact', () => {
    const instant = parseInstant('2024-01-01T00:00:00.001500Z', true);
    expect(instant).toEqual({ time: Date.UTC(2024, 0, 1) + 1.5, iso: '2024-01-01T00:00:00.001500Z' });
    const before1970 = parseInstant('1969-12-31T23:59:59.999999Z', true);
    expect(before1970).toMatchObject({ iso: '1969-12-31T23:59:59.999999Z' });
    expect(Math.floor((before1970 as { time: number }).time)).toBe(-1);
    // Near the year 9999 a double has no room for every microsecond: the ms stays right.
    const late = parseInstant('9999-12-31T23:59:59.999999Z', true) as { time: number; iso: string };
    expect(late.iso).toBe('9999-12-31T23:59:59.999999Z');
    expect(Math.floor(late.time)).toBe(MAX_INSTANT_MS - 1);
  });

  it('refuses dates and times that do not exist', () => {
    for (const text of [
      '2023-02-29',
      '1900-02-29',
      '0100-02-29',
      '2024-04-31',
      '2024-13-01',
      '2024-00-10',
      '2024-01-00',
      '0000-01-01',
      '2024-01-01T24:00:00Z',
      '2024-01-01T23:60:00Z',
      '2024-01-01T23:59:60Z',
      '2024-01-01T12:00:00+16:00',
      '2024-01-01T12:00:00+01:60',
    ]) {
      expect(parseInstant(text, false), text).toBe('invalid');
    }
    for (const text of ['2000-02-29', '2024-02-29', '0004-02-29', '0400-02-29'])
      expect(typeof parseInstant(text, false), text).toBe('object');
  });

  it('refuses text that is not an ISO-8601 timestamp', () => {
    for (const text of [
      '',
      ' 2024-01-01',
      '2024-01-01 ',
      '2024-1-01',
      '24-01-01',
      '2024/01/01',
      '2024-01-01T',
      '2024-01-01T10Z',
      '2024-01-01T10:00:00.Z',
      '2024-01-01T10:00:00.1234567890Z',
      '2024-01-01T10:00.5Z',
      '2024-01-01T10:00:00+1',
      '2024-01-01T10:00:00+01:0',
      '2024-01-01T10:00:00UTC',
      '+002024-01-01',
      '١٩٧٠-٠١-٠١',
      'now',
      '1704067200',
      '2024-01-01T10:00:00Z\n',
    ]) {
      expect(parseInstant(text, false), JSON.stringify(text)).toBe('invalid');
    }
    expect(parseTimestamp('nope', false)).toBeNaN();
    expect(parseTimestamp('2024-01-01T00:00:00Z', true)).toBe(Date.UTC(2024, 0, 1));
  });

  it('takes the UTC years 1 to 9999 and says which end an instant falls off', () => {
    expect(iso('0001-01-01T00:00:00Z')).toBe('0001-01-01T00:00:00.000000Z');
    expect(iso('0050-06-15T12:00:00Z')).toBe('0050-06-15T12:00:00.000000Z');
    expect(iso('0050-06-15T12:00:00+13:00')).toBe('0050-06-14T23:00:00.000000Z');
    expect(parseInstant('0001-01-01T00:30:00+01:00', false)).toBe('low');
    expect(iso('9999-12-31T23:59:59.999999Z')).toBe('9999-12-31T23:59:59.999999Z');
    expect(parseInstant('9999-12-31T23:59:59.9999995Z', false)).toBe('high');
    expect(parseInstant('9999-12-31T23:30:00-01:00', false)).toBe('high');
  });

  it('is exactly Date.parse for every UTC millisecond it shares with it', () => {
    for (let i = 0; i < 2000; i++) {
      const ms =
        Math.floor((((i * 2654435761) % 4294967296) / 4294967296) * (Date.UTC(9999, 11, 31) - Date.UTC(1000, 0, 1))) + Date.UTC(1000, 0, 1);
      const text = new Date(ms).toISOString();
      expect(parseTimestamp(text, true), text).toBe(ms);
    }
  });
});

describe('timestamp helpers', () => {
  it('utcMs covers the years 1 to 99, which Date.UTC reads as 1900 to 1999', () => {
    const date = new Date(0);
    date.setUTCFullYear(50, 5, 15);
    expect(utcMs(50, 5, 15)).toBe(date.getTime());
    expect(utcMs(2024, 0, 1, 12, 30, 15)).toBe(Date.UTC(2024, 0, 1, 12, 30, 15));
    expect(new Date(MIN_INSTANT_MS).toISOString()).toBe('0001-01-01T00:00:00.000Z');
  });

  it('pgIsoFromMs writes the year 10000 so that PostgreSQL reads it', () => {
    expect(pgIsoFromMs(MAX_INSTANT_MS)).toBe('10000-01-01T00:00:00.000Z');
    expect(pgIsoFromMs(Date.UTC(2024, 0, 1))).toBe('2024-01-01T00:00:00.000Z');
    expect(pgIsoFromMs(MIN_INSTANT_MS)).toBe('0001-01-01T00:00:00.000Z');
  });

  it('monthIndex floors fractional milliseconds before 1970 into December 1969', () => {
    expect(monthIndex(-0.001)).toBe(1969 * 12 + 11);
    expect(monthIndex(0)).toBe(1970 * 12);
    expect(monthStartIso(1970 * 12)).toBe('1970-01-01T00:00:00.000Z');
    expect(monthStartIso(50 * 12 + 1)).toBe('0050-02-01T00:00:00.000Z');
    expect(monthStartIso(monthIndex(MAX_INSTANT_MS - 1))).toBe('9999-12-01T00:00:00.000Z');
  });

  it('names partitions by datatype, zero-padded year and month', () => {
    expect(partitionName('float', 2024 * 12 + 2)).toBe('reading_float_p2024_03');
    expect(partitionName('string', 50 * 12 + 11)).toBe('reading_string_p0050_12');
  });

  it('renders canonical timestamps as DTBase does: no fraction when it is zero', () => {
    expect(displayTimestamp('2024-01-01T00:00:00.000000Z')).toBe('2024-01-01T00:00:00Z');
    expect(displayTimestamp('2024-01-01T00:00:00.000100Z')).toBe('2024-01-01T00:00:00.000100Z');
  });
});

describe('the fast path for the common form', () => {
  /** A deterministic generator, so a failure names its input and repeats. */
  function* texts(): Generator<string> {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pad = (n: number, width: number) => String(n).padStart(width, '0');
    const pick = <T>(items: T[]) => items[rand(items.length)];
    for (let i = 0; i < 20_000; i++) {
      const year = pick([rand(10_000), 1, 99, 100, 1900, 2000, 2023, 2024, 9999, 0]);
      const month = pick([rand(14), 2, 12]);
      const day = pick([rand(33), 28, 29, 30, 31]);
      const time = `${pad(pick([rand(25), 0, 23]), 2)}:${pad(rand(61), 2)}:${pad(pick([rand(61), 59]), 2)}`;
      const fraction = pick([
        '',
        '.',
        `.${pad(rand(10), 1)}`,
        `.${pad(rand(1000), 3)}`,
        `.${pad(rand(1e6), 6)}`,
        `.${pad(rand(1e7), 7)}`,
        '.999999',
        '.9999995',
      ]);
      const zone = pick(['Z', 'z', '', '+01:00', '-0030', 'ZZ', ' ', 'X']);
      const sep = pick(['T', 'T', 'T', ' ', 't']);
      let text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}${sep}${time}${fraction}${zone}`;
      if (rand(20) === 0) {
        // A stray character anywhere.
        const at = rand(text.length);
        text = text.slice(0, at) + pick(['x', '-', ':', '9', '.', '']) + text.slice(at + 1);
      }
      yield text;
    }
  }

  it('answers exactly what the general parser answers for every text it takes', () => {
    let taken = 0;
    for (const text of texts()) {
      for (const requireOffset of [false, true]) {
        const fast = parseCommonUtc(text, requireOffset);
        if (fast === undefined) continue;
        taken++;
        expect(fast, `${text} (requireOffset ${requireOffset})`).toEqual(parseAnyInstant(text, requireOffset));
      }
    }
    // The generator must really exercise the fast path, not only its refusals.
    expect(taken).toBeGreaterThan(3000);
  });

  it('leaves offsets, a space, a seventh digit and refusals to the general parser', () => {
    for (const text of [
      '2024-03-01T12:34:56+01:00',
      '2024-03-01 12:34:56Z',
      '2024-03-01T12:34:56.1234567Z',
      '2023-02-29T00:00:00Z',
      '0000-01-01T00:00:00Z',
      '2024-03-01T12:34Z',
    ]) {
      expect(parseCommonUtc(text, false), text).toBeUndefined();
    }
    expect(parseCommonUtc('2024-03-01T12:34:56', true)).toBeUndefined();
    expect(parseCommonUtc('2024-02-29T23:59:59.5z', false)).toEqual({
      time: Date.UTC(2024, 1, 29, 23, 59, 59) + 500,
      iso: '2024-02-29T23:59:59.500000Z',
    });
  });
});
