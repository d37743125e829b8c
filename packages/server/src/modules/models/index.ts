export type { ModelsService } from './models.service.ts';
export type { MeasureRow, ModelRow, Page, ScenarioRow } from './models.repository.ts';
export type { RunFilter, RunOutputRow } from './model-runs.repository.ts';
export type { NewRunInput, RunRow } from './model-runs.service.ts';
