import { missingRecord } from '../../errors.ts';
import type { ModelsRepository } from './models.repository.ts';

export const MODEL_MISSING = 'Model does not exist';
export const SCENARIO_MISSING = 'Model scenario does not exist';

/** The model of that name, or DTBase's 400 for a missing record. */
export async function requireModel(models: ModelsRepository, name: string) {
  const model = await models.findModel(name);
  if (!model) throw missingRecord(MODEL_MISSING);
  return model;
}
