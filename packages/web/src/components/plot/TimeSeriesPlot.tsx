import 'uplot/dist/uPlot.min.css';
import './plot.css';
import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import { alignSeries, describePlot, formatInstant, formatValue, type PlotSeries, summarise } from './plot-data.ts';
import { type PlotColours, plotColours, useDarkTheme, withAlpha } from './theme-colours.ts';
import { useElementWidth } from './use-element-width.ts';

export interface TimeSeriesPlotProps {
  title: string;
  series: PlotSeries[];
  /** The instants shown, epoch ms: the requested range, whatever the data covers. */
  range: { from: number; to: number };
  height?: number;
  /** A drag across the plot selected this range (epoch ms): the owner re-queries for it. */
  onSelectRange?: (from: number, to: number) => void;
  /** Called after each draw of the canvas with `drawKey` as it was then (to time query → redraw). */
  onDrawn?: (drawKey: string) => void;
  drawKey?: string;
}

/**
 * A time-series plot (uPlot on a canvas) with its legend and a table of what it shows: lines,
 * bands around them, drag to select a range. The canvas carries a description in words.
 */
export function TimeSeriesPlot({ title, series, range, height = 280, onSelectRange, onDrawn, drawKey = '' }: TimeSeriesPlotProps) {
  const holder = useRef<HTMLDivElement>(null);
  const width = useElementWidth(holder);
  const dark = useDarkTheme();
  const plot = useRef<uPlot | null>(null);
  // The hooks of a plot built once read the latest props through these.
  const latest = useRef({ onSelectRange, onDrawn, drawKey, range });
  latest.current = { onSelectRange, onDrawn, drawKey, range };

  const { data, columns } = useMemo(() => alignSeries(series), [series]);
  const description = useMemo(() => describePlot(title, series, range), [title, series, range]);
  // A new plot only when the set of lines or the colours change; new data alone is setData.
  const shape = `${dark}|${height}|${series.map((s) => `${s.label}:${s.band ? 1 : 0}:${s.pointsOnly ? 1 : 0}:${s.dashed ? 1 : 0}`).join(',')}`;

  const hasWidth = width > 0;
  // What a new plot is built from, read when the shape changes (not on each new array).
  const build = useRef({ series, columns, data, width, height });
  build.current = { series, columns, data, width, height };

  // biome-ignore lint/correctness/useExhaustiveDependencies: rebuilt on a change of shape only; data and size go through the effects below
  useEffect(() => {
    const element = holder.current;
    if (!element || !hasWidth) return;
    const b = build.current;
    const u = new uPlot(plotOptions(b.series, b.columns, plotColours(dark), b.width, b.height, latest), b.data, element);
    u.setScale('x', { min: latest.current.range.from, max: latest.current.range.to });
    plot.current = u;
    return () => {
      u.destroy();
      plot.current = null;
    };
  }, [shape, hasWidth]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a rebuilt plot (shape) takes the data too
  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    u.setData(data, true);
    u.setScale('x', { min: range.from, max: range.to });
  }, [data, range.from, range.to, shape]);

  // A new key with the same data (another plot of the page changed): draw again, so the owner
  // hears that this one shows what it asked for.
  // biome-ignore lint/correctness/useExhaustiveDependencies: drawKey is the trigger
  useEffect(() => plot.current?.redraw(false, false), [drawKey]);

  useEffect(() => {
    if (plot.current && width > 0) plot.current.setSize({ width, height });
  }, [width, height]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a rebuilt plot has a new canvas to label
  useEffect(() => {
    const canvas = plot.current?.ctx.canvas;
    if (!canvas) return;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', description);
  }, [description, shape, hasWidth]);

  const colours = plotColours(dark);
  const summaries = series.map(summarise);
  return (
    <figure className="ts-plot">
      <figcaption>{title}</figcaption>
      {/* uPlot keeps where its canvas is on screen and renews it on scroll and resize only: after the
          page's layout moved (a longer range label above), a drag would start at the wrong place. */}
      <div ref={holder} className="ts-plot-canvas" style={{ minHeight: height }} onMouseDownCapture={() => plot.current?.syncRect()} />
      <ul className="ts-plot-legend" aria-label={`Legend of ${title}`}>
        {series.map((s, i) => (
          <li key={s.label}>
            <span
              className={s.pointsOnly ? 'swatch dot' : s.dashed ? 'swatch dashed' : 'swatch'}
              style={{ '--swatch': colours.lines[i % colours.lines.length] } as React.CSSProperties}
              aria-hidden="true"
            />
            {s.label}
            {s.band ? <span className="band-note"> (shaded: {s.band.label})</span> : null}
          </li>
        ))}
      </ul>
      <details className="ts-plot-table">
        <summary>Show as table</summary>
        <table>
          <caption className="visually-hidden">{title}: each series in numbers</caption>
          <thead>
            <tr>
              <th scope="col">Series</th>
              <th scope="col">Points</th>
              <th scope="col">First</th>
              <th scope="col">Last</th>
              <th scope="col">Min</th>
              <th scope="col">Max</th>
              <th scope="col">Last value</th>
            </tr>
          </thead>
          <tbody>
            {summaries.map((s) => (
              <tr key={s.label}>
                <th scope="row">{s.label}</th>
                <td>{s.points}</td>
                <td>{formatInstant(s.first)}</td>
                <td>{formatInstant(s.last)}</td>
                <td>{formatValue(s.min)}</td>
                <td>{formatValue(s.max)}</td>
                <td>{formatValue(s.lastValue)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

interface LatestProps {
  current: {
    onSelectRange?: (from: number, to: number) => void;
    onDrawn?: (drawKey: string) => void;
    drawKey: string;
    range: { from: number; to: number };
  };
}

function plotOptions(
  series: PlotSeries[],
  columns: ReturnType<typeof alignSeries>['columns'],
  colours: PlotColours,
  width: number,
  height: number,
  latest: LatestProps,
): uPlot.Options {
  const uSeries: uPlot.Series[] = [{}];
  const bands: uPlot.Band[] = [];
  series.forEach((s, i) => {
    const colour = colours.lines[i % colours.lines.length];
    uSeries[columns[i].line] = {
      label: s.label,
      stroke: colour,
      width: s.pointsOnly ? 0 : 1.5,
      dash: s.dashed ? [6, 4] : undefined,
      points: s.pointsOnly ? { show: true, size: 5, fill: colour, stroke: colour } : {},
      ...(s.pointsOnly ? { paths: () => null } : {}),
    };
    const { upper, lower } = columns[i];
    if (upper !== undefined && lower !== undefined && s.band) {
      const edge: uPlot.Series = { label: `${s.label} ${s.band.label}`, stroke: withAlpha(colour, 0.4), width: 1, points: { show: false } };
      uSeries[upper] = { ...edge };
      uSeries[lower] = { ...edge };
      bands.push({ series: [upper, lower], fill: withAlpha(colour, colours.dark ? 0.22 : 0.16) });
    }
  });
  const axis: uPlot.Axis = {
    stroke: colours.text,
    grid: { stroke: colours.grid, width: 1 },
    ticks: { stroke: colours.grid, width: 1 },
  };
  return {
    width,
    height,
    ms: 1,
    series: uSeries,
    bands,
    legend: { show: false },
    scales: { x: { time: true } },
    axes: [axis, { ...axis, size: 60 }],
    cursor: { drag: { x: true, y: false, setScale: false }, points: { size: 6 } },
    hooks: {
      setSelect: [
        (u) => {
          const { left, width: selected } = u.select;
          if (selected < 3) return;
          const from = u.posToVal(left, 'x');
          const to = u.posToVal(left + selected, 'x');
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          latest.current.onSelectRange?.(Math.round(from), Math.round(to));
        },
      ],
      draw: [() => latest.current.onDrawn?.(latest.current.drawKey)],
    },
  };
}
