import { describe, expect, it } from 'vitest';
import { isDtbaseDatetime, isZonedDatetime } from './validation.ts';

describe('datetime formats', () => {
  it('accept real calendar dates in every century, with or without an offset as each format requires', () => {
    for (const text of ['0050-02-28T00:00:00Z', '0100-01-01T00:30:00+01:00', '2024-02-29T23:59:59.999999Z', '9999-12-31T23:59:59Z']) {
      expect(isZonedDatetime(text), text).toBe(true);
      expect(isDtbaseDatetime(text), text).toBe(true);
    }
    expect(isDtbaseDatetime('2024-01-01')).toBe(true);
    expect(isDtbaseDatetime('2024-01-01T00:00:00')).toBe(true);
    expect(isZonedDatetime('2024-01-01T00:00:00')).toBe(false);
  });

  it('refuse dates that do not exist', () => {
    for (const text of [
      '2023-02-29T00:00:00Z',
      '0050-02-30T00:00:00Z',
      '2024-13-01T00:00:00Z',
      '2024-01-01T24:00:00Z',
      '0000-01-01T00:00:00Z',
    ]) {
      expect(isZonedDatetime(text), text).toBe(false);
    }
  });
});

describe('the calendar check of the datetime formats', () => {
  /** The calendar by Date, as the check was first written: the oracle for the fast one. */
  function realByDate(y: number, m: number, d: number, hh: number, mm: number, ss: number): boolean {
    const date = new Date(0);
    date.setUTCFullYear(y, m - 1, d);
    return (
      date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d && y >= 1 && hh <= 23 && mm <= 59 && ss <= 59
    );
  }
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');

  it('agrees with Date on every day of leap and common years, in every century kind', () => {
    for (const y of [1, 4, 100, 400, 1900, 1999, 2000, 2023, 2024, 9999]) {
      for (let m = 1; m <= 12; m++) {
        for (let d = 0; d <= 32; d++) {
          const text = `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
          expect(isDtbaseDatetime(text), text).toBe(realByDate(y, m, d, 0, 0, 0));
        }
      }
    }
  });

  it('agrees with Date on random dates and times, with and without seconds, offsets and fractions', () => {
    let seed = 1;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let i = 0; i < 20_000; i++) {
      const [y, m, d, hh, mm, ss] = [random(10_000), random(14), random(33), random(26), random(62), random(62)];
      const seconds = random(2) === 0;
      const text = `${pad(y, 4)}-${pad(m)}-${pad(d)}${random(2) ? 'T' : ' '}${pad(hh)}:${pad(mm)}${seconds ? `:${pad(ss)}.5` : ''}${['Z', '+01:00', '-0530', ''][random(4)]}`;
      const real = realByDate(y, m, d, hh, mm, seconds ? ss : 0);
      expect(isDtbaseDatetime(text), text).toBe(real);
      expect(isZonedDatetime(text), text).toBe(real && /(Z|[+-]\d{2}:?\d{2})$/.test(text));
    }
  });
});
