/**
 * Which outputs of a run are its forecast (the mean) and its band (lower, upper bound).
 *
 * DTBase stores a run as outputs in model measures and has no notion of a band, so the rule is
 * ours, and explicit:
 * - A role named by the caller (`mean`, `lower`, `upper`) is the output whose model measure has
 *   exactly that name; a run without it cannot be scored.
 * - Otherwise the role is the one output whose measure name holds the role as a word, any case
 *   ("mean", "Mean Temperature", "temperature_upper", "Lower bound"). Two such outputs are
 *   ambiguous: the caller must name one.
 * - The mean falls back to the only output that is not a bound, so a run with one series needs
 *   no naming at all.
 * - A band needs both bounds: with one found by default, the run has no band (coverage null);
 *   naming only one is refused.
 * Only float and integer outputs can be scored.
 */

export interface RunOutputRef {
  productId: number;
  name: string;
  datatype: string;
}

export interface OutputNames {
  mean?: string | undefined;
  lower?: string | undefined;
  upper?: string | undefined;
}

export interface SkillOutputs {
  mean: RunOutputRef;
  /** Both bounds or neither. */
  band: { lower: RunOutputRef; upper: RunOutputRef } | null;
}

export type PickResult = { ok: true; outputs: SkillOutputs } | { ok: false; reason: string };

type Role = 'mean' | 'lower' | 'upper';

const isNumeric = (output: RunOutputRef) => output.datatype === 'float' || output.datatype === 'integer';

/** The words of a measure name: letters and digits, lower case. */
const words = (name: string) => new Set(name.toLowerCase().split(/[^\p{L}\p{N}]+/u));

class Refusal extends Error {}

function byDefault(outputs: RunOutputRef[], role: Role): RunOutputRef | undefined {
  const found = outputs.filter((o) => words(o.name).has(role));
  if (found.length > 1) {
    throw new Refusal(
      `outputs ${found.map((o) => JSON.stringify(o.name)).join(' and ')} could each be the ${role}: name it with the "${role}" parameter`,
    );
  }
  return found[0];
}

function named(outputs: RunOutputRef[], role: Role, name: string): RunOutputRef {
  const found = outputs.find((o) => o.name === name);
  if (!found) throw new Refusal(`no output in model measure ${JSON.stringify(name)} (asked for as the ${role})`);
  return found;
}

function pick(outputs: RunOutputRef[], names: OutputNames): SkillOutputs {
  if ((names.lower === undefined) !== (names.upper === undefined)) {
    throw new Refusal('a band needs both "lower" and "upper": name both or neither');
  }
  const lower = names.lower === undefined ? byDefault(outputs, 'lower') : named(outputs, 'lower', names.lower);
  const upper = names.upper === undefined ? byDefault(outputs, 'upper') : named(outputs, 'upper', names.upper);
  let mean = names.mean === undefined ? byDefault(outputs, 'mean') : named(outputs, 'mean', names.mean);
  if (!mean) {
    const others = outputs.filter((o) => o !== lower && o !== upper);
    if (others.length !== 1) {
      throw new Refusal(
        others.length === 0
          ? 'no output to score as the mean'
          : 'no output is named as the mean and there are several: name it with the "mean" parameter',
      );
    }
    mean = others[0];
  }
  const band = lower && upper ? { lower, upper } : null;
  for (const [role, output] of [
    ['mean', mean],
    ['lower', band?.lower],
    ['upper', band?.upper],
  ] as const) {
    if (output && !isNumeric(output)) {
      throw new Refusal(`the ${role} output ${JSON.stringify(output.name)} holds ${output.datatype} values, not numbers`);
    }
  }
  return { mean, band };
}

/** The outputs to score, or why the run cannot be scored. */
export function pickSkillOutputs(outputs: RunOutputRef[], names: OutputNames = {}): PickResult {
  try {
    return { ok: true, outputs: pick(outputs, names) };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, reason: error.message };
    throw error;
  }
}
