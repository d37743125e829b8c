/**
 * Rollups (min, max, sum, count per UTC minute, hour and day) computed in JavaScript from a
 * batch that is known to be inserted whole (the COPY path). The set-based path computes the
 * same figures in SQL from the rows really inserted.
 */
export const ROLLUP_WIDTHS_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
export type RollupLevel = keyof typeof ROLLUP_WIDTHS_MS;
export const ROLLUP_LEVELS = Object.keys(ROLLUP_WIDTHS_MS) as RollupLevel[];

/** Rollup rows of one level, column-wise, ready to be passed as SQL arrays. */
export interface RollupColumns {
  sensorIds: number[];
  measureIds: number[];
  /** Bucket starts, seconds since the epoch. */
  buckets: number[];
  mins: number[];
  maxs: number[];
  sums: number[];
  counts: number[];
}

export const emptyRollupColumns = (): RollupColumns => ({
  sensorIds: [],
  measureIds: [],
  buckets: [],
  mins: [],
  maxs: [],
  sums: [],
  counts: [],
});

/**
 * Appends the buckets of one series to `into`. `times` must be ascending (the COPY path only
 * takes strictly increasing batches), so each bucket is one contiguous run.
 */
export function appendRollups(
  into: RollupColumns,
  level: RollupLevel,
  sensorId: number,
  measureId: number,
  times: readonly number[],
  values: readonly number[],
): void {
  const width = ROLLUP_WIDTHS_MS[level];
  let i = 0;
  while (i < times.length) {
    // Buckets from the whole millisecond: a fractional time divided by the width can round up
    // onto the next boundary far from 1970 (the parser keeps floor(time) exact).
    const bucket = Math.floor(Math.floor(times[i]) / width) * width;
    const end = bucket + width;
    let min = values[i];
    let max = values[i];
    let sum = 0;
    let count = 0;
    for (; i < times.length && times[i] < end; i++) {
      const v = values[i];
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
      count++;
    }
    into.sensorIds.push(sensorId);
    into.measureIds.push(measureId);
    into.buckets.push(bucket / 1000);
    into.mins.push(min);
    into.maxs.push(max);
    into.sums.push(sum);
    into.counts.push(count);
  }
}
