/**
 * Planning a downsampled read: which storage level answers which part of a time range.
 *
 * Times are integers of microseconds since the Unix epoch (bigint), because PostgreSQL keeps
 * microseconds and a JavaScript Date does not; every boundary here is exact.
 *
 * The storage levels, finest first: raw readings, then the minute, hour and day rollups
 * (each rollup row covers [bucket, bucket + width) with bucket aligned to its width in UTC).
 */
import { pgIsoFromMs } from '../timestamps.ts';

export type Level = 'raw' | 'minute' | 'hour' | 'day';

export const LEVELS: readonly Level[] = ['raw', 'minute', 'hour', 'day'];

const MICROS_PER_SECOND = 1_000_000n;

/** Width of one row of each level, in microseconds. Raw rows are points: 1 µs is their grain. */
export const LEVEL_WIDTH_US: Record<Level, bigint> = {
  raw: 1n,
  minute: 60n * MICROS_PER_SECOND,
  hour: 3_600n * MICROS_PER_SECOND,
  day: 86_400n * MICROS_PER_SECOND,
};

/** One part of a range read from one level: rows with start in [fromUs, toUs) (half-open). */
export interface Piece {
  level: Level;
  fromUs: bigint;
  toUs: bigint;
}

export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

export const floorTo = (t: bigint, width: bigint) => floorDiv(t, width) * width;
export const ceilTo = (t: bigint, width: bigint) => -floorDiv(-t, width) * width;

/**
 * Covers [fromUs, toUs) exactly with rows of `level` where whole rows fit, and with finer
 * levels at the two edges (hour rows beside day rows, then minute rows, then raw readings):
 * a long range reads a handful of rollup rows, and no reading outside the range is counted.
 * At most one piece per level in the middle and two per finer level at the edges.
 */
export function coverRange(fromUs: bigint, toUs: bigint, level: Level): Piece[] {
  if (fromUs >= toUs) return [];
  if (level === 'raw') return [{ level, fromUs, toUs }];
  const width = LEVEL_WIDTH_US[level];
  const finer = LEVELS[LEVELS.indexOf(level) - 1];
  const start = ceilTo(fromUs, width);
  const end = floorTo(toUs, width);
  if (start >= end) return coverRange(fromUs, toUs, finer);
  return [...coverRange(fromUs, start, finer), { level, fromUs: start, toUs: end }, ...coverRange(end, toUs, finer)];
}

/** The coarsest level whose rows are no wider than `widthUs` (raw when under a minute). */
export function coarsestLevelWithin(widthUs: bigint): Level {
  for (const level of [...LEVELS].reverse()) {
    if (LEVEL_WIDTH_US[level] <= widthUs) return level;
  }
  return 'raw';
}

/**
 * The level a grid of at most `n` buckets over `spanUs` reads: the coarsest whose rows fit in
 * the ideal bucket, or the next coarser one when one of its rows per bucket still gives at
 * least half of `n` buckets. A month at 950 points then reads ~720 hour rows per series
 * instead of ~43,000 minute rows (330 ms -> a few ms in the database), and the buckets stay
 * within twice the ideal width, as ever: a plot asking one point per pixel gets one per two
 * pixels at worst.
 */
function levelFor(spanUs: bigint, n: bigint): Level {
  const fine = coarsestLevelWithin(spanUs / n);
  const coarser = LEVELS[LEVELS.indexOf(fine) + 1];
  if (coarser && spanUs / LEVEL_WIDTH_US[coarser] >= (n + 1n) / 2n) return coarser;
  return fine;
}

/** Equal-width buckets: the first starts at `originUs`, each is `widthUs` wide. */
export interface BucketGrid {
  level: Level;
  originUs: bigint;
  widthUs: bigint;
}

/**
 * A grid of at most `maxBuckets` equal buckets over [fromUs, toUs] (both inclusive) whose
 * width is a whole multiple of the rows of the level it reads, and whose origin is aligned
 * to them: every rollup row then falls inside exactly one bucket, so no row is split or
 * attributed to a neighbour. The width is the smallest such multiple that needs no more
 * than `maxBuckets` buckets, so it is at most twice the ideal (to - from) / maxBuckets.
 * `onlyLevel` forces the level (raw, for series that have no rollups).
 */
export function bucketGrid(fromUs: bigint, toUs: bigint, maxBuckets: number, onlyLevel?: Level): BucketGrid {
  const n = BigInt(maxBuckets);
  const level = onlyLevel ?? levelFor(toUs - fromUs + 1n, n);
  const rowWidth = LEVEL_WIDTH_US[level];
  const originUs = floorTo(fromUs, rowWidth);
  // Bucket k covers [origin + kW, origin + (k+1)W); `to` lies in bucket floor((to-origin)/W) < n.
  const widthUs = rowWidth * (floorDiv(toUs - originUs, n * rowWidth) + 1n);
  return { level, originUs, widthUs };
}

/** "2024-01-01T00:00:00.000001Z": an exact timestamptz literal for a microsecond instant. */
export function isoFromMicros(us: bigint): string {
  const ms = floorDiv(us, 1000n);
  const micros = us - ms * 1000n;
  // YYYY-MM-DDTHH:MM:SS.mmmZ (the exclusive end of a range ending in the last storable
  // microsecond is in the year 10000: see pgIsoFromMs).
  const iso = pgIsoFromMs(Number(ms));
  return `${iso.slice(0, -1)}${micros.toString().padStart(3, '0')}Z`;
}
