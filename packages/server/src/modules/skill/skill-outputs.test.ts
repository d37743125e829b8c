import { describe, expect, it } from 'vitest';
import { pickSkillOutputs, type RunOutputRef } from './skill-outputs.ts';

let nextId = 1;
const out = (name: string, datatype = 'float'): RunOutputRef => ({ productId: nextId++, name, datatype });
const picked = (outputs: RunOutputRef[], names = {}) => {
  const result = pickSkillOutputs(outputs, names);
  if (!result.ok) throw new Error(result.reason);
  return { mean: result.outputs.mean.name, lower: result.outputs.band?.lower.name, upper: result.outputs.band?.upper.name };
};
const refused = (outputs: RunOutputRef[], names = {}) => {
  const result = pickSkillOutputs(outputs, names);
  if (result.ok) throw new Error('expected a refusal');
  return result.reason;
};

describe('which outputs of a run are scored', () => {
  it('finds mean and bounds by a word of their names, any case', () => {
    expect(picked([out('Upper Bound Temperature'), out('Mean Temperature'), out('Lower Bound Temperature')])).toEqual({
      mean: 'Mean Temperature',
      lower: 'Lower Bound Temperature',
      upper: 'Upper Bound Temperature',
    });
    expect(picked([out('temp_mean'), out('temp_lower')])).toEqual({ mean: 'temp_mean', lower: undefined, upper: undefined });
    // "meantime" is not the word "mean".
    expect(refused([out('meantime'), out('other')])).toMatch(/several: name it with the "mean" parameter/);
  });

  it('takes the only output that is not a bound as the mean', () => {
    expect(picked([out('forecast'), out('lower'), out('upper')])).toEqual({ mean: 'forecast', lower: 'lower', upper: 'upper' });
    expect(refused([out('lower'), out('upper')])).toMatch(/no output to score as the mean/);
  });

  it('uses names given, exactly, and refuses what it cannot use', () => {
    expect(picked([out('a'), out('b'), out('c')], { mean: 'b', lower: 'a', upper: 'c' })).toEqual({ mean: 'b', lower: 'a', upper: 'c' });
    expect(refused([out('a')], { mean: 'A' })).toMatch(/no output in model measure "A"/);
    expect(refused([out('a'), out('b')], { upper: 'b' })).toMatch(/both "lower" and "upper"/);
    expect(refused([out('mean p10'), out('mean p90')])).toMatch(/"mean p10" and "mean p90" could each be the mean/);
    expect(refused([out('mean', 'string')])).toMatch(/holds string values/);
    expect(refused([out('mean'), out('lower', 'boolean'), out('upper')])).toMatch(/the lower output "lower" holds boolean/);
  });
});
