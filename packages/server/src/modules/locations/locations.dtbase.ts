/** DTBase's wire shapes of locations, made from the locations service's domain values. */
import type { CoordinateValues, IdentifierRow, SchemaWithIdentifiers } from './locations.repository.ts';

/** A location in DTBase's flat form, `{"id": 1, "x": 1.5, "y": 2.5}`; the id wins over an identifier also called "id". */
export const flattenLocation = (location: { id: number; coordinates: CoordinateValues }) =>
  Object.assign({ id: location.id }, location.coordinates, { id: location.id });

/** An identifier without its id, as DTBase lists them. */
export const toDtbaseIdentifier = ({ name, units, datatype }: IdentifierRow) => ({ name, units, datatype });

export const toDtbaseSchema = (schema: SchemaWithIdentifiers) => ({
  name: schema.name,
  description: schema.description,
  identifiers: schema.identifiers.map(toDtbaseIdentifier),
});
