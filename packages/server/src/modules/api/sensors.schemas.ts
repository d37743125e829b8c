import { Type } from '@sinclair/typebox';
import { Datatype, Nullable, Value } from '../../http/schemas.ts';
import type { MeasureRow, SensorLocationRow, SensorRow, SensorTypeWithMeasures } from '../sensors/index.ts';
import { Timestamp } from './api.schemas.ts';
import { PageQuery } from './pagination.ts';

export const SensorMeasureResource = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  units: Nullable(Type.String()),
  datatype: Datatype,
});

export const SensorTypeResource = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  description: Nullable(Type.String()),
  measures: Type.Array(SensorMeasureResource, { description: 'in the order the type declared them' }),
});

export const SensorResource = Type.Object({
  id: Type.Integer(),
  unique_identifier: Type.String(),
  name: Nullable(Type.String()),
  notes: Nullable(Type.String()),
  type: Type.String({ description: 'name of the sensor type' }),
});

const CurrentLocation = Type.Object({
  id: Type.Integer({ description: 'id of the location (GET /api/v1/locations/{id})' }),
  schema: Type.String({ description: 'name of the location schema' }),
  coordinates: Type.Record(Type.String(), Value),
  installation_datetime: Timestamp,
});

const LatestValue = Type.Object({ timestamp: Timestamp, value: Value });

/** One measure of the sensor with the latest reading of it (null before the first). */
const MeasureWithLatest = Type.Object({
  ...SensorMeasureResource.properties,
  latest: Nullable(LatestValue),
});

export const SensorDetailsResource = Type.Object({
  ...SensorResource.properties,
  type: Type.Object({ id: Type.Integer(), name: Type.String(), description: Nullable(Type.String()) }),
  measures: Type.Array(MeasureWithLatest, { description: "the type's measures in declared order, each with its latest value" }),
  location: Nullable(CurrentLocation),
}, { description: 'location: the latest installation, null when the sensor was never installed' });

export const SensorQuery = Type.Object({ ...PageQuery, type: Type.Optional(Type.String({ description: 'name of a sensor type' })) });

export const toSensorMeasure = (m: MeasureRow) => ({ id: m.id, name: m.name, units: m.units, datatype: m.datatype });
export const toSensorType = (t: SensorTypeWithMeasures) => ({
  id: t.id, name: t.name, description: t.description, measures: t.measures.map(toSensorMeasure),
});
export const toSensor = (s: SensorRow) => ({
  id: s.id, unique_identifier: s.uniqueIdentifier, name: s.name, notes: s.notes, type: s.typeName,
});
export const toCurrentLocation = (l: SensorLocationRow) => ({
  id: l.locationId, schema: l.schemaName, coordinates: l.coordinates, installation_datetime: l.installationDatetime,
});
