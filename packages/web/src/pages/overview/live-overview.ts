import { useQueryClient } from '@tanstack/react-query';
import type { LiveEntity, LiveReadings } from '../../live/realtime.ts';
import { useRealtime } from '../../live/realtime.ts';
import { type LatestValue, latestKey, OVERVIEW_KEY, recentRunsKey } from './overview-api.ts';

/** Which counts (by COUNTED key) an entity change can move; a deletion takes what hung below it. */
const COUNTS_MOVED_BY: Record<string, string[]> = {
  sensor: ['sensors'],
  sensor_type: ['sensor-types', 'sensors'],
  location: ['locations'],
  location_schema: ['location-schemas', 'locations'],
  model: ['models', 'scenarios'],
  model_scenario: ['scenarios'],
  service: ['services', 'schedules'],
  service_schedule: ['schedules'],
};

const FOLLOWED = [...Object.keys(COUNTS_MOVED_BY), 'sensor_measure', 'service_run'];

/** The newest reading of a readings event: its timestamps need not be in order. */
function newestOf(event: LiveReadings): { timestamp: string; value: unknown } | undefined {
  const { timestamps, values } = event;
  if (!timestamps || !values || timestamps.length === 0) return undefined;
  let newest = 0;
  for (let i = 1; i < timestamps.length; i++) {
    if (Date.parse(timestamps[i] as string) > Date.parse(timestamps[newest] as string)) newest = i;
  }
  return { timestamp: timestamps[newest] as string, value: values[newest] };
}

/**
 * Keeps the overview current from one realtime subscription: a reading moves its sensor's latest
 * value in place (no refetch), an entity change refetches only the counts and lists it can move.
 */
export function useLiveOverview(enabled: boolean) {
  const queryClient = useQueryClient();
  const refetch = (queryKey: readonly unknown[]) => void queryClient.invalidateQueries({ queryKey });

  useRealtime(enabled ? { entities: FOLLOWED } : undefined, (event) => {
    if (event.event === 'readings') {
      const readings = event.data as unknown as LiveReadings;
      const newest = newestOf(readings);
      // Too many readings to carry (readings_omitted): ask the server for the latest instead.
      if (!newest) return refetch(latestKey);
      let known = false;
      queryClient.setQueryData<LatestValue[]>(latestKey, (rows) =>
        rows?.map((row) => {
          if (row.sensor !== readings.sensor || row.measure !== readings.measure) return row;
          known = true;
          // A late reading (older than the one shown) does not replace the latest.
          if (row.timestamp && Date.parse(row.timestamp) > Date.parse(newest.timestamp)) return row;
          return { ...row, timestamp: newest.timestamp, value: newest.value as LatestValue['value'] };
        }),
      );
      if (!known) refetch(latestKey);
    } else if (event.event === 'entity') {
      const { entity } = event.data as unknown as LiveEntity;
      for (const key of COUNTS_MOVED_BY[entity] ?? []) refetch([...OVERVIEW_KEY, 'count', key]);
      if (entity === 'service_run' || entity === 'service') refetch(recentRunsKey);
      if (entity === 'sensor' || entity === 'sensor_type' || entity === 'sensor_measure') refetch(latestKey);
    } else if (event.event === 'reset') {
      // The server lost the events since we last heard: everything may have moved.
      refetch(OVERVIEW_KEY);
    }
  });
}
