import uPlot from 'uplot';

/** One line of a plot, with an optional band around it (min/max of buckets, or a forecast's bounds). */
export interface PlotSeries {
  label: string;
  /** Epoch milliseconds, ascending. */
  x: ArrayLike<number>;
  y: ArrayLike<number | null>;
  band?: {
    label: string;
    /** When the band has instants of its own (a forecast's bounds); else the line's. */
    x?: ArrayLike<number>;
    lower: ArrayLike<number | null>;
    upper: ArrayLike<number | null>;
  };
  /** Draw markers without a line (observations to compare a forecast with). */
  pointsOnly?: boolean;
  dashed?: boolean;
}

/** Where each plot series landed among uPlot's columns (1-based: column 0 is x). */
export interface SeriesColumns {
  line: number;
  upper?: number;
  lower?: number;
}

/**
 * The series joined on one x column, as uPlot takes them: an instant one series lacks is
 * `undefined` there, which uPlot spans rather than breaking the line.
 */
export function alignSeries(series: PlotSeries[]): { data: uPlot.AlignedData; columns: SeriesColumns[] } {
  const tables: uPlot.AlignedData[] = [];
  const columns: SeriesColumns[] = [];
  let next = 1;
  for (const s of series) {
    tables.push([s.x as number[], s.y as (number | null)[]]);
    const entry: SeriesColumns = { line: next++ };
    if (s.band) {
      tables.push([(s.band.x ?? s.x) as number[], s.band.upper as (number | null)[], s.band.lower as (number | null)[]]);
      entry.upper = next++;
      entry.lower = next++;
    }
    columns.push(entry);
  }
  if (tables.length === 0) return { data: [[]], columns };
  return { data: tables.length === 1 ? tables[0] : uPlot.join(tables), columns };
}

export interface SeriesSummary {
  label: string;
  points: number;
  first?: number;
  last?: number;
  min?: number;
  max?: number;
  lastValue?: number;
}

/** Count, extent in time and in value of a series: the words a screen reader gets for a line. */
export function summarise(series: PlotSeries): SeriesSummary {
  const summary: SeriesSummary = { label: series.label, points: 0 };
  const lows = series.band && !series.band.x ? series.band.lower : series.y;
  const highs = series.band && !series.band.x ? series.band.upper : series.y;
  for (let i = 0; i < series.x.length; i++) {
    const value = series.y[i];
    if (value === null || value === undefined) continue;
    summary.points++;
    summary.first ??= series.x[i];
    summary.last = series.x[i];
    summary.lastValue = value;
    const low = lows[i] ?? value;
    const high = highs[i] ?? value;
    summary.min = summary.min === undefined ? low : Math.min(summary.min, low);
    summary.max = summary.max === undefined ? high : Math.max(summary.max, high);
  }
  return summary;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export const formatInstant = (ms: number | undefined) => (ms === undefined ? '–' : dateTime.format(ms));
export const formatValue = (value: number | undefined) =>
  value === undefined
    ? '–'
    : Math.abs(value) >= 1e6 || (value !== 0 && Math.abs(value) < 1e-3)
      ? value.toExponential(3)
      : String(+value.toFixed(3));

/** One sentence about what the canvas shows, for its aria-label. */
export function describePlot(title: string, series: PlotSeries[], range: { from: number; to: number }): string {
  if (series.length === 0) return `${title}: no series chosen.`;
  const parts = series.map((s) => {
    const { points, min, max, lastValue } = summarise(s);
    if (points === 0) return `${s.label}: no readings`;
    const band = s.band ? ` with ${s.band.label}` : '';
    return `${s.label}${band}: ${points} points from ${formatValue(min)} to ${formatValue(max)}, last ${formatValue(lastValue)}`;
  });
  return `${title}, ${formatInstant(range.from)} to ${formatInstant(range.to)}. ${parts.join('; ')}.`;
}
