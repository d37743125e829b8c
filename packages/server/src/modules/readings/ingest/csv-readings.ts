import type { ValueDatatype } from '../../../db/schema/common.ts';
import type { Value } from '../../shared/values.ts';

export const CSV_HEADER = ['sensor', 'measure', 'timestamp', 'value'] as const;

/**
 * The longest CSV record accepted, in characters, line breaks inside quoted fields included. A
 * reading's record is a few dozen characters; one stray quote, though, opens a quoted field
 * that swallows every following line, so a record this long is refused (a 422 naming the line
 * it started on) rather than kept growing to the end of the body.
 */
export const MAX_CSV_RECORD_CHARS = 1024 * 1024;

/** Why a record cannot be read (CsvRecordReader.push). */
export class CsvSyntaxError {
  constructor(readonly message: string) {}
}

/**
 * Reads CSV records (RFC 4180) from lines: fields may be quoted, `""` is a quote inside quotes,
 * and a quoted field may hold line breaks, so a record can span lines. Each line is scanned
 * once, whatever the length of the record it belongs to (rescanning the whole pending record
 * on every line made a stray quote quadratic: 87 s for 4 MB), and a record is bounded by
 * `maxRecordChars`.
 *
 * A quote opens a quoted field only at the start of a field; anywhere else it is an error at
 * once, so `12.5"` fails on its own line instead of swallowing the lines after it.
 */
export class CsvRecordReader {
  private fields: string[] = [];
  /** The text of the open quoted field, in pieces (joined once when it closes). */
  private quoted: string[] = [];
  private open = false;
  private chars = 0;

  constructor(private readonly maxRecordChars = MAX_CSV_RECORD_CHARS) {}

  /** Whether the last line ended inside a quoted field: the record goes on with the next line. */
  get pending(): boolean {
    return this.open;
  }

  /**
   * Feeds the next line (without its line break). Answers the fields of the record when it is
   * complete, undefined when a quoted field goes on with the next line, or a CsvSyntaxError.
   * After an error the reader starts afresh with the next line.
   */
  push(line: string): string[] | undefined | CsvSyntaxError {
    this.chars += line.length + (this.open ? 1 : 0);
    if (this.chars > this.maxRecordChars)
      return this.fail(`a record is longer than ${this.maxRecordChars} characters (is a closing quote missing?)`);
    if (!this.open) {
      if (!line.includes('"')) {
        this.chars = 0;
        return line.split(',');
      }
      this.fields = [];
      return this.scan(line, 0);
    }
    this.quoted.push('\n');
    return this.scan(line, 0);
  }

  /** The record cannot be complete: the input ended inside a quoted field. */
  end(): CsvSyntaxError | undefined {
    return this.open ? this.fail('a quoted field is not closed') : undefined;
  }

  private fail(message: string): CsvSyntaxError {
    this.fields = [];
    this.quoted = [];
    this.open = false;
    this.chars = 0;
    return new CsvSyntaxError(message);
  }

  private scan(line: string, from: number): string[] | undefined | CsvSyntaxError {
    let i = from;
    for (;;) {
      if (this.open) {
        const quote = line.indexOf('"', i);
        if (quote === -1) {
          this.quoted.push(line.slice(i));
          return undefined;
        }
        this.quoted.push(line.slice(i, quote));
        if (line.charCodeAt(quote + 1) === 34) {
          this.quoted.push('"');
          i = quote + 2;
          continue;
        }
        this.open = false;
        this.fields.push(this.quoted.join(''));
        this.quoted = [];
        i = quote + 1;
        if (i === line.length) return this.complete();
        if (line.charCodeAt(i) !== 44) return this.fail('a quoted field must be followed by a comma or the end of the line');
        i++;
        continue;
      }
      if (line.charCodeAt(i) === 34) {
        this.open = true;
        i++;
        continue;
      }
      const comma = line.indexOf(',', i);
      const field = comma === -1 ? line.slice(i) : line.slice(i, comma);
      if (field.includes('"'))
        return this.fail('a quote may only appear inside a quoted field (start the field with a quote, and double quotes within it)');
      this.fields.push(field);
      if (comma === -1) return this.complete();
      i = comma + 1;
    }
  }

  private complete(): string[] {
    const fields = this.fields;
    this.fields = [];
    this.chars = 0;
    return fields;
  }
}

/**
 * The fields of one CSV record (its text may hold line breaks inside quoted fields), or a
 * string saying what is wrong with it.
 */
export function parseCsvRecord(text: string): string[] | string {
  const reader = new CsvRecordReader(Infinity);
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const result = reader.push(lines[i]);
    if (result instanceof CsvSyntaxError) return result.message;
    if (result !== undefined) return i === lines.length - 1 ? result : 'a line break outside quotes ends the record';
  }
  return reader.end()?.message ?? 'a quoted field is not closed';
}

// Linear: each digit can belong to one quantifier only. The former \d+\.?\d* let a long run of
// digits split between \d+ and \d* in every way, so "999…9x" (500,000 digits) backtracked for minutes.
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

/** A CSV field as a value of `datatype`, or undefined when it is not one. */
export function csvValue(text: string, datatype: ValueDatatype): Value | undefined {
  switch (datatype) {
    case 'float': {
      if (!DECIMAL.test(text)) return undefined;
      const n = Number(text);
      return Number.isFinite(n) ? n : undefined;
    }
    case 'integer': {
      if (!INTEGER.test(text)) return undefined;
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : undefined;
    }
    case 'boolean': {
      const lower = text.toLowerCase();
      if (lower === 'true' || lower === '1') return true;
      if (lower === 'false' || lower === '0') return false;
      return undefined;
    }
    case 'string':
      return text;
  }
}
