import { Type, type Static } from '@sinclair/typebox';
import { Datatype, DtDatetime, Nullable, Value, ref } from '../../http/schemas.ts';
import { Coordinates } from '../locations/locations.schemas.ts';

/** Names, units and identifiers are varchar(100) in the database: longer ones are a 422, never a 500. */
const Short = Type.String({ maxLength: 100 });

/** `units` may be omitted (null): DTBase required the key, we are lenient. */
export const SensorMeasure = Type.Object({
  name: Short,
  units: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
  datatype: Datatype,
});
export type SensorMeasure = Static<typeof SensorMeasure>;

export const SensorTypeBody = Type.Object({
  name: Short,
  description: Type.Optional(Nullable(Type.String())),
  measures: Type.Array(SensorMeasure),
});
export type SensorTypeBody = Static<typeof SensorTypeBody>;

const SensorMeasureOutSchema = Type.Object(
  {
    name: Type.String(),
    units: Nullable(Type.String()),
    datatype: Datatype,
  },
  { $id: 'DtbaseSensorMeasure' },
);
export const SensorMeasureOut = ref(SensorMeasureOutSchema);

const SensorTypeOutSchema = Type.Object(
  {
    name: Type.String(),
    description: Nullable(Type.String()),
    measures: Type.Array(SensorMeasureOut),
  },
  { $id: 'DtbaseSensorType' },
);
export const SensorTypeOut = ref(SensorTypeOutSchema);

export const InsertSensorBody = Type.Object({
  type_name: Type.String(),
  unique_identifier: Short,
  name: Type.Optional(Nullable(Short)),
  notes: Type.Optional(Nullable(Type.String())),
});
export type InsertSensorBody = Static<typeof InsertSensorBody>;

export const InsertSensorLocationBody = Type.Object({
  unique_identifier: Type.String(),
  schema_name: Type.String(),
  coordinates: Coordinates,
  installation_datetime: Type.Optional(Nullable(DtDatetime)),
});
export type InsertSensorLocationBody = Static<typeof InsertSensorLocationBody>;

export const UniqueIdentifier = Type.Object({ unique_identifier: Type.String() });

export const TypeName = Type.Object({ type_name: Type.String() });

/** `{}` lists every sensor; the body itself is required, as in DTBase. */
export const ListSensorsBody = Type.Object({ type_name: Type.Optional(Nullable(Type.String())) });

const SensorOutSchema = Type.Object(
  {
    unique_identifier: Type.String(),
    name: Nullable(Type.String()),
    notes: Nullable(Type.String()),
  },
  { $id: 'DtbaseSensor' },
);
export const SensorOut = ref(SensorOutSchema);

/** DTBase requires both fields; null is accepted as well and clears the field. */
export const EditSensorBody = Type.Object({
  unique_identifier: Type.String(),
  name: Nullable(Short),
  notes: Nullable(Type.String()),
});
export type EditSensorBody = Static<typeof EditSensorBody>;

/** A sensor's installation in DTBase's flat form: location id, its coordinates and the datetime. */
const SensorLocationOutSchema = Type.Object(
  { id: Type.Integer(), installation_datetime: Type.String() },
  { additionalProperties: Value, $id: 'DtbaseSensorLocation' },
);
export const SensorLocationOut = ref(SensorLocationOutSchema);

/** The named (response) schemas of DTBase's /sensor metadata routes. */
export const dtbaseSensorSchemas = [SensorMeasureOutSchema, SensorTypeOutSchema, SensorOutSchema, SensorLocationOutSchema];
