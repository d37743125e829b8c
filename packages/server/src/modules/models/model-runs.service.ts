import type { Database, Transaction } from '../../db/database.ts';
import { conflict, missingRecord, unprocessable } from '../../errors.ts';
import { assertAllDatatype, type Value } from '../shared/values.ts';
import { SCENARIO_MISSING, requireModel } from './models.messages.ts';
import { translateViolations } from '../shared/constraint-errors.ts';
import { modelsRepository, type MeasureRow } from './models.repository.ts';
import { modelRunsRepository, type RunFilter, type RunOutputRow, type RunRow } from './model-runs.repository.ts';
import { sensorReferencesRepository } from './sensor-references.repository.ts';

const RUN_EXISTS = 'Model run exists already';

export interface RunOutputInput {
  measureName: string;
  values: unknown[];
  timestamps: string[];
}

export interface NewRunInput {
  modelName: string;
  scenarioDescription: string;
  outputs: RunOutputInput[];
  /** Undefined or null: now. Naive timestamps count as UTC. */
  timeCreated?: string | null;
  /** Create the scenario when it does not exist yet, instead of refusing. */
  createScenario?: boolean;
  sensorUniqueId?: string | null;
  sensorMeasure?: { name: string; units?: string | null } | null;
}

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

/** Milliseconds since the epoch of a datetime text; Date.parse does not read a bare "+01" offset. */
const instant = (text: string) => Date.parse(text.replace(/([+-]\d{2})$/, '$1:00'));

function sensorMeasureOf(run: RunRow): SensorMeasureRef | null {
  return run.sensorMeasureName === null ? null : { name: run.sensorMeasureName, units: run.sensorMeasureUnits };
}

function toDtbaseRun(run: RunRow): DtbaseRun {
  return {
    id: run.id,
    model_id: run.modelId,
    model_name: run.modelName,
    scenario_id: run.scenarioId,
    scenario_description: run.scenarioDescription,
    time_created: run.timeCreated,
    sensor_unique_id: run.sensorUniqueId,
    sensor_measure: sensorMeasureOf(run),
  };
}

/** Checks that need no database: equal lengths, each measure once. */
function checkOutputsShape(outputs: RunOutputInput[]): void {
  const seen = new Set<string>();
  for (const output of outputs) {
    if (seen.has(output.measureName)) {
      throw unprocessable(`Model measure "${output.measureName}" appears more than once in measures_and_values`);
    }
    seen.add(output.measureName);
    if (output.values.length !== output.timestamps.length) {
      throw unprocessable(
        `values and timestamps of model measure "${output.measureName}" differ in length (${output.values.length} and ${output.timestamps.length})`,
      );
    }
  }
}

/** Resolves the sensor and sensor measure a run is to be compared with; 400 when unknown. */
async function resolveSensorReference(tx: Transaction, input: NewRunInput) {
  const sensors = sensorReferencesRepository(tx);
  let sensor: { id: number; typeId: number } | undefined;
  let measure: { id: number } | undefined;
  if (input.sensorUniqueId != null) {
    sensor = await sensors.findSensor(input.sensorUniqueId);
    if (!sensor) throw missingRecord('Sensor does not exist');
  }
  if (input.sensorMeasure != null) {
    const { name, units = null } = input.sensorMeasure;
    measure = await sensors.findSensorMeasure(name, units);
    if (!measure) throw missingRecord('Sensor measure does not exist');
    // A measure the sensor cannot record would never have observations to compare with.
    if (sensor && !(await sensors.sensorTypeHasMeasure(sensor.typeId, measure.id))) {
      throw missingRecord(`Sensor measure "${name}" is not a measure of sensor "${input.sensorUniqueId}"`);
    }
  }
  return { sensorId: sensor?.id ?? null, sensorMeasureId: measure?.id ?? null };
}

/** Finds the run's scenario, creating it when asked to. */
async function resolveScenario(tx: Transaction, modelId: number, input: NewRunInput): Promise<number> {
  const models = modelsRepository(tx);
  const existing = await models.findScenario(modelId, input.scenarioDescription);
  if (existing) return existing.id;
  if (!input.createScenario) throw missingRecord(SCENARIO_MISSING);
  // Another request may create the same scenario at the same moment: then use that one.
  const created = await models.insertScenario(modelId, input.scenarioDescription);
  if (created !== undefined) return created;
  const raced = await models.findScenario(modelId, input.scenarioDescription);
  if (!raced) throw missingRecord(SCENARIO_MISSING);
  return raced.id;
}

export function createModelRunsService(deps: { db: Database }) {
  const { db } = deps;
  const runs = modelRunsRepository(db);

  return {
    /**
     * Stores a run and its outputs in one transaction. An output with empty values and
     * timestamps is accepted (DTBase crashed on it): the run records that the model produced
     * the measure, with no values, just as DTBase's insert-sensor-readings takes empty lists.
     * Returns the new run's id.
     */
    async insertRun(input: NewRunInput): Promise<number> {
      checkOutputsShape(input.outputs);
      return translateViolations(
        () =>
          db.transaction(async (tx) => {
            const models = modelsRepository(tx);
            const runsTx = modelRunsRepository(tx);
            const model = await requireModel(models, input.modelName);
            const scenarioId = await resolveScenario(tx, model.id, input);
            const sensorRef = await resolveSensorReference(tx, input);

            const measures: MeasureRow[] = [];
            for (const output of input.outputs) {
              const measure = await models.findMeasureByName(output.measureName);
              if (!measure) throw missingRecord(`Model measure "${output.measureName}" does not exist`);
              // Every element, not just the first as DTBase did.
              assertAllDatatype(output.values, measure.datatype, `model measure "${measure.name}"`);
              measures.push(measure);
            }

            const runId = await runsTx.insertRun({
              modelId: model.id,
              scenarioId,
              ...sensorRef,
              timeCreated: input.timeCreated ?? undefined,
            });
            if (runId === undefined) throw conflict(RUN_EXISTS);
            for (const [i, output] of input.outputs.entries()) {
              const productId = await runsTx.insertProduct(runId, measures[i].id);
              await runsTx.insertValues(productId, measures[i].datatype, output.timestamps, output.values as Value[]);
            }
            return runId;
          }),
        {
          unique: RUN_EXISTS,
          // Something the run refers to was deleted by a concurrent request.
          foreignKey: () => missingRecord('A model, scenario, measure or sensor of this run was deleted meanwhile'),
        },
      );
    },

    /** Runs by id; a `from` after `to` is refused (422) rather than answered with nothing. */
    async listRuns(filter: RunFilter = {}): Promise<RunRow[]> {
      if (filter.from !== undefined && filter.to !== undefined && instant(filter.from) > instant(filter.to)) {
        throw unprocessable('"from" must not be after "to"');
      }
      return runs.listRuns(filter);
    },

    /** DTBase's list-model-runs: by default the runs created in the last seven days. */
    async listRunsForDtbase(filter: { modelName: string; from?: string | null; to?: string | null; scenario?: string | null }): Promise<DtbaseRun[]> {
      const rows = await runs.listRuns({
        modelName: filter.modelName,
        scenario: filter.scenario,
        from: filter.from ?? undefined,
        to: filter.to ?? undefined,
        defaultToLastWeek: true,
      });
      return rows.map(toDtbaseRun);
    },

    /** One run with its outputs, column-wise per measure; undefined for an unknown id. */
    async getRun(runId: number): Promise<{ run: RunRow; outputs: RunOutputRow[] } | undefined> {
      const run = await runs.findRun(runId);
      if (!run) return undefined;
      return { run, outputs: await runs.listRunOutputs(runId) };
    },

    /** DTBase's get-model-run: `{measure: [{value, timestamp}]}`, `{}` for an unknown run (as DTBase). */
    async getRunOutputsForDtbase(runId: number): Promise<Record<string, { value: Value; timestamp: string }[]>> {
      const result: Record<string, { value: Value; timestamp: string }[]> = {};
      for (const output of await runs.listRunOutputs(runId)) {
        result[output.name] = output.values.map((value, i) => ({ value, timestamp: output.timestamps[i] }));
      }
      return result;
    },

    async getRunSensorMeasure(runId: number): Promise<{ sensor_unique_id: string | null; sensor_measure: SensorMeasureRef | null }> {
      const run = await runs.findRun(runId);
      if (!run) throw missingRecord('No such model run');
      return { sensor_unique_id: run.sensorUniqueId, sensor_measure: sensorMeasureOf(run) };
    },

    /**
     * The sensor and sensor measure whose observations a run's outputs are compared with:
     * undefined when the run is unknown or does not name both.
     */
    async findRunSensorTarget(runId: number): Promise<{ sensorId: number; sensorMeasureId: number } | undefined> {
      const run = await runs.findRun(runId);
      if (!run || run.sensorId === null || run.sensorMeasureId === null) return undefined;
      return { sensorId: run.sensorId, sensorMeasureId: run.sensorMeasureId };
    },
  };
}
