/**
 * Holt-Winters needs one value per step. Sensor histories have gaps and jitter, so a history is
 * laid on a regular grid first: the step is the median spacing, and grid points between two
 * readings take the straight line between them. A gap wider than `maxGapSteps` is refused
 * rather than papered over with a long straight line that would teach the model nothing.
 */
export interface RegularSeries {
  start: number;
  stepMs: number;
  values: number[];
}

export function medianStep(times: readonly number[]): number {
  const gaps: number[] = [];
  for (let i = 1; i < times.length; i++) gaps.push(times[i] - times[i - 1]);
  gaps.sort((a, b) => a - b);
  // The lower median: with an even count, jitter on one side should not set the step.
  return gaps[Math.floor((gaps.length - 1) / 2)];
}

export function regularise(
  timestamps: readonly string[],
  values: readonly unknown[],
  options: { stepMs?: number; maxGapSteps?: number } = {},
): RegularSeries {
  const points: { t: number; v: number }[] = [];
  for (let i = 0; i < timestamps.length; i++) {
    const t = Date.parse(timestamps[i]);
    const v = values[i];
    if (Number.isFinite(t) && typeof v === 'number' && Number.isFinite(v)) points.push({ t, v });
  }
  points.sort((a, b) => a.t - b.t);
  if (points.length < 2) throw new Error(`the history holds ${points.length} numeric reading(s); a forecast needs many more`);
  const times = points.map((p) => p.t);
  const stepMs = options.stepMs ?? medianStep(times);
  if (!(stepMs > 0)) throw new Error('the history has no regular spacing (several readings share a timestamp)');
  const maxGapSteps = options.maxGapSteps ?? 6;
  const start = times[0];
  const count = Math.floor((times[times.length - 1] - start) / stepMs + 1e-9) + 1;
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < count; i++) {
    const t = start + i * stepMs;
    while (j < points.length - 2 && points[j + 1].t <= t) j++;
    const left = points[j];
    const right = points[j + 1];
    if (right.t - left.t > maxGapSteps * stepMs && t > left.t && t < right.t)
      throw new Error(
        `the history has a gap from ${new Date(left.t).toISOString()} to ${new Date(right.t).toISOString()}, longer than ${maxGapSteps} steps`,
      );
    const share = right.t === left.t ? 0 : (t - left.t) / (right.t - left.t);
    out.push(left.v + Math.min(1, Math.max(0, share)) * (right.v - left.v));
  }
  return { start, stepMs, values: out };
}
