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
