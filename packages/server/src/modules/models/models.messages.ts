export const MODEL_MISSING = 'Model does not exist';
export const SCENARIO_MISSING = 'Model scenario does not exist';
