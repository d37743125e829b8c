import { Type, type Static } from '@sinclair/typebox';
import { Datatype, DtDatetime, Nullable, Value, ref } from '../../http/schemas.ts';

// Names live in varchar(100) columns: longer ones are refused here (422) rather than by the database.
const Name = Type.String({ maxLength: 100 });
// Run ids are int4 in the database; a larger number could name no run and would not even fit a parameter.
const RunIdValue = Type.Integer({ minimum: -2147483648, maximum: 2147483647 });

export const ModelBody = Type.Object({ name: Name });
export type ModelBody = Static<typeof ModelBody>;

const ModelOutSchema = Type.Object({ name: Type.String() }, { $id: 'DtbaseModel' });
export const ModelList = Type.Array(ref(ModelOutSchema));

/** DTBase requires `description` to be present; omitted counts as null here. */
export const ScenarioBody = Type.Object({
  model_name: Type.String(),
  description: Type.Optional(Nullable(Type.String())),
});
export type ScenarioBody = Static<typeof ScenarioBody>;

const ScenarioOutSchema = Type.Object({ model_name: Type.String(), description: Nullable(Type.String()) }, { $id: 'DtbaseModelScenario' });
export const ScenarioList = Type.Array(ref(ScenarioOutSchema));

export const MeasureBody = Type.Object({ name: Name, units: Name, datatype: Datatype });
export type MeasureBody = Static<typeof MeasureBody>;

const MeasureOutSchema = Type.Object({ name: Type.String(), units: Type.String(), datatype: Datatype }, { $id: 'DtbaseModelMeasure' });
export const MeasureList = Type.Array(ref(MeasureOutSchema));

export const MeasureNameBody = Type.Object({ name: Type.String() });
export type MeasureNameBody = Static<typeof MeasureNameBody>;

const SensorMeasureIdentifier = Type.Object({ name: Type.String(), units: Type.Optional(Nullable(Type.String())) });

const MeasureValues = Type.Object({
  measure_name: Type.String(),
  values: Type.Array(Value),
  timestamps: Type.Array(DtDatetime),
});

export const InsertRunBody = Type.Object({
  model_name: Type.String(),
  scenario_description: Type.String(),
  measures_and_values: Type.Array(MeasureValues),
  time_created: Type.Optional(Nullable(DtDatetime)),
  create_scenario: Type.Optional(Type.Boolean({ default: false })),
  sensor_unique_id: Type.Optional(Nullable(Type.String())),
  sensor_measure: Type.Optional(Nullable(SensorMeasureIdentifier)),
});
export type InsertRunBody = Static<typeof InsertRunBody>;

export const ListRunsBody = Type.Object({
  model_name: Type.String(),
  dt_from: Type.Optional(Nullable(DtDatetime)),
  dt_to: Type.Optional(Nullable(DtDatetime)),
  scenario: Type.Optional(Nullable(Type.String())),
});
export type ListRunsBody = Static<typeof ListRunsBody>;

const SensorMeasureRef = Nullable(Type.Object({ name: Type.String(), units: Nullable(Type.String()) }));

const RunOutSchema = Type.Object(
  {
    id: Type.Integer(),
    model_id: Type.Integer(),
    model_name: Type.String(),
    scenario_id: Type.Integer(),
    scenario_description: Nullable(Type.String()),
    time_created: Type.String(),
    sensor_unique_id: Nullable(Type.String()),
    sensor_measure: SensorMeasureRef,
  },
  { $id: 'DtbaseModelRun' },
);
export const RunList = Type.Array(ref(RunOutSchema));

export const RunIdBody = Type.Object({ run_id: RunIdValue });
export type RunIdBody = Static<typeof RunIdBody>;

/** `{"<measure name>": [{"value": ..., "timestamp": "...Z"}, ...]}`; `{}` for an unknown run. */
const RunOutputsSchema = Type.Record(Type.String(), Type.Array(Type.Object({ value: Value, timestamp: Type.String() })), {
  $id: 'DtbaseModelRunOutputs',
});
export const RunOutputs = ref(RunOutputsSchema);

const RunSensorMeasureSchema = Type.Object(
  {
    sensor_unique_id: Nullable(Type.String()),
    sensor_measure: SensorMeasureRef,
  },
  { $id: 'DtbaseModelRunSensorMeasure' },
);
export const RunSensorMeasure = ref(RunSensorMeasureSchema);

/** The named (response) schemas of DTBase's /model routes. */
export const dtbaseModelSchemas = [
  ModelOutSchema,
  ScenarioOutSchema,
  MeasureOutSchema,
  RunOutSchema,
  RunOutputsSchema,
  RunSensorMeasureSchema,
];
