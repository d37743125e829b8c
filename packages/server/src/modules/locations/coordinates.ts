import { unprocessable } from '../../errors.ts';
import { assertDatatype } from '../shared/values.ts';
import type { CoordinateValues, IdentifierRow } from './locations.repository.ts';

const quoteList = (names: string[]) => names.map((n) => JSON.stringify(n)).join(', ');

/**
 * Checks coordinates against a schema's identifiers: every key must be one of them, each
 * value of that identifier's datatype, and (unless `partial`, as for a list filter) every
 * identifier present. DTBase crashed with a 500 on each of these; we answer 422.
 */
export function checkCoordinates(
  schemaName: string,
  identifiers: readonly Pick<IdentifierRow, 'name' | 'datatype'>[],
  coordinates: Record<string, unknown>,
  options: { partial?: boolean } = {},
): CoordinateValues {
  const byName = new Map(identifiers.map((i) => [i.name, i]));
  const keys = Object.keys(coordinates);
  const unknown = keys.filter((k) => !byName.has(k));
  if (unknown.length > 0) {
    throw unprocessable(
      `Location schema ${JSON.stringify(schemaName)} has no identifier ${quoteList(unknown)}; ` +
        `its identifiers are ${quoteList([...byName.keys()]) || 'none'}`,
    );
  }
  if (!options.partial) {
    const missing = [...byName.keys()].filter((name) => !Object.hasOwn(coordinates, name));
    if (missing.length > 0) {
      throw unprocessable(`Coordinates for location schema ${JSON.stringify(schemaName)} lack ${quoteList(missing)}`);
    }
  }
  for (const key of keys) {
    assertDatatype(coordinates[key], byName.get(key)!.datatype, `identifier ${JSON.stringify(key)}`);
  }
  return coordinates as CoordinateValues;
}

/** The name DTBase gives the schema it creates for insert-location: identifier names sorted, joined by "-". */
export function autoSchemaName(identifierNames: readonly string[]): string {
  return [...identifierNames].sort().join('-');
}

/**
 * Coordinate values that arrived as text (a query string) turned into their identifiers'
 * datatypes, then checked like any coordinates (partially: this is a filter). 422 for a name
 * that is no identifier of the schema or a text that is no value of its datatype.
 */
export function coordinatesFromText(
  schemaName: string,
  identifiers: readonly Pick<IdentifierRow, 'name' | 'datatype'>[],
  texts: Record<string, string>,
): CoordinateValues {
  const byName = new Map(identifiers.map((i) => [i.name, i]));
  const values: Record<string, unknown> = {};
  for (const [name, text] of Object.entries(texts)) {
    const datatype = byName.get(name)?.datatype;
    // Unknown names are left to checkCoordinates, which lists the schema's identifiers.
    values[name] = datatype === undefined ? text : parseText(text, datatype);
  }
  return checkCoordinates(schemaName, identifiers, values, { partial: true });
}

/** The value a text stands for in a datatype, or the text itself when it stands for none (checkCoordinates then refuses it). */
function parseText(text: string, datatype: IdentifierRow['datatype']): unknown {
  switch (datatype) {
    case 'string':
      return text;
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : text;
    case 'float':
    case 'integer':
      return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
  }
}
