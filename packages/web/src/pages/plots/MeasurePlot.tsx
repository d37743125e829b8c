import type { UseQueryResult } from '@tanstack/react-query';
import { useMemo, useRef } from 'react';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Loading } from '../../components/Loading.tsx';
import type { PlotSeries } from '../../components/plot/plot-data.ts';
import { TimeSeriesPlot } from '../../components/plot/TimeSeriesPlot.tsx';
import { type LivePoints, seriesKey } from './use-live-points.ts';
import type { PlotReadings } from './use-plot-readings.ts';

export interface MeasurePlotProps {
  measure: string;
  readings: { sensor: string; query: UseQueryResult<PlotReadings> }[];
  live: LivePoints;
  range: { from: number; to: number };
  /** The request the page asked for; the plot reports drawing it once every answer is for it. */
  requestKey: string;
  onSelectRange: (from: number, to: number) => void;
  onDrawn: (measure: string, key: string) => void;
}

/** One measure: a line per sensor, with min/max bands where the server aggregated. */
export function MeasurePlot({ measure, readings, live, range, requestKey, onSelectRange, onDrawn }: MeasurePlotProps) {
  const answers = readings.map((r) => r.query.data);
  // The same array until a sensor, an answer or a live buffer changes: the series follow it.
  const inputs = useShallowStable(
    readings.map((r, i) => ({ sensor: r.sensor, data: answers[i], live: live.get(seriesKey(r.sensor, measure)) })),
  );
  const series = useMemo(
    () => inputs.flatMap(({ sensor, data, live }): PlotSeries[] => (data ? [toPlotSeries(sensor, data, live)] : [])),
    [inputs],
  );
  const pending = readings.every((r) => r.query.isPending);
  const failed = readings.filter((r) => r.query.isError);
  // Placeholder data is the previous range's: the plot has not drawn this request yet.
  const current = readings.every((r) => r.query.isSuccess && !r.query.isPlaceholderData) ? requestKey : 'loading';
  const units = answers.find((a) => a?.units)?.units;
  const title = units ? `${measure} (${units})` : measure;
  const fetching = readings.some((r) => r.query.isFetching);

  return (
    <section className="measure-plot" aria-busy={fetching} aria-label={`Plot of ${title}`}>
      {failed.map((r) => (
        <ErrorMessage key={r.sensor} error={r.query.error} title={`Could not load ${measure} of ${r.sensor}`} />
      ))}
      {pending ? (
        <Loading label={`Loading ${measure}`} />
      ) : (
        <TimeSeriesPlot
          title={title}
          series={series}
          range={range}
          drawKey={current}
          onSelectRange={onSelectRange}
          onDrawn={(key) => onDrawn(measure, key)}
        />
      )}
    </section>
  );
}

/** `items` as it was last time when each item is the same (by identity) as then. */
function useShallowStable<T extends Record<string, unknown>>(items: T[]): T[] {
  const kept = useRef(items);
  const same =
    kept.current.length === items.length && items.every((item, i) => Object.keys(item).every((k) => item[k] === kept.current[i][k]));
  if (!same) kept.current = items;
  return kept.current;
}

/** The server's answer, with live points after its last instant appended. */
function toPlotSeries(sensor: string, data: PlotReadings, live: { x: number[]; y: number[] } | undefined): PlotSeries {
  let x = data.timestamps;
  let y = data.values;
  let min = data.min;
  let max = data.max;
  if (live?.x.length) {
    const last = x.length ? x[x.length - 1] : Number.NEGATIVE_INFINITY;
    const order = live.x.map((_, i) => i).filter((i) => live.x[i] > last);
    order.sort((a, b) => live.x[a] - live.x[b]);
    if (order.length) {
      x = [...x, ...order.map((i) => live.x[i])];
      y = [...y, ...order.map((i) => live.y[i])];
      if (min && max) {
        min = [...min, ...order.map((i) => live.y[i])];
        max = [...max, ...order.map((i) => live.y[i])];
      }
    }
  }
  const aggregated = data.resolution !== 'raw' && min !== undefined && max !== undefined;
  return {
    label: sensor,
    x,
    y,
    ...(aggregated ? { band: { label: 'min–max of each bucket', lower: min!, upper: max! } } : {}),
  };
}
