import { Type } from '@sinclair/typebox';
import { Datatype, Nullable, Value, ZonedDatetime } from '../../http/schemas.ts';
import type { MeasureRow, ModelRow, RunOutputRow, RunRow, ScenarioRow } from '../models/index.ts';
import { Timestamp } from './api.schemas.ts';
import { PageQuery } from './pagination.ts';

export const ModelResource = Type.Object({ id: Type.Integer(), name: Type.String() });

export const ScenarioResource = Type.Object({
  id: Type.Integer(),
  model: Type.String({ description: 'name of the model' }),
  description: Nullable(Type.String()),
});

export const ModelMeasureResource = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  units: Type.String(),
  datatype: Datatype,
});

const SensorMeasureRef = Nullable(Type.Object({ name: Type.String(), units: Nullable(Type.String()) }));

export const RunResource = Type.Object({
  id: Type.Integer(),
  model: Type.String(),
  scenario: Nullable(Type.String({ description: 'description of the scenario' })),
  time_created: Timestamp,
  sensor: Nullable(Type.String({ description: 'unique identifier of the sensor the run is compared with' })),
  sensor_measure: SensorMeasureRef,
});

/** A time series, column-wise, so that a chart takes it as it is. */
const OutputSeries = Type.Object({
  measure: Type.String(),
  units: Type.String(),
  datatype: Datatype,
  timestamps: Type.Array(Timestamp),
  values: Type.Array(Value),
});

export const ObservationSeries = Type.Object({
  sensor: Type.String(),
  measure: Type.String(),
  units: Nullable(Type.String()),
  datatype: Datatype,
  resolution: Type.String({ description: 'raw, or the aggregation the readings engine used when the range held more than max_points' }),
  timestamps: Type.Array(Type.Union([Type.String(), Type.Number()])),
  values: Type.Array(Nullable(Value)),
});

export const RunDetails = Type.Object({
  ...RunResource.properties,
  outputs: Type.Array(OutputSeries),
  observations: Nullable(ObservationSeries),
}, { description: 'observations: the run\'s sensor measure over the time range of its outputs; null when the run names no sensor and measure, or has no output values' });

export const ScenarioQuery = Type.Object({ ...PageQuery, model: Type.Optional(Type.String({ description: 'name of the model' })) });

export const RunQuery = Type.Object({
  ...PageQuery,
  model: Type.Optional(Type.String({ description: 'name of the model' })),
  scenario: Type.Optional(Type.String({ description: 'description of the scenario' })),
  from: Type.Optional(ZonedDatetime),
  to: Type.Optional(ZonedDatetime),
});

/** Observations of a run come raw up to this many points, unless the client asks otherwise. */
export const OBSERVATION_POINTS_DEFAULT = 10_000;

export const RunDetailsQuery = Type.Object({
  max_points: Type.Optional(Type.Integer({
    minimum: 1, maximum: 100_000, default: OBSERVATION_POINTS_DEFAULT,
    description: 'observations: raw when the range holds at most this many, otherwise averaged in equal buckets',
  })),
});

export const toModel = (m: ModelRow) => ({ id: m.id, name: m.name });
export const toScenario = (s: ScenarioRow) => ({ id: s.id, model: s.modelName, description: s.description });
export const toModelMeasure = (m: MeasureRow) => ({ id: m.id, name: m.name, units: m.units, datatype: m.datatype });
export const toRun = (r: RunRow) => ({
  id: r.id,
  model: r.modelName,
  scenario: r.scenarioDescription,
  time_created: r.timeCreated,
  sensor: r.sensorUniqueId,
  sensor_measure: r.sensorMeasureName === null ? null : { name: r.sensorMeasureName, units: r.sensorMeasureUnits },
});
export const toOutput = (o: RunOutputRow) => ({
  measure: o.name, units: o.units, datatype: o.datatype, timestamps: o.timestamps, values: o.values,
});
