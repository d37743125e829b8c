import type { Database } from '../../db/database.ts';
import type { EntityChanged, Events } from '../../events/events.ts';
import { conflict, missingRecord, unprocessable } from '../../errors.ts';
import type { SensorsService } from '../sensors/index.ts';
import { assertAllDatatype, type Value } from '../shared/values.ts';
import { SCENARIO_MISSING, requireModel } from './models.messages.ts';
import { translateViolations } from '../shared/constraint-errors.ts';
import { modelsRepository, type MeasureRow } from './models.repository.ts';
import { modelRunsRepository, type RunFilter, type RunOutputRow, type StoredRunRow } from './model-runs.repository.ts';

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

/** A run with the names of the sensor and sensor measure it is compared with (from the sensors module). */
export interface RunRow extends StoredRunRow {
  sensorUniqueId: string | null;
  sensorMeasureName: string | null;
  sensorMeasureUnits: string | null;
}

/** What the models module asks the sensors module. */
export type SensorLookup = Pick<SensorsService, 'findSensor' | 'findSensorType' | 'findMeasure' | 'findSensorsByIds' | 'findMeasuresByIds'>;

/** Milliseconds since the epoch of a datetime text; Date.parse does not read a bare "+01" offset. */
const instant = (text: string) => Date.parse(text.replace(/([+-]\d{2})$/, '$1:00'));

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

export function createModelRunsService(deps: { db: Database; events: Events; sensors: SensorLookup }) {
  const { db, events, sensors } = deps;
  const models = modelsRepository(db);
  const runs = modelRunsRepository(db);

  /** Resolves the sensor and sensor measure a run is to be compared with, through the sensors service; 400 when unknown. */
  async function resolveSensorReference(input: NewRunInput) {
    let sensor: { id: number; typeName: string } | undefined;
    let measure: { id: number } | undefined;
    if (input.sensorUniqueId != null) {
      sensor = await sensors.findSensor(input.sensorUniqueId);
      if (!sensor) throw missingRecord('Sensor does not exist');
    }
    if (input.sensorMeasure != null) {
      const { name, units = null } = input.sensorMeasure;
      measure = await sensors.findMeasure(name, units);
      if (!measure) throw missingRecord('Sensor measure does not exist');
      // A measure the sensor cannot record would never have observations to compare with.
      const type = sensor && (await sensors.findSensorType(sensor.typeName));
      if (sensor && !type?.measures.some((m) => m.id === measure!.id)) {
        throw missingRecord(`Sensor measure "${name}" is not a measure of sensor "${input.sensorUniqueId}"`);
      }
    }
    return { sensorId: sensor?.id ?? null, sensorMeasureId: measure?.id ?? null };
  }

  /** Stored runs with the names of their sensors and sensor measures, asked of the sensors module in one go. */
  async function withSensorNames(rows: StoredRunRow[]): Promise<RunRow[]> {
    const distinct = (ids: (number | null)[]) => [...new Set(ids.filter((id): id is number => id !== null))];
    const [sensorRows, measureRows] = await Promise.all([
      sensors.findSensorsByIds(distinct(rows.map((r) => r.sensorId))),
      sensors.findMeasuresByIds(distinct(rows.map((r) => r.sensorMeasureId))),
    ]);
    const sensorById = new Map(sensorRows.map((s) => [s.id, s]));
    const measureById = new Map(measureRows.map((m) => [m.id, m]));
    // Foreign keys keep a run's sensor and measure from being deleted, so every id is found.
    return rows.map((run) => {
      const measure = run.sensorMeasureId === null ? undefined : measureById.get(run.sensorMeasureId);
      return {
        ...run,
        sensorUniqueId: run.sensorId === null ? null : (sensorById.get(run.sensorId)?.uniqueIdentifier ?? null),
        sensorMeasureName: measure?.name ?? null,
        sensorMeasureUnits: measure?.units ?? null,
      };
    });
  }

  return {
    /**
     * Stores a run and its outputs. Everything it refers to is looked up first, in DTBase's
     * order of complaints (model, scenario, sensor, measures); the writes then go in one
     * transaction, where the foreign keys catch anything deleted meanwhile. An output with
     * empty values and timestamps is accepted (DTBase crashed on it): the run records that the
     * model produced the measure, with no values, just as DTBase's insert-sensor-readings takes
     * empty lists. Returns the new run's id.
     */
    async insertRun(input: NewRunInput): Promise<number> {
      checkOutputsShape(input.outputs);
      const model = await requireModel(models, input.modelName);
      const scenario = await models.findScenario(model.id, input.scenarioDescription);
      if (!scenario && !input.createScenario) throw missingRecord(SCENARIO_MISSING);
      const sensorRef = await resolveSensorReference(input);
      const measures: MeasureRow[] = [];
      for (const output of input.outputs) {
        const measure = await models.findMeasureByName(output.measureName);
        if (!measure) throw missingRecord(`Model measure "${output.measureName}" does not exist`);
        // Every element, not just the first as DTBase did.
        assertAllDatatype(output.values, measure.datatype, `model measure "${measure.name}"`);
        measures.push(measure);
      }

      return translateViolations(
        () =>
          db.transaction(async (tx) => {
            const modelsTx = modelsRepository(tx);
            const runsTx = modelRunsRepository(tx);
            const changes: EntityChanged[] = [];
            let scenarioId = scenario?.id;
            if (scenarioId === undefined) {
              // Another request may create the same scenario at the same moment: then use that one.
              const created = await modelsTx.insertScenario(model.id, input.scenarioDescription);
              if (created !== undefined)
                changes.push({ type: 'entity.changed', entity: 'model_scenario', action: 'created', key: String(created) });
              scenarioId = created ?? (await modelsTx.findScenario(model.id, input.scenarioDescription))?.id;
              if (scenarioId === undefined) throw missingRecord(SCENARIO_MISSING);
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
            changes.push({ type: 'entity.changed', entity: 'model_run', action: 'created', key: String(runId) });
            await events.publish(tx, changes);
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
      return withSensorNames(await runs.listRuns(filter));
    },

    /**
     * DTBase's listing of a model's runs: by default those created in the last seven days (by
     * the database's clock); a `from` after `to` finds nothing, as in DTBase.
     */
    async listRecentRuns(filter: {
      modelName: string;
      from?: string | null;
      to?: string | null;
      scenario?: string | null;
    }): Promise<RunRow[]> {
      const rows = await runs.listRuns({
        modelName: filter.modelName,
        scenario: filter.scenario,
        from: filter.from ?? undefined,
        to: filter.to ?? undefined,
        defaultToLastWeek: true,
      });
      return withSensorNames(rows);
    },

    /** One run, or undefined for an unknown id. */
    async findRun(runId: number): Promise<RunRow | undefined> {
      const run = await runs.findRun(runId);
      return run && (await withSensorNames([run]))[0];
    },

    /** Every output series of a run, column-wise, in the order stored; none for an unknown run. */
    listRunOutputs: (runId: number): Promise<RunOutputRow[]> => runs.listRunOutputs(runId),

    /** One run with its outputs, column-wise per measure; undefined for an unknown id. */
    async getRun(runId: number): Promise<{ run: RunRow; outputs: RunOutputRow[] } | undefined> {
      const run = await runs.findRun(runId);
      if (!run) return undefined;
      const [[named], outputs] = await Promise.all([withSensorNames([run]), runs.listRunOutputs(runId)]);
      return { run: named, outputs };
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
