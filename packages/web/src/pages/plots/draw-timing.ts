/**
 * Performance marks of the plots, for the benchmark and anyone profiling in the browser:
 * `mirrorbase:plots-query` when a range is asked for, `mirrorbase:plots-drawn` when every plot
 * has drawn that range's answer (detail: the request key), and a measure between the two.
 * The first drawn mark after navigation start is the time to the first full draw.
 */
export const QUERY_MARK = 'mirrorbase:plots-query';
export const DRAWN_MARK = 'mirrorbase:plots-drawn';

export function createDrawTiming(onAllDrawn: (key: string) => void) {
  let current = '';
  let plots = 0;
  let drawn = new Set<string>();
  let done = false;
  return {
    /** A new request (range, sizes or selection): every plot must draw its answer again. */
    request(key: string, plotCount: number) {
      if (key === current && plotCount === plots) return;
      current = key;
      plots = plotCount;
      drawn = new Set();
      done = false;
      performance.mark(QUERY_MARK, { detail: key });
    },
    /** A plot drew; `key` is the request its data answered (the previous one while loading). */
    drawn(plotId: string, key: string) {
      if (done || key !== current) return;
      drawn.add(plotId);
      if (drawn.size < plots) return;
      done = true;
      performance.mark(DRAWN_MARK, { detail: key });
      try {
        performance.measure('mirrorbase:plots-query-to-drawn', { start: lastMark(QUERY_MARK), end: lastMark(DRAWN_MARK) });
      } catch {
        // A cleared mark (someone else's clearMarks) only costs the measure.
      }
      onAllDrawn(key);
    },
  };
}

const lastMark = (name: string) => {
  const marks = performance.getEntriesByName(name, 'mark');
  return marks[marks.length - 1].startTime;
};
