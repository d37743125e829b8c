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
