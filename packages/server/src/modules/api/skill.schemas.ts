import { Type } from '@sinclair/typebox';
import { Nullable, ZonedDatetime, ref } from '../../http/schemas.ts';
import { DEFAULT_RUNS_PER_REQUEST, MAX_RUNS_PER_REQUEST, type RunSkill, type Skill, type SkillGroup } from '../skill/skill.service.ts';
import { Timestamp } from './api.schemas.ts';

/** A week: enough for daily forecasts against sparse observations, small enough to stay two index probes per point. */
export const MAX_TOLERANCE_SECONDS = 7 * 86_400;

const OUTPUTS_RULE =
  'The mean is the output in the model measure named by `mean`; by default the one output whose measure name holds ' +
  'the word "mean" (any case: "mean", "Mean Temperature", "temp_mean"), else the only output that is not a bound. ' +
  'The band is the outputs named by `lower` and `upper` (both or neither); by default the outputs whose names hold the ' +
  'words "lower" and "upper", and no band unless both are found. Only float and integer outputs are scored.';

const MATCH_RULE =
  "Each value of the mean output is compared with the observation of the run's sensor measure nearest in time, within " +
  '`tolerance` seconds (default 0: the same instant; a tie goes to the earlier observation). Points without one are not ' +
  'compared. bias is the mean of forecast − observed; band_coverage the share of compared points, among those with both ' +
  'bounds at their timestamp, whose observation lies in [lower, upper].';

export const SkillDescription = { outputs: OUTPUTS_RULE, matching: MATCH_RULE };

const outputName = (role: string) =>
  Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: `name of the model measure holding the ${role}` }));

const skillOptions = {
  tolerance: Type.Optional(
    Type.Number({
      minimum: 0,
      maximum: MAX_TOLERANCE_SECONDS,
      default: 0,
      description: 'seconds between a forecast point and the observation it is compared with; 0: the same instant',
    }),
  ),
  mean: outputName('forecast (mean)'),
  lower: outputName('lower bound'),
  upper: outputName('upper bound'),
};

export const RunSkillQuery = Type.Object(skillOptions);

export const ModelSkillQuery = Type.Object({
  ...skillOptions,
  scenario: Type.Optional(Type.String({ description: 'description of the scenario; all scenarios when absent' })),
  from: Type.Optional(ZonedDatetime),
  to: Type.Optional(ZonedDatetime),
  max_runs: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_RUNS_PER_REQUEST,
      default: DEFAULT_RUNS_PER_REQUEST,
      description: 'the newest runs created in the range scored, at most',
    }),
  ),
});

const skillProperties = {
  forecast_points: Type.Integer({ description: 'values of the mean output' }),
  points: Type.Integer({ description: 'forecast points compared with an observation' }),
  mae: Nullable(Type.Number()),
  rmse: Nullable(Type.Number()),
  bias: Nullable(Type.Number({ description: 'mean of forecast − observed' })),
  band_points: Nullable(Type.Integer({ description: 'compared points with both bounds; null without a band' })),
  band_coverage: Nullable(Type.Number({ description: 'share of band_points inside [lower, upper]; null without a band or band points' })),
  from: Nullable(Timestamp),
  to: Nullable(Timestamp),
};

const groupProperties = {
  ...skillProperties,
  runs: Type.Integer(),
  runs_scored: Type.Integer({ description: 'runs with at least one compared point' }),
  runs_skipped: Type.Integer({ description: 'runs that cannot be scored (listed in skipped)' }),
};

const RunSkillSchema = Type.Object(
  {
    run: Type.Integer(),
    model: Type.String(),
    scenario: Nullable(Type.String()),
    time_created: Timestamp,
    sensor: Type.String(),
    sensor_measure: Type.Object({ name: Type.String(), units: Nullable(Type.String()) }),
    tolerance: Type.Number(),
    outputs: Type.Object({ mean: Type.String(), lower: Nullable(Type.String()), upper: Nullable(Type.String()) }),
    ...skillProperties,
  },
  { $id: 'RunSkill' },
);

const ModelSkillSchema = Type.Object(
  {
    model: Type.String(),
    tolerance: Type.Number(),
    runs_matched: Type.Integer({ description: 'runs created in the range' }),
    runs_considered: Type.Integer({ description: 'the newest of them, at most max_runs' }),
    truncated: Type.Boolean({ description: 'true when older runs in the range were left out' }),
    scenarios: Type.Array(Type.Object({ scenario: Nullable(Type.String()), ...groupProperties })),
    overall: Type.Object(groupProperties),
    skipped: Type.Array(Type.Object({ run: Type.Integer(), scenario: Nullable(Type.String()), reason: Type.String() })),
  },
  { $id: 'ModelSkill' },
);

export const RunSkillResource = ref(RunSkillSchema);
export const ModelSkillResource = ref(ModelSkillSchema);
export const skillApiSchemas = [RunSkillSchema, ModelSkillSchema];

const toSkill = (s: Skill) => ({
  forecast_points: s.forecastPoints,
  points: s.points,
  mae: s.mae,
  rmse: s.rmse,
  bias: s.bias,
  band_points: s.bandPoints,
  band_coverage: s.bandCoverage,
  from: s.from,
  to: s.to,
});

export const toSkillGroup = (g: SkillGroup) => ({ ...toSkill(g), runs: g.runs, runs_scored: g.runsScored, runs_skipped: g.runsSkipped });

export const toRunSkill = (s: RunSkill, tolerance: number) => ({
  run: s.run.runId,
  model: s.run.modelName,
  scenario: s.run.scenario,
  time_created: s.run.timeCreated,
  // A scored run names both (the service refuses one that does not).
  sensor: s.run.sensorUid ?? '',
  sensor_measure: { name: s.run.sensorMeasureName ?? '', units: s.run.sensorMeasureUnits },
  tolerance,
  outputs: { mean: s.outputs.mean.name, lower: s.outputs.band?.lower.name ?? null, upper: s.outputs.band?.upper.name ?? null },
  ...toSkill(s),
});
