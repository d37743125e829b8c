import { keepPreviousData, useQueries } from '@tanstack/react-query';
import { client } from '../../api/client.ts';
import { unwrap } from '../../api/unwrap.ts';

/** One series as the readings API answers with time_format=epoch_ms and agg=minmax. */
export interface PlotReadings {
  sensor: string;
  measure: string;
  units: string | null;
  datatype: string;
  /** raw, or the level the server aggregated from (then min and max are there). */
  resolution: string;
  timestamps: number[];
  values: (number | null)[];
  min?: number[];
  max?: number[];
}

export interface ReadingsRequest {
  from: number;
  to: number;
  /** About one point per pixel of the plot: the server buckets (and keeps min/max) beyond it. */
  maxPoints: number;
}

/**
 * The readings of every (sensor, measure) pair over the range, one query each. While a new
 * range loads the previous answer stays on screen (keepPreviousData), so a zoom never blanks.
 */
export function usePlotReadings(sensors: string[], measures: string[], request: ReadingsRequest, enabled: boolean) {
  const pairs = measures.flatMap((measure) => sensors.map((sensor) => ({ sensor, measure })));
  const from = new Date(request.from).toISOString();
  const to = new Date(request.to).toISOString();
  const queries = useQueries({
    queries: pairs.map(({ sensor, measure }) => ({
      queryKey: ['readings', 'plot', sensor, measure, from, to, request.maxPoints],
      queryFn: ({ signal }: { signal: AbortSignal }) =>
        unwrap(
          client.api.GET('/api/v1/readings/', {
            params: { query: { sensor, measure, from, to, max_points: request.maxPoints, agg: 'minmax', time_format: 'epoch_ms' } },
            signal,
          }),
        ) as Promise<PlotReadings>,
      enabled,
      placeholderData: keepPreviousData,
      staleTime: 60_000,
    })),
  });
  return pairs.map((pair, i) => ({ ...pair, query: queries[i] }));
}
