import { describe, expect, it } from 'vitest';
import { parseInstant } from '../timestamps.ts';
import { appendRollups, emptyRollupColumns, ROLLUP_LEVELS, ROLLUP_WIDTHS_MS, type RollupLevel } from './rollups.ts';

const at = (text: string) => (parseInstant(text, true) as { time: number }).time;

function rollup(level: RollupLevel, times: number[], values: number[], sensorId = 1, measureId = 2) {
  const columns = emptyRollupColumns();
  appendRollups(columns, level, sensorId, measureId, times, values);
  return columns;
}

/** The same figures the slow way: group by floor(ms / width), as SQL's date_bin would. */
function reference(level: RollupLevel, times: number[], values: number[]) {
  const width = ROLLUP_WIDTHS_MS[level];
  const buckets = new Map<number, { min: number; max: number; sum: number; count: number }>();
  times.forEach((t, i) => {
    const bucket = (Math.floor(Math.floor(t) / width) * width) / 1000;
    const b = buckets.get(bucket) ?? { min: Infinity, max: -Infinity, sum: 0, count: 0 };
    b.min = Math.min(b.min, values[i]);
    b.max = Math.max(b.max, values[i]);
    b.sum += values[i];
    b.count++;
    buckets.set(bucket, b);
  });
  return [...buckets.entries()].sort((a, b) => a[0] - b[0]);
}

describe('appendRollups', () => {
  it('adds nothing for no readings', () => {
    expect(rollup('minute', [], [])).toEqual(emptyRollupColumns());
  });

  it('keeps min, max, sum and count per minute, a boundary starting the next bucket', () => {
    const times = [
      '2024-01-01T00:00:00Z',
      '2024-01-01T00:00:30Z',
      '2024-01-01T00:00:59.999999Z',
      '2024-01-01T00:01:00Z',
      '2024-01-01T00:03:00Z',
    ].map(at);
    const columns = rollup('minute', times, [3, -1, 7, 2, 5]);
    const start = Date.UTC(2024, 0, 1) / 1000;
    expect(columns).toEqual({
      sensorIds: [1, 1, 1],
      measureIds: [2, 2, 2],
      buckets: [start, start + 60, start + 180],
      mins: [-1, 2, 5],
      maxs: [7, 2, 5],
      sums: [9, 2, 5],
      counts: [3, 1, 1],
    });
  });

  it('puts the last microsecond before 1970 into the minute before it, not the first minute of 1970', () => {
    const columns = rollup('minute', [at('1969-12-31T23:59:59.999999Z'), at('1970-01-01T00:00:00Z')], [1, 2]);
    expect(columns.buckets).toEqual([-60, 0]);
    expect(columns.counts).toEqual([1, 1]);
  });

  it('puts the last microsecond of the year 9999 into its last day, hour and minute', () => {
    const time = at('9999-12-31T23:59:59.999999Z');
    for (const level of ROLLUP_LEVELS) {
      const columns = rollup(level, [time], [1]);
      expect(new Date(columns.buckets[0] * 1000).toISOString(), level).toBe(
        { minute: '9999-12-31T23:59:00.000Z', hour: '9999-12-31T23:00:00.000Z', day: '9999-12-31T00:00:00.000Z' }[level],
      );
    }
  });

  it('appends after what the columns hold already, series by series', () => {
    const columns = emptyRollupColumns();
    appendRollups(columns, 'hour', 1, 1, [0, 1000], [1, 2]);
    appendRollups(columns, 'hour', 2, 3, [0], [10]);
    expect(columns).toMatchObject({ sensorIds: [1, 2], measureIds: [1, 3], buckets: [0, 0], sums: [3, 10], counts: [2, 1] });
  });

  it('agrees with grouping by bucket at every level, for ascending times with microseconds', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    let t = Date.UTC(1969, 11, 31, 22);
    const times: number[] = [];
    const values: number[] = [];
    for (let i = 0; i < 5000; i++) {
      t += Math.floor(random() * 90_000) + random() / 1000 + 0.001;
      times.push(t);
      values.push(Math.round((random() - 0.5) * 2000) / 8);
    }
    for (const level of ROLLUP_LEVELS) {
      const columns = rollup(level, times, values);
      const expected = reference(level, times, values);
      expect(columns.buckets, level).toEqual(expected.map(([bucket]) => bucket));
      expect(columns.counts).toEqual(expected.map(([, b]) => b.count));
      expect(columns.mins).toEqual(expected.map(([, b]) => b.min));
      expect(columns.maxs).toEqual(expected.map(([, b]) => b.max));
      expect(columns.sums).toEqual(expected.map(([, b]) => b.sum));
      expect(columns.counts.reduce((a, b) => a + b, 0)).toBe(times.length);
    }
  });
});
