export type { ModelsService } from './models.service.ts';
export type { MeasureRow, ModelRow, Page, ScenarioRow } from './models.repository.ts';
export type { RunFilter, RunOutputRow, RunRow } from './model-runs.repository.ts';
export type { NewRunInput } from './model-runs.service.ts';

