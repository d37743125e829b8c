/** DTBase's wire shapes of models, scenarios, measures and runs, made from the models service's domain values. */
import type { Value } from '../shared/values.ts';
import type { RunOutputRow } from './model-runs.repository.ts';
import type { RunRow } from './model-runs.service.ts';
import type { MeasureRow, ScenarioRow } from './models.repository.ts';

export interface SensorMeasureRef {
  name: string;
  units: string | null;
}

/** A run as DTBase's list-model-runs renders it. */
export interface DtbaseRun {
  id: number;
  model_id: number;
  model_name: string;
  scenario_id: number;
  scenario_description: string | null;
  time_created: string;
  sensor_unique_id: string | null;
  sensor_measure: SensorMeasureRef | null;
}

const sensorMeasureOf = (run: RunRow): SensorMeasureRef | null =>
  run.sensorMeasureName === null ? null : { name: run.sensorMeasureName, units: run.sensorMeasureUnits };

export const toDtbaseRun = (run: RunRow): DtbaseRun => ({
  id: run.id,
  model_id: run.modelId,
  model_name: run.modelName,
  scenario_id: run.scenarioId,
  scenario_description: run.scenarioDescription,
  time_created: run.timeCreated,
  sensor_unique_id: run.sensorUniqueId,
  sensor_measure: sensorMeasureOf(run),
});

/** get-model-run-sensor-measure's answer. */
export const toDtbaseRunSensorMeasure = (run: RunRow) => ({ sensor_unique_id: run.sensorUniqueId, sensor_measure: sensorMeasureOf(run) });

/** get-model-run's answer: `{measure: [{value, timestamp}, ...]}`, `{}` for a run without outputs (or an unknown one). */
export function toDtbaseRunOutputs(outputs: RunOutputRow[]): Record<string, { value: Value; timestamp: string }[]> {
  const result: Record<string, { value: Value; timestamp: string }[]> = {};
  for (const output of outputs) {
    result[output.name] = output.values.map((value, i) => ({ value, timestamp: output.timestamps[i] }));
  }
  return result;
}

export const toDtbaseScenario = (s: ScenarioRow) => ({ model_name: s.modelName, description: s.description });

export const toDtbaseMeasure = ({ name, units, datatype }: MeasureRow) => ({ name, units, datatype });
