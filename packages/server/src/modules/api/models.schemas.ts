import { Type } from '@sinclair/typebox';
import { Datatype, Nullable, Value, ZonedDatetime, ref } from '../../http/schemas.ts';
import type { MeasureRow, ModelRow, RunOutputRow, RunRow, ScenarioRow } from '../models/index.ts';
import { Timestamp } from './api.schemas.ts';
import { PageOf, PageQuery } from './pagination.ts';

export const ModelSchema = Type.Object({ id: Type.Integer(), name: Type.String() }, { $id: 'Model' });

export const ScenarioSchema = Type.Object(
  {
    id: Type.Integer(),
    model: Type.String({ description: 'name of the model' }),
    description: Nullable(Type.String()),
  },
  { $id: 'Scenario' },
);

export const ModelMeasureSchema = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    units: Type.String(),
    datatype: Datatype,
  },
  { $id: 'ModelMeasure' },
);

const SensorMeasureRef = Nullable(Type.Object({ name: Type.String(), units: Nullable(Type.String()) }));

const runProperties = {
  id: Type.Integer(),
  model: Type.String(),
  scenario: Nullable(Type.String({ description: 'description of the scenario' })),
  time_created: Timestamp,
  sensor: Nullable(Type.String({ description: 'unique identifier of the sensor the run is compared with' })),
  sensor_measure: SensorMeasureRef,
};

export const ModelRunSchema = Type.Object(runProperties, { $id: 'ModelRun' });

/** A time series, column-wise, so that a chart takes it as it is. */
const ModelOutputSeriesSchema = Type.Object(
  {
    measure: Type.String(),
    units: Type.String(),
    datatype: Datatype,
    timestamps: Type.Array(Timestamp),
    values: Type.Array(Value),
  },
  { $id: 'ModelOutputSeries' },
);

/** The readings of a sensor measure, column-wise, as the readings engine answers them (the fields a run shows). */
const ObservationSeriesSchema = Type.Object(
  {
    sensor: Type.String(),
    measure: Type.String(),
    units: Nullable(Type.String()),
    datatype: Datatype,
    resolution: Type.String({ description: 'raw, or the aggregation the readings engine used when the range held more than max_points' }),
    timestamps: Type.Array(Type.Union([Type.String(), Type.Number()])),
    values: Type.Array(Nullable(Value)),
  },
  { $id: 'ObservationSeries' },
);

export const ModelRunDetailsSchema = Type.Object(
  {
    ...runProperties,
    outputs: Type.Array(ref(ModelOutputSeriesSchema)),
    observations: Nullable(ref(ObservationSeriesSchema)),
  },
  {
    $id: 'ModelRunDetails',
    description:
      "observations: the run's sensor measure over the time range of its outputs; null when the run names no sensor and measure, or has no output values",
  },
);

const ModelPageSchema = PageOf(ModelSchema);
const ScenarioPageSchema = PageOf(ScenarioSchema);
const ModelMeasurePageSchema = PageOf(ModelMeasureSchema);
const ModelRunPageSchema = PageOf(ModelRunSchema);

export const ModelResource = ref(ModelSchema);
export const RunDetails = ref(ModelRunDetailsSchema);
export const ModelPage = ref(ModelPageSchema);
export const ScenarioPage = ref(ScenarioPageSchema);
export const ModelMeasurePage = ref(ModelMeasurePageSchema);
export const ModelRunPage = ref(ModelRunPageSchema);

/** The named schemas of the model resources. */
export const modelApiSchemas = [
  ModelSchema,
  ScenarioSchema,
  ModelMeasureSchema,
  ModelRunSchema,
  ModelOutputSeriesSchema,
  ObservationSeriesSchema,
  ModelRunDetailsSchema,
  ModelPageSchema,
  ScenarioPageSchema,
  ModelMeasurePageSchema,
  ModelRunPageSchema,
];

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
  max_points: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 100_000,
      default: OBSERVATION_POINTS_DEFAULT,
      description: 'observations: raw when the range holds at most this many, otherwise averaged in equal buckets',
    }),
  ),
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
  measure: o.name,
  units: o.units,
  datatype: o.datatype,
  timestamps: o.timestamps,
  values: o.values,
});
