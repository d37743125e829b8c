import type { PlotSeries } from '../../components/plot/plot-data.ts';

export interface RunOutput {
  measure: string;
  units: string;
  datatype: string;
  timestamps: string[];
  values: (number | boolean | string)[];
}

export interface RunObservations {
  sensor: string;
  measure: string;
  units: string | null;
  resolution: string;
  timestamps: (string | number)[];
  values: (number | boolean | string | null)[];
}

/** Which outputs are the forecast and its bounds (names of model measures). */
export interface RunRoles {
  mean?: string;
  lower?: string | null;
  upper?: string | null;
}

const numeric = (o: RunOutput) => o.datatype === 'float' || o.datatype === 'integer';
const instant = (t: string | number) => (typeof t === 'number' ? t : Date.parse(t));
const byWord = (outputs: RunOutput[], word: RegExp) => outputs.find((o) => word.test(o.measure))?.measure;

/**
 * The roles the skill endpoint found (it knows the naming rules); without its answer, the
 * output named "lower"/"upper" by a word of its name, and the first other numeric one as mean.
 */
export function runRoles(outputs: RunOutput[], fromSkill: RunRoles | undefined): RunRoles {
  if (fromSkill?.mean) return fromSkill;
  const candidates = outputs.filter(numeric);
  const lower = byWord(candidates, /\blower\b|\blo\b|\bmin\b/i);
  const upper = byWord(candidates, /\bupper\b|\bhi\b|\bmax\b/i);
  const mean = candidates.find((o) => o.measure !== lower && o.measure !== upper)?.measure;
  return { mean, lower: lower ?? null, upper: upper ?? null };
}

/** The values of `output` at the instants `x` (a bound may list its instants apart from the mean). */
function valuesAt(output: RunOutput, x: number[]): (number | null)[] {
  const byInstant = new Map<number, number>();
  for (const [i, t] of output.timestamps.entries()) byInstant.set(instant(t), Number(output.values[i]));
  return x.map((t) => byInstant.get(t) ?? null);
}

/** Forecast with its band, the other numeric outputs dashed, the observations as points. */
export function runPlotSeries(outputs: RunOutput[], observations: RunObservations | null, roles: RunRoles): PlotSeries[] {
  const series: PlotSeries[] = [];
  const mean = outputs.find((o) => o.measure === roles.mean);
  const lower = outputs.find((o) => o.measure === roles.lower);
  const upper = outputs.find((o) => o.measure === roles.upper);
  if (mean) {
    const x = mean.timestamps.map(instant);
    const band =
      lower && upper
        ? (() => {
            const bx = upper.timestamps.map(instant);
            return { label: `${lower.measure} to ${upper.measure}`, x: bx, lower: valuesAt(lower, bx), upper: valuesAt(upper, bx) };
          })()
        : undefined;
    series.push({ label: `forecast: ${mean.measure}`, x, y: mean.values.map(Number), ...(band ? { band } : {}) });
  }
  for (const output of outputs.filter(numeric)) {
    if (output === mean || (series[0]?.band && (output === lower || output === upper))) continue;
    series.push({ label: output.measure, x: output.timestamps.map(instant), y: output.values.map(Number), dashed: true });
  }
  if (observations) {
    series.push({
      label: `observed: ${observations.sensor} ${observations.measure}`,
      x: observations.timestamps.map(instant),
      y: observations.values.map((v) => (v === null ? null : Number(v))),
      pointsOnly: observations.timestamps.length <= 1000,
    });
  }
  return series;
}

/** First and last instant over every series. */
export function seriesExtent(series: PlotSeries[]): { from: number; to: number } | undefined {
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const s of series) {
    const xs = [s.x, s.band?.x].filter((x): x is ArrayLike<number> => x !== undefined);
    for (const x of xs) {
      if (x.length === 0) continue;
      from = Math.min(from, x[0]);
      to = Math.max(to, x[x.length - 1]);
    }
  }
  if (!Number.isFinite(from)) return undefined;
  // One instant alone still needs a width to be drawn.
  return from === to ? { from: from - 3_600_000, to: to + 3_600_000 } : { from, to };
}
