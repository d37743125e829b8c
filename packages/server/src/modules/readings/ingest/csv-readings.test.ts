import { describe, expect, it } from 'vitest';
import { csvValue, CsvRecordReader, CsvSyntaxError, MAX_CSV_RECORD_CHARS, parseCsvRecord } from './csv-readings.ts';

/** Feeds lines to one reader; what each push answered (fields, 'more' or the error message). */
function feed(lines: string[], reader = new CsvRecordReader()) {
  return lines.map((line) => {
    const result = reader.push(line);
    return result === undefined ? 'more' : result instanceof CsvSyntaxError ? `error: ${result.message}` : result;
  });
}

describe('CSV records', () => {
  it('splits plain fields on commas, keeping empty fields and spaces as they are', () => {
    expect(parseCsvRecord('s1,temp,2024-01-01T00:00:00Z,1.5')).toEqual(['s1', 'temp', '2024-01-01T00:00:00Z', '1.5']);
    expect(parseCsvRecord(',a,,')).toEqual(['', 'a', '', '']);
    expect(parseCsvRecord(' a , b')).toEqual([' a ', ' b']);
    expect(parseCsvRecord('')).toEqual(['']);
  });

  it('reads quoted fields with commas, doubled quotes, empty quotes and multi-byte text', () => {
    expect(parseCsvRecord('"a,b","say ""hi""","",x')).toEqual(['a,b', 'say "hi"', '', 'x']);
    expect(parseCsvRecord('"🌡️ 23,5 °C",""""')).toEqual(['🌡️ 23,5 °C', '"']);
    expect(parseCsvRecord('a,"b"')).toEqual(['a', 'b']);
    expect(parseCsvRecord('"a",')).toEqual(['a', '']);
  });

  it('continues a quoted field over line breaks, the record ending where its quotes close', () => {
    expect(feed(['s,m,t,"first', '', 'third ""line"", end",x', 'next,1,2,3'])).toEqual([
      'more',
      'more',
      ['s', 'm', 't', 'first\n\nthird "line", end', 'x'],
      ['next', '1', '2', '3'],
    ]);
    expect(parseCsvRecord('a,"b\nc"')).toEqual(['a', 'b\nc']);
  });

  it('answers what is wrong with a malformed record, on its own line', () => {
    expect(parseCsvRecord('a,12.5"')).toBe(
      'a quote may only appear inside a quoted field (start the field with a quote, and double quotes within it)',
    );
    expect(parseCsvRecord('a,b"c",d')).toMatch(/^a quote may only appear inside a quoted field/);
    expect(parseCsvRecord('"a"b,c')).toBe('a quoted field must be followed by a comma or the end of the line');
    expect(parseCsvRecord('"a" ,c')).toBe('a quoted field must be followed by a comma or the end of the line');
    expect(parseCsvRecord('a,"b')).toBe('a quoted field is not closed');
    expect(parseCsvRecord('a\nb')).toBe('a line break outside quotes ends the record');
  });

  it('does not let a stray quote in an unquoted field swallow the lines after it', () => {
    const reader = new CsvRecordReader();
    expect(feed(['s,m,t,12.5"', 's,m,t,13'], reader)).toEqual([
      expect.stringMatching(/^error: a quote may only appear/),
      ['s', 'm', 't', '13'],
    ]);
    expect(reader.pending).toBe(false);
  });

  it('refuses a record that grows past the limit, however it grows, and starts afresh after', () => {
    const reader = new CsvRecordReader(100);
    const results = feed(['s,m,t,"open', ...Array.from({ length: 20 }, () => 'x'.repeat(9))], reader);
    const failed = results.findIndex((r) => typeof r === 'string' && r.startsWith('error'));
    // 11 + 9 * (1 + 9) = 101 characters: the ninth continuation line crosses the limit.
    expect(failed).toBe(9);
    expect(results[failed]).toBe('error: a record is longer than 100 characters (is a closing quote missing?)');
    expect(reader.pending).toBe(false);
    expect(reader.push('a,b')).toEqual(['a', 'b']);
    expect(new CsvRecordReader(100).push('y'.repeat(101))).toBeInstanceOf(CsvSyntaxError);
    expect(new CsvRecordReader(100).push('y'.repeat(100))).toEqual(['y'.repeat(100)]);
  });

  it('reads a megabyte of continuation lines in linear time (a stray quote once took 87 s for 4 MB)', () => {
    const reader = new CsvRecordReader();
    const line = 's1,temperature,2024-01-01T00:00:00Z,1.5';
    const first = 's1,status,2024-01-01T00:00:00Z,"oops';
    expect(reader.push(first)).toBeUndefined();
    const started = performance.now();
    let result: ReturnType<CsvRecordReader['push']>;
    let lines = 0;
    do {
      result = reader.push(line);
      lines++;
    } while (result === undefined);
    expect(result).toBeInstanceOf(CsvSyntaxError);
    // Each continuation line adds its line break too.
    expect(lines).toBe(Math.floor((MAX_CSV_RECORD_CHARS - first.length) / (line.length + 1)) + 1);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('tells whether an input ended inside a quoted field', () => {
    const reader = new CsvRecordReader();
    expect(reader.end()).toBeUndefined();
    reader.push('a,"b');
    expect(reader.pending).toBe(true);
    expect(reader.end()?.message).toBe('a quoted field is not closed');
    expect(reader.pending).toBe(false);
  });
});

describe('CSV values', () => {
  it('reads floats in every decimal notation, and nothing else', () => {
    for (const [text, value] of [
      ['1.5', 1.5],
      ['-1.5e1', -15],
      ['+.5', 0.5],
      ['3.', 3],
      ['1E-3', 0.001],
      ['0', 0],
    ] as const) {
      expect(csvValue(text, 'float'), text).toBe(value);
    }
    for (const text of ['', ' 1', '1 ', '0x10', 'NaN', 'Infinity', '1e999', '1,5', '.', 'e5', '--1']) {
      expect(csvValue(text, 'float'), text).toBeUndefined();
    }
  });

  it('checks a megabyte of digits in linear time (the number pattern once backtracked for minutes)', () => {
    const started = performance.now();
    expect(csvValue(`${'9'.repeat(MAX_CSV_RECORD_CHARS)}x`, 'float')).toBeUndefined();
    expect(csvValue(`${'9'.repeat(MAX_CSV_RECORD_CHARS)}.5e`, 'float')).toBeUndefined();
    expect(csvValue(`0.${'5'.repeat(MAX_CSV_RECORD_CHARS)}`, 'float')).toBe(0.5555555555555556);
    expect(csvValue(`${'9'.repeat(MAX_CSV_RECORD_CHARS)}x`, 'integer')).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('reads safe integers only', () => {
    expect(csvValue('-42', 'integer')).toBe(-42);
    expect(csvValue('+7', 'integer')).toBe(7);
    expect(csvValue('9007199254740991', 'integer')).toBe(9007199254740991);
    for (const text of ['9007199254740992', '1.0', '1e3', '', 'one']) expect(csvValue(text, 'integer'), text).toBeUndefined();
  });

  it('reads booleans case-insensitively, and strings as they are', () => {
    expect(['true', 'TRUE', '1', 'false', 'False', '0'].map((t) => csvValue(t, 'boolean'))).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
    expect(csvValue('yes', 'boolean')).toBeUndefined();
    expect(csvValue('', 'string')).toBe('');
    expect(csvValue(' x ', 'string')).toBe(' x ');
  });
});
