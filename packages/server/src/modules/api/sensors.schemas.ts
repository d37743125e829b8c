import { Type } from '@sinclair/typebox';
import { Datatype, Nullable, Value, ref } from '../../http/schemas.ts';
import type { InstallationAtRow, MeasureRow, SensorLocationRow, SensorRow, SensorTypeWithMeasures } from '../sensors/index.ts';
import { Timestamp } from './api.schemas.ts';
import { PageOf, PageQuery } from './pagination.ts';

const sensorMeasureProperties = {
  id: Type.Integer(),
  name: Type.String(),
  units: Nullable(Type.String()),
  datatype: Datatype,
};

export const SensorMeasureSchema = Type.Object(sensorMeasureProperties, { $id: 'SensorMeasure' });

export const SensorTypeSchema = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    description: Nullable(Type.String()),
    measures: Type.Array(ref(SensorMeasureSchema), { description: 'in the order the type declared them' }),
  },
  { $id: 'SensorType' },
);

const sensorProperties = {
  id: Type.Integer(),
  unique_identifier: Type.String(),
  name: Nullable(Type.String()),
  notes: Nullable(Type.String()),
  type: Type.String({ description: 'name of the sensor type' }),
};

export const SensorSchema = Type.Object(sensorProperties, { $id: 'Sensor' });

const SensorInstallationSchema = Type.Object(
  {
    id: Type.Integer({ description: 'id of the location (GET /api/v1/locations/{id})' }),
    schema: Type.String({ description: 'name of the location schema' }),
    coordinates: Type.Record(Type.String(), Value),
    installation_datetime: Timestamp,
  },
  { $id: 'SensorInstallation', description: 'where a sensor is installed, and since when' },
);

const LatestValueSchema = Type.Object({ timestamp: Timestamp, value: Value }, { $id: 'LatestValue' });

/** One measure of the sensor with the latest reading of it (null before the first). */
const SensorMeasureLatestSchema = Type.Object(
  {
    ...sensorMeasureProperties,
    latest: Nullable(ref(LatestValueSchema)),
  },
  { $id: 'SensorMeasureLatest' },
);

export const SensorDetailsSchema = Type.Object(
  {
    ...sensorProperties,
    type: Type.Object({ id: Type.Integer(), name: Type.String(), description: Nullable(Type.String()) }),
    measures: Type.Array(ref(SensorMeasureLatestSchema), {
      description: "the type's measures in declared order, each with its latest value",
    }),
    location: Nullable(ref(SensorInstallationSchema)),
  },
  { $id: 'SensorDetails', description: 'location: the latest installation, null when the sensor was never installed' },
);

const LocationSensorSchema = Type.Object(
  {
    sensor: Type.String({ description: 'unique identifier of the sensor' }),
    name: Nullable(Type.String()),
    type: Type.String({ description: 'name of the sensor type' }),
    installation_datetime: Timestamp,
    current: Type.Boolean({ description: "true when this is the sensor's latest installation: it is there now" }),
  },
  { $id: 'LocationSensor', description: 'a sensor installed at a location, and since when' },
);

const LocationSensorsSchema = Type.Object(
  { items: Type.Array(ref(LocationSensorSchema), { description: 'newest installation first' }) },
  { $id: 'LocationSensors' },
);

export const LocationSensorsResource = ref(LocationSensorsSchema);

export const toLocationSensor = (row: InstallationAtRow) => ({
  sensor: row.uniqueIdentifier,
  name: row.sensorName,
  type: row.typeName,
  installation_datetime: row.installationDatetime,
  current: row.current,
});

const SensorMeasurePageSchema = PageOf(SensorMeasureSchema);
const SensorTypePageSchema = PageOf(SensorTypeSchema);
const SensorPageSchema = PageOf(SensorSchema);

export const SensorMeasureResource = ref(SensorMeasureSchema);
export const SensorTypeResource = ref(SensorTypeSchema);
export const SensorDetailsResource = ref(SensorDetailsSchema);
export const SensorMeasurePage = ref(SensorMeasurePageSchema);
export const SensorTypePage = ref(SensorTypePageSchema);
export const SensorPage = ref(SensorPageSchema);

/** The named schemas of the sensor resources, registered by their routes. */
export const sensorApiSchemas = [
  SensorMeasureSchema,
  SensorTypeSchema,
  SensorSchema,
  SensorInstallationSchema,
  LatestValueSchema,
  SensorMeasureLatestSchema,
  SensorDetailsSchema,
  LocationSensorSchema,
  LocationSensorsSchema,
  SensorMeasurePageSchema,
  SensorTypePageSchema,
  SensorPageSchema,
];

export const SensorQuery = Type.Object({ ...PageQuery, type: Type.Optional(Type.String({ description: 'name of a sensor type' })) });

export const toSensorMeasure = (m: MeasureRow) => ({ id: m.id, name: m.name, units: m.units, datatype: m.datatype });
export const toSensorType = (t: SensorTypeWithMeasures) => ({
  id: t.id,
  name: t.name,
  description: t.description,
  measures: t.measures.map(toSensorMeasure),
});
export const toSensor = (s: SensorRow) => ({
  id: s.id,
  unique_identifier: s.uniqueIdentifier,
  name: s.name,
  notes: s.notes,
  type: s.typeName,
});
export const toCurrentLocation = (l: SensorLocationRow) => ({
  id: l.locationId,
  schema: l.schemaName,
  coordinates: l.coordinates,
  installation_datetime: l.installationDatetime,
});
