/**
 * Largest-Triangle-Three-Buckets (Sveinn Steinarsson, 2013): picks `threshold` of the points
 * so that a line through them looks like the line through all of them. Keeps the first and
 * the last point; from each of the threshold - 2 buckets between, the point that makes the
 * largest triangle with the point kept before it and the average of the next bucket.
 * Returns the indices of the kept points, ascending.
 */
export function lttbIndices(xs: ArrayLike<number>, ys: ArrayLike<number>, threshold: number): number[] {
  const length = xs.length;
  if (threshold >= length || threshold < 3) {
    if (threshold >= length) return Array.from({ length }, (_, i) => i);
    return length === 0 ? [] : threshold === 1 ? [0] : [0, length - 1];
  }
  const kept = [0];
  const every = (length - 2) / (threshold - 2);
  let a = 0;
  for (let i = 0; i < threshold - 2; i++) {
    const nextStart = Math.floor((i + 1) * every) + 1;
    const nextEnd = Math.min(Math.floor((i + 2) * every) + 1, length);
    let avgX = 0;
    let avgY = 0;
    for (let j = nextStart; j < nextEnd; j++) {
      avgX += xs[j];
      avgY += ys[j];
    }
    const nextCount = nextEnd - nextStart;
    avgX /= nextCount;
    avgY /= nextCount;

    const start = Math.floor(i * every) + 1;
    const end = Math.floor((i + 1) * every) + 1;
    let maxArea = -1;
    let chosen = start;
    for (let j = start; j < end; j++) {
      const area = Math.abs((xs[a] - avgX) * (ys[j] - ys[a]) - (xs[a] - xs[j]) * (avgY - ys[a]));
      if (area > maxArea) {
        maxArea = area;
        chosen = j;
      }
    }
    kept.push(chosen);
    a = chosen;
  }
  kept.push(length - 1);
  return kept;
}

/**
 * The same selection as lttbIndices, made in one pass over points that arrive in order, for
 * a series whose length is known in advance. It holds only the bucket being decided and the
 * next one (whose average the decision needs), so memory grows with length / threshold, not
 * with the length: a million points to a thousand keep about two thousand at a time.
 */
export class LttbSampler {
  /** The kept points: index, x and y. */
  readonly kept: { index: number; x: number; y: number }[] = [];
  private readonly every: number;
  private readonly keepAll: boolean;
  private seen = 0;
  /** Points of the bucket to decide (`current`) and of the one after it (`next`). */
  private current: { x: number[]; y: number[]; first: number } = { x: [], y: [], first: 1 };
  private next: { x: number[]; y: number[]; first: number } = { x: [], y: [], first: 1 };
  private bucket = 0;

  constructor(
    private readonly length: number,
    private readonly threshold: number,
  ) {
    this.keepAll = threshold >= length || threshold < 3;
    this.every = (length - 2) / (threshold - 2);
  }

  /** Start (inclusive) of bucket b of the threshold - 2 between the ends; b = threshold - 2 is the last point. */
  private bucketStart(b: number): number {
    return b >= this.threshold - 2 ? this.length - 1 : Math.floor(b * this.every) + 1;
  }

  push(x: number, y: number): void {
    const index = this.seen++;
    if (index >= this.length) throw new Error('LttbSampler: more points than announced');
    if (this.keepAll) {
      const small = this.threshold < 3 && this.threshold < this.length;
      if (!small || index === 0 || (this.threshold === 2 && index === this.length - 1)) this.kept.push({ index, x, y });
      return;
    }
    if (index === 0) {
      this.kept.push({ index, x, y });
      this.current.first = 1;
      this.next.first = this.bucketStart(1);
      return;
    }
    // Points belong to `current` until the next bucket starts, then to `next`.
    const target = index < this.next.first ? this.current : this.next;
    target.x.push(x);
    target.y.push(y);
    // `next` is complete when the bucket after it starts (or at the last point): decide `current`.
    const nextEnd = this.bucket + 1 >= this.threshold - 2 ? this.length : this.bucketStart(this.bucket + 2);
    if (index === nextEnd - 1) this.decide();
  }

  private decide(): void {
    const { current, next } = this;
    let avgX = 0;
    let avgY = 0;
    for (let j = 0; j < next.x.length; j++) {
      avgX += next.x[j];
      avgY += next.y[j];
    }
    avgX /= next.x.length;
    avgY /= next.y.length;
    const a = this.kept[this.kept.length - 1];
    let maxArea = -1;
    let chosen = 0;
    for (let j = 0; j < current.x.length; j++) {
      const area = Math.abs((a.x - avgX) * (current.y[j] - a.y) - (a.x - current.x[j]) * (avgY - a.y));
      if (area > maxArea) {
        maxArea = area;
        chosen = j;
      }
    }
    this.kept.push({ index: current.first + chosen, x: current.x[chosen], y: current.y[chosen] });
    this.bucket += 1;
    if (this.bucket >= this.threshold - 2) {
      // `next` was the last point.
      this.kept.push({ index: this.length - 1, x: next.x[0], y: next.y[0] });
      return;
    }
    this.current = next;
    this.next = { x: [], y: [], first: this.bucketStart(this.bucket + 1) };
  }

  /** The kept points, once every announced point came; throws when fewer did. */
  result(): { index: number; x: number; y: number }[] {
    if (this.seen !== this.length) throw new Error(`LttbSampler: ${this.seen} of ${this.length} points came`);
    return this.kept;
  }
}
