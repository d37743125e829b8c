import { monthIndex } from '../timestamps.ts';

/**
 * The months whose reading partitions this process has seen to exist, so that ensuring
 * partitions costs nothing on the hot path. Only a hint: another replica's retention may drop
 * a partition at any time, and the writer then forgets the cache and creates it again.
 */
export class PartitionCache {
  private readonly known = new Set<number>();

  /** The months among `times` not known to exist yet (usually none). */
  missingMonths(times: readonly number[], minMs: number, maxMs: number): number[] {
    const first = monthIndex(minMs);
    const last = monthIndex(maxMs);
    if (first === last) return this.known.has(first) ? [] : [first];
    const months = new Set<number>();
    for (const t of times) months.add(monthIndex(t));
    return [...months].filter((m) => !this.known.has(m)).sort((a, b) => a - b);
  }

  remember(months: readonly number[]): void {
    for (const m of months) this.known.add(m);
  }

  forget(): void {
    this.known.clear();
  }
}
