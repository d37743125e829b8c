/** What decides when a schedule runs next. Cron expressions (a later kind) add a field here. */
export interface ScheduleTiming {
  everyMs: number | null;
}

/**
 * The next run of a schedule that was due at `dueMs`, seen at `nowMs`: the first beat of its
 * interval after now, on the grid of its previous beats. Runs missed while no runner was up are
 * not made up for (a beat skipped, never a burst of runs). Undefined when the schedule has no
 * timing this version understands.
 */
export function nextRunMs(timing: ScheduleTiming, dueMs: number, nowMs: number): number | undefined {
  const every = timing.everyMs;
  if (!every || every <= 0) return undefined;
  const missed = Math.max(0, Math.floor((nowMs - dueMs) / every));
  return dueMs + (missed + 1) * every;
}
