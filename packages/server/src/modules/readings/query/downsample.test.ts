import { describe, expect, it } from 'vitest';
import { LEVEL_WIDTH_US, bucketGrid, coverRange, floorDiv, isoFromMicros } from './downsample.ts';
import { LttbSampler, lttbIndices } from './downsample-lttb.ts';

const us = (iso: string) => BigInt(Date.parse(iso)) * 1000n;

describe('coverRange', () => {
  it('covers a range with day rows in the middle and finer levels at the edges, without gaps or overlaps', () => {
    const from = us('2024-01-01T10:07:30Z') + 5n;
    const to = us('2024-01-05T03:02:00Z');
    const pieces = coverRange(from, to, 'day');
    expect(pieces.map((p) => p.level)).toEqual(['raw', 'minute', 'hour', 'day', 'hour', 'minute']);
    expect(pieces[0].fromUs).toBe(from);
    expect(pieces.at(-1)!.toUs).toBe(to);
    for (let i = 1; i < pieces.length; i++) expect(pieces[i].fromUs).toBe(pieces[i - 1].toUs);
    for (const p of pieces) {
      expect(floorDiv(p.fromUs, LEVEL_WIDTH_US[p.level]) * LEVEL_WIDTH_US[p.level]).toBe(p.fromUs);
      expect(floorDiv(p.toUs, LEVEL_WIDTH_US[p.level]) * LEVEL_WIDTH_US[p.level]).toBe(p.toUs);
    }
  });

  it('reads raw rows only when no whole rollup row fits', () => {
    expect(coverRange(us('2024-01-01T00:00:10Z'), us('2024-01-01T00:00:50Z'), 'day')).toEqual([
      { level: 'raw', fromUs: us('2024-01-01T00:00:10Z'), toUs: us('2024-01-01T00:00:50Z') },
    ]);
  });
});

describe('bucketGrid', () => {
  it('never makes more than the buckets asked for, and aligns them to the rows it reads', () => {
    for (let i = 0; i < 500; i++) {
      const from = us('2020-01-01T00:00:00Z') + BigInt(Math.floor(Math.random() * 1e15));
      const to = from + BigInt(Math.floor(Math.random() ** 3 * 1e15));
      const n = 1 + Math.floor(Math.random() * 2000);
      const grid = bucketGrid(from, to, n);
      const rowWidth = LEVEL_WIDTH_US[grid.level];
      expect(grid.widthUs % rowWidth).toBe(0n);
      expect(grid.originUs % rowWidth).toBe(0n);
      expect(grid.originUs <= from).toBe(true);
      expect(floorDiv(to - grid.originUs, grid.widthUs) < BigInt(n)).toBe(true);
      expect(grid.widthUs <= 2n * ((to - from + 1n) / BigInt(n)) + rowWidth).toBe(true);
    }
  });

  it('reads the coarser rollup when one of its rows per bucket still gives half the buckets asked for', () => {
    const from = us('2024-01-01T00:00:00Z');
    const day = 86_400_000_000n;
    // 33 days at 950 points: 50-minute buckets would read ~47,500 minute rows a series; 792 hour rows do.
    expect(bucketGrid(from, from + 33n * day, 950)).toMatchObject({ level: 'hour', widthUs: LEVEL_WIDTH_US.hour });
    // 18 days: 432 hour buckets would be under half of 950, so minute rows, in 28-minute buckets.
    expect(bucketGrid(from, from + 18n * day, 950)).toMatchObject({ level: 'minute', widthUs: 28n * LEVEL_WIDTH_US.minute });
    // A year at 950: hours (in 10-hour buckets), not the 365 days rows that would be under half.
    expect(bucketGrid(from, from + 366n * day, 950)).toMatchObject({ level: 'hour', widthUs: 10n * LEVEL_WIDTH_US.hour });
  });
});

describe('isoFromMicros', () => {
  it('keeps microseconds, before 1970 too', () => {
    expect(isoFromMicros(us('2024-01-01T00:00:00Z') + 1n)).toBe('2024-01-01T00:00:00.000001Z');
    expect(isoFromMicros(-1n)).toBe('1969-12-31T23:59:59.999999Z');
  });
});

describe('lttbIndices', () => {
  it('keeps the ends and the extremes of a spiky series', () => {
    const xs = Array.from({ length: 1000 }, (_, i) => i);
    const ys = xs.map((x) => (x === 500 ? 100 : x === 250 ? -100 : 0));
    const kept = lttbIndices(xs, ys, 20);
    expect(kept).toHaveLength(20);
    expect(kept[0]).toBe(0);
    expect(kept.at(-1)).toBe(999);
    expect(kept).toContain(500);
    expect(kept).toContain(250);
    expect(lttbIndices(xs.slice(0, 5), ys.slice(0, 5), 10)).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('LttbSampler', () => {
  it('keeps the points lttbIndices keeps, for any length and threshold', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (const length of [0, 1, 2, 3, 4, 5, 10, 11, 97, 1000, 2345]) {
      const xs = Array.from({ length }, (_, i) => i * 1000 + Math.floor(random() * 999));
      const ys = xs.map(() => random() * 100 - 50);
      for (const threshold of [1, 2, 3, 4, 5, 7, 10, 50, 333, length - 1, length, length + 1].filter((t) => t >= 1)) {
        const sampler = new LttbSampler(length, threshold);
        for (let i = 0; i < length; i++) sampler.push(xs[i], ys[i]);
        const kept = sampler.result();
        expect(
          kept.map((p) => p.index),
          `${length} to ${threshold}`,
        ).toEqual(lttbIndices(xs, ys, threshold));
        expect(kept.map((p) => p.x)).toEqual(kept.map((p) => xs[p.index]));
      }
    }
  });

  it('refuses a short stream instead of answering from part of it', () => {
    const sampler = new LttbSampler(10, 4);
    for (let i = 0; i < 9; i++) sampler.push(i, i);
    expect(() => sampler.result()).toThrow(/9 of 10/);
  });
});
