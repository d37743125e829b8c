import './plots.css';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useCallback, useMemo, useRef, useState } from 'react';
import { useElementWidth } from '../../components/plot/use-element-width.ts';
import { createDrawTiming } from './draw-timing.ts';
import { MeasurePlot } from './MeasurePlot.tsx';
import { PlotControls } from './PlotControls.tsx';
import { type PlotsSearch, resolveRange, splitList } from './plots-search.ts';
import { RangeToolbar } from './RangeToolbar.tsx';
import { useLivePoints } from './use-live-points.ts';
import { usePlotReadings } from './use-plot-readings.ts';

/** Points asked of the server per plot: about one per pixel of its width, within these bounds. */
const MIN_POINTS = 100;
const MAX_POINTS = 4000;

/** Time-series plots: one per measure, one line per sensor, the selection in the URL. */
export function PlotsPage() {
  const search = useSearch({ strict: false }) as PlotsSearch;
  const navigate = useNavigate();
  // The same page with another selection: keep the scroll position (a zoom must not jump to the top).
  const change = useCallback(
    (next: PlotsSearch) => void navigate({ to: '/plots', search: next as never, replace: true, resetScroll: false }),
    [navigate],
  );
  const sensors = useMemo(() => splitList(search.sensors), [search.sensors]);
  const measures = useMemo(() => splitList(search.measures), [search.measures]);

  // "Now" is fixed when the range is chosen, so the query key holds still between renders.
  const [refreshed, setRefreshed] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the range's inputs and the refresh decide when now is read
  const now = useMemo(() => Date.now(), [search.from, search.to, refreshed]);
  const range = resolveRange(search, now);

  const plotsArea = useRef<HTMLDivElement>(null);
  const width = useElementWidth(plotsArea, 50);
  const maxPoints = Math.min(MAX_POINTS, Math.max(MIN_POINTS, width));
  const requestKey = `${range.from}|${range.to}|${maxPoints}|${sensors.join(',')}|${measures.join(',')}`;
  const readings = usePlotReadings(sensors, measures, { from: range.from, to: range.to, maxPoints }, width > 0);

  const queryClient = useQueryClient();
  // A feed event too large to carry its readings: load the range again (with "now" moved on).
  const onOmitted = useCallback(() => setRefreshed((n) => n + 1), []);
  const live = useLivePoints(sensors, measures, range.live, requestKey, onOmitted);
  let liveEnd = range.to;
  for (const points of live.values()) for (const x of points.x) liveEnd = Math.max(liveEnd, x);
  const shownRange = useMemo(() => ({ from: range.from, to: liveEnd }), [range.from, liveEnd]);

  const timing = useRef<ReturnType<typeof createDrawTiming>>(null);
  timing.current ??= createDrawTiming((key) => {
    if (plotsArea.current) plotsArea.current.dataset.drawnKey = key;
  });
  const plotted = sensors.length > 0 && measures.length > 0 && width > 0;
  // Idempotent for one key, so it may run during render: the plots draw right after this commit.
  if (plotted) timing.current.request(requestKey, measures.length);

  const onSelectRange = useCallback(
    (from: number, to: number) => change({ ...search, from: new Date(from).toISOString(), to: new Date(to).toISOString() }),
    [change, search],
  );
  const onDrawn = useCallback((measure: string, key: string) => timing.current?.drawn(measure, key), []);

  return (
    <section className="plots-page">
      <h1>Plots</h1>
      <PlotControls search={search} range={range} onChange={change} />
      <RangeToolbar
        range={range}
        onRange={(from, to) =>
          change({ ...search, from: new Date(from).toISOString(), to: to === undefined ? undefined : new Date(to).toISOString() })
        }
        onReload={() => {
          setRefreshed((n) => n + 1);
          void queryClient.invalidateQueries({ queryKey: ['readings', 'plot'] });
        }}
      />
      <div ref={plotsArea} className="plots" data-request-key={requestKey}>
        {sensors.length === 0 || measures.length === 0 ? (
          <p className="plots-empty">Choose a sensor type, then sensors and measures, to see their readings plotted.</p>
        ) : (
          measures.map((measure) => (
            <MeasurePlot
              key={measure}
              measure={measure}
              readings={readings.filter((r) => r.measure === measure)}
              live={live}
              range={shownRange}
              requestKey={requestKey}
              onSelectRange={onSelectRange}
              onDrawn={onDrawn}
            />
          ))
        )}
      </div>
      {plotted ? (
        <p className="plots-hint">
          Drag across a plot to zoom in; the buttons above move and widen the range.{' '}
          {range.live ? 'The range runs until now: new readings appear as they arrive.' : null}
        </p>
      ) : null}
    </section>
  );
}
