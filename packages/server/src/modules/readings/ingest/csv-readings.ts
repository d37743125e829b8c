import type { ValueDatatype } from '../../../db/schema/common.ts';
import type { Value } from '../../shared/values.ts';

export const CSV_HEADER = ['sensor', 'measure', 'timestamp', 'value'] as const;

/** Whether a line ends inside a quoted field (its record continues on the next line). */
export function endsInsideQuotes(line: string): boolean {
  let quotes = 0;
  for (let i = line.indexOf('"'); i !== -1; i = line.indexOf('"', i + 1)) quotes++;
  return quotes % 2 === 1;
}

/**
 * The fields of one CSV record (RFC 4180: fields may be quoted, "" is a quote inside quotes),
 * or a string saying what is wrong with it.
 */
export function parseCsvRecord(line: string): string[] | string {
  if (!line.includes('"')) return line.split(',');
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let field = '';
      i++;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote === -1) return 'a quoted field is not closed';
        field += line.slice(i, quote);
        if (line[quote + 1] === '"') {
          field += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      fields.push(field);
      if (i === line.length) return fields;
      if (line[i] !== ',') return 'a quoted field must be followed by a comma or the end of the line';
      i++;
    } else {
      const comma = line.indexOf(',', i);
      const field = comma === -1 ? line.slice(i) : line.slice(i, comma);
      if (field.includes('"')) return 'a quote may only appear inside a quoted field';
      fields.push(field);
      if (comma === -1) return fields;
      i = comma + 1;
    }
  }
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
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
