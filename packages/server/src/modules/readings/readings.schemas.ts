import { Type, type Static } from '@sinclair/typebox';
import { DtDatetime, ValidationIssue, Value } from '../../http/schemas.ts';

/** POST /sensor/insert-sensor-readings (DTBase). */
export const InsertSensorReadings = Type.Object({
  measure_name: Type.String(),
  unique_identifier: Type.String(),
  readings: Type.Array(Value),
  timestamps: Type.Array(DtDatetime, { description: 'ISO-8601; without an offset the time is UTC (as in DTBase)' }),
});
export type InsertSensorReadings = Static<typeof InsertSensorReadings>;

/** POST /sensor/sensor-readings (DTBase): both bounds inclusive. */
export const SensorReadingsRange = Type.Object({
  measure_name: Type.String(),
  unique_identifier: Type.String(),
  dt_from: DtDatetime,
  dt_to: DtDatetime,
});
export type SensorReadingsRange = Static<typeof SensorReadingsRange>;

export const SensorReadingList = Type.Array(Type.Object({ value: Value, timestamp: Type.String() }));

const UtcDatetimeText = Type.String({
  description: 'ISO-8601 with a UTC offset, e.g. 2024-01-01T00:00:00Z (checked per element, 422 names the index)',
});

/** One series of the bulk ingest, column-wise. */
export const IngestSeries = Type.Object({
  sensor: Type.String({ description: 'unique identifier of the sensor' }),
  measure: Type.String({ description: "name of a measure of the sensor's type" }),
  units: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'only needed when the name alone is ambiguous' })),
  timestamps: Type.Array(UtcDatetimeText),
  values: Type.Array(Value),
});
export type IngestSeries = Static<typeof IngestSeries>;

/** POST /api/v1/readings as application/json. */
export const IngestJsonBody = Type.Object({ series: Type.Array(IngestSeries) });
export type IngestJsonBody = Static<typeof IngestJsonBody>;

export const IngestSummary = Type.Object({
  inserted: Type.Integer({ description: 'readings stored' }),
  duplicates: Type.Integer({ description: 'readings skipped because that sensor, measure and timestamp existed already' }),
  series: Type.Integer({ description: 'distinct series named in the request' }),
});
export type IngestSummary = Static<typeof IngestSummary>;

/** An error of the resource API: the detail and the stable code of the error catalog. */
export const ApiError = Type.Object({
  detail: Type.Union([Type.String(), Type.Array(ValidationIssue)]),
  code: Type.Optional(Type.String()),
});
