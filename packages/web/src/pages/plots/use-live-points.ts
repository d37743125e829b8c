import { useCallback, useState } from 'react';
import type { LiveReadings } from '../../live/realtime.ts';
import { useRealtime } from '../../live/realtime.ts';

/** Readings that arrived over the realtime feed since the plots were loaded, per sensor and measure. */
export type LivePoints = Map<string, { x: number[]; y: number[] }>;

export const seriesKey = (sensor: string, measure: string) => `${sensor}\u0000${measure}`;

/**
 * While the range reaches now, appends the feed's readings of the chosen sensors and measures.
 * `onOmitted` is called when an event was too large to carry its readings: refetch instead.
 * The buffer empties whenever `resetKey` changes (a new range loaded them from the server).
 */
export function useLivePoints(sensors: string[], measures: string[], live: boolean, resetKey: string, onOmitted: () => void): LivePoints {
  const [state, setState] = useState<{ key: string; points: LivePoints }>({ key: resetKey, points: new Map() });
  const points = state.key === resetKey ? state.points : new Map();
  const filters = live && sensors.length && measures.length ? { sensor: sensors, measure: measures } : undefined;
  const onEvent = useCallback(
    (event: { event: string; data: unknown }) => {
      if (event.event !== 'readings') return;
      const data = event.data as LiveReadings;
      if (!sensors.includes(data.sensor) || !measures.includes(data.measure)) return;
      if (data.readings_omitted || !data.timestamps || !data.values) {
        onOmitted();
        return;
      }
      const key = seriesKey(data.sensor, data.measure);
      const timestamps = data.timestamps;
      const values = data.values;
      setState((previous) => {
        const next: LivePoints = new Map(previous.key === resetKey ? previous.points : []);
        const old = next.get(key) ?? { x: [], y: [] };
        const added = { x: [...old.x], y: [...old.y] };
        timestamps.forEach((ts, i) => {
          const value = Number(values[i]);
          if (Number.isFinite(value)) {
            added.x.push(Date.parse(ts));
            added.y.push(value);
          }
        });
        next.set(key, added);
        return { key: resetKey, points: next };
      });
    },
    [sensors, measures, resetKey, onOmitted],
  );
  useRealtime(filters, onEvent);
  return points;
}
