import { Type, type Static } from '@sinclair/typebox';
import { Datatype, Nullable, Value, ref } from '../../http/schemas.ts';

/** Names and units are varchar(100) in the database: longer ones are a 422, never a 500. */
const Name = Type.String({ maxLength: 100 });

/** `units` may be omitted (null): DTBase required the key, we are lenient. */
export const LocationIdentifier = Type.Object({
  name: Name,
  units: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
  datatype: Datatype,
});
export type LocationIdentifier = Static<typeof LocationIdentifier>;

/** `{<identifier name>: value, ...}` */
export const Coordinates = Type.Record(Type.String(), Value, {
  examples: [{ x: 1.5, y: 2.5 }],
});
export type Coordinates = Static<typeof Coordinates>;

export const LocationSchemaBody = Type.Object({
  name: Name,
  description: Type.Optional(Nullable(Type.String())),
  identifiers: Type.Array(LocationIdentifier),
});
export type LocationSchemaBody = Static<typeof LocationSchemaBody>;

const LocationIdentifierOutSchema = Type.Object(
  {
    name: Type.String(),
    units: Nullable(Type.String()),
    datatype: Datatype,
  },
  { $id: 'DtbaseLocationIdentifier' },
);
export const LocationIdentifierOut = ref(LocationIdentifierOutSchema);

const LocationSchemaOutSchema = Type.Object(
  {
    name: Type.String(),
    description: Nullable(Type.String()),
    identifiers: Type.Array(LocationIdentifierOut),
  },
  { $id: 'DtbaseLocationSchema' },
);
export const LocationSchemaOut = ref(LocationSchemaOutSchema);

export const InsertLocationBody = Type.Object({
  identifiers: Type.Array(LocationIdentifier, { minItems: 1 }),
  values: Type.Array(Value),
});
export type InsertLocationBody = Static<typeof InsertLocationBody>;

export const SchemaNameOut = Type.Object({ schema_name: Type.String() });

export const SchemaName = Type.Object({ schema_name: Type.String() });
export type SchemaName = Static<typeof SchemaName>;

export const SchemaAndCoordinates = Type.Object({ schema_name: Type.String(), coordinates: Coordinates });
export type SchemaAndCoordinates = Static<typeof SchemaAndCoordinates>;

export const ListLocationsBody = Type.Object({
  schema_name: Type.String(),
  coordinates: Type.Optional(Nullable(Coordinates)),
});
export type ListLocationsBody = Static<typeof ListLocationsBody>;

/** DTBase's flat form of a location: its id beside its coordinates, `{"id": 1, "x": 1.5, "y": 2.5}`. */
const FlatLocationSchema = Type.Object({ id: Type.Integer() }, { additionalProperties: Value, $id: 'DtbaseLocation' });
export const FlatLocation = ref(FlatLocationSchema);

/** The named (response) schemas of DTBase's /location routes. */
export const dtbaseLocationSchemas = [LocationIdentifierOutSchema, LocationSchemaOutSchema, FlatLocationSchema];
