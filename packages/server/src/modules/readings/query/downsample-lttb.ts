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
