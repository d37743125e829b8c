import type { Database } from '../../db/database.ts';
import { createModelsService } from './models.service.ts';

export type { ModelsService } from './models.service.ts';
export type { MeasureRow, ModelRow, Page, ScenarioRow } from './models.repository.ts';
export type { RunFilter, RunOutputRow, RunRow } from './model-runs.repository.ts';
export type { NewRunInput } from './model-runs.service.ts';

/**
 * The models module: models, scenarios, output measures, runs. Both HTTP surfaces call it;
 * the resource API uses listModels / listScenarios / listMeasures / listRuns (cursor: afterId +
 * limit), getRun (a run with its outputs column-wise) and findRunSensorTarget (the sensor and
 * sensor measure to match observations against).
 */
export function modelsModule(db: Database) {
  return createModelsService({ db });
}
