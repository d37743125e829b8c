import { unprocessable } from '../../errors.ts';
import type { ValueDatatype } from '../../db/schema/common.ts';
import { quoteValue } from './preview.ts';

export type Value = number | boolean | string;

/**
 * Whether a JSON value fits a declared datatype. A JSON integer is a valid float (JavaScript
 * cannot send 291.0, it sends 291); a number with a fraction is not a valid integer.
 */
export function fitsDatatype(value: unknown, datatype: ValueDatatype): value is Value {
  switch (datatype) {
    case 'float':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
  }
}

/** Throws a 422 naming `what` (e.g. `measure "temperature"`) unless `value` fits `datatype`. */
export function assertDatatype(value: unknown, datatype: ValueDatatype, what: string): asserts value is Value {
  if (!fitsDatatype(value, datatype)) {
    throw unprocessable(`Value ${quoteValue(value)} for ${what} is not of its datatype ${datatype}`);
  }
}

/** Checks a whole array; reports the first offending index. */
export function assertAllDatatype(values: readonly unknown[], datatype: ValueDatatype, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!fitsDatatype(values[i], datatype)) {
      throw unprocessable(`Value ${quoteValue(values[i])} at index ${i} for ${what} is not of its datatype ${datatype}`);
    }
  }
}

export const VALID_DATATYPE_MESSAGE = 'datatype must be one of string, integer, float, boolean';
