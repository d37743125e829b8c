import type { Database, Queryable } from '../../db/database.ts';
import type { EntityChanged, EntityKind, Events } from '../../events/events.ts';
import type { ValueDatatype } from '../../db/schema/common.ts';
import { conflict, missingRecord } from '../../errors.ts';
import { createModelRunsService, type SensorLookup } from './model-runs.service.ts';
import { MODEL_MISSING, SCENARIO_MISSING, requireModel } from './models.messages.ts';
import { translateViolations } from '../shared/constraint-errors.ts';
import { modelsRepository, type MeasureRow, type ModelRow, type Page, type ScenarioRow } from './models.repository.ts';
import { modelRunsRepository } from './model-runs.repository.ts';

/** Models, scenarios and model measures, plus (from model-runs.service.ts) runs and outputs. */
const changed = (entity: EntityKind, action: EntityChanged['action'], key: string | number): EntityChanged => ({
  type: 'entity.changed',
  entity,
  action,
  key: String(key),
});

export function createModelsService(deps: { db: Database; events: Events; sensors: SensorLookup }) {
  const { db, events } = deps;
  const read = modelsRepository(db);
  const publish = (q: Queryable, ...changes: EntityChanged[]) => events.publish(q, changes);

  return {
    listModels: (page: Page = {}): Promise<ModelRow[]> => read.listModels(page),

    /** The model of that name, or undefined. */
    findModel: (name: string): Promise<ModelRow | undefined> => read.findModel(name),

    // One INSERT ... ON CONFLICT DO NOTHING: atomic, and a duplicate (even a racing one) is
    // simply no row back.
    async insertModel(name: string): Promise<void> {
      if (!(await modelsRepository(db).insertModel(name))) throw conflict('Model exists already');
      await publish(db, changed('model', 'created', name));
    },

    /**
     * Deletes the model with its scenarios, runs and their outputs. DTBase failed (500) on a
     * model with runs; as no endpoint deletes runs, refusing would leave such a model
     * undeletable, so the runs go with it, all in one transaction (one event for the model
     * stands for its scenarios and runs).
     */
    async deleteModel(name: string): Promise<void> {
      await translateViolations(
        () =>
          db.transaction(async (tx) => {
            const models = modelsRepository(tx);
            const model = await requireModel(models, name);
            await modelRunsRepository(tx).deleteRunsOfModel(model.id);
            await models.deleteModel(model.id);
            await publish(tx, changed('model', 'deleted', name));
          }),
        // A run inserted concurrently after our delete of the runs still references the model.
        { foreignKey: () => conflict('Model received a new run while being deleted; try again') },
      );
    },

    listScenarios: (filter: { modelName?: string } & Page = {}): Promise<ScenarioRow[]> => read.listScenarios(filter),

    async insertScenario(modelName: string, description: string | null): Promise<void> {
      await translateViolations(
        () =>
          db.transaction(async (tx) => {
            const models = modelsRepository(tx);
            const model = await requireModel(models, modelName);
            // The unique key is NULLS NOT DISTINCT: a second null-description scenario is a duplicate too.
            const id = await models.insertScenario(model.id, description);
            if (id === undefined) throw conflict('Scenario exists already');
            await publish(tx, changed('model_scenario', 'created', id));
          }),
        // The insert itself answers a duplicate (ON CONFLICT DO NOTHING); a model deleted meanwhile is a 400.
        { foreignKey: () => missingRecord(MODEL_MISSING) },
      );
    },

    /** Deletes the scenario and its runs (DTBase: 500 when runs existed; see deleteModel). */
    async deleteScenario(modelName: string, description: string | null): Promise<void> {
      await translateViolations(
        () =>
          db.transaction(async (tx) => {
            const models = modelsRepository(tx);
            const model = await requireModel(models, modelName);
            const scenario = await models.findScenario(model.id, description);
            if (!scenario) throw missingRecord(SCENARIO_MISSING);
            await modelRunsRepository(tx).deleteRunsOfScenario(scenario.id);
            await models.deleteScenario(scenario.id);
            await publish(tx, changed('model_scenario', 'deleted', scenario.id));
          }),
        { foreignKey: () => conflict('Model scenario received a new run while being deleted; try again') },
      );
    },

    listMeasures: (page: Page = {}): Promise<MeasureRow[]> => read.listMeasures(page),

    async insertMeasure(measure: { name: string; units: string; datatype: ValueDatatype }): Promise<void> {
      const row = await modelsRepository(db).insertMeasure(measure);
      if (!row) throw conflict('Model measure exists already');
      await publish(db, changed('model_measure', 'created', row.id));
    },

    /**
     * Deletes every measure of that name (the body names no units, as in DTBase). Refused with
     * 409 while runs hold outputs in it: deleting a run's outputs behind its back would be
     * silent data loss, and the runs can be removed with their scenario or model.
     */
    async deleteMeasure(name: string): Promise<void> {
      const inUse = () => conflict('Model measure is in use by model runs');
      await translateViolations(
        () =>
          db.transaction(async (tx) => {
            const models = modelsRepository(tx);
            const ids = await models.findMeasureIdsByName(name);
            if (ids.length === 0) throw missingRecord('Model measure does not exist');
            if (await models.isMeasureInUse(ids)) throw inUse();
            await models.deleteMeasures(ids);
            await publish(tx, ...ids.map((id) => changed('model_measure', 'deleted', id)));
          }),
        { foreignKey: inUse },
      );
    },

    ...createModelRunsService({ db, events, sensors: deps.sensors }),
  };
}

export type ModelsService = ReturnType<typeof createModelsService>;
