import { Cron } from 'croner';
import { unprocessable } from '../../errors.ts';

/**
 * A schedule's timing: a cron expression read in an IANA time zone (daylight saving included).
 * Five fields (minute hour day-of-month month day-of-week), or six with seconds first; croner's
 * seventh (year) field and its nicknames (@daily) are refused to keep the format one people
 * know from crontab.
 */
export interface Timing {
  cron: string;
  timeZone: string;
}

/** Whether `timeZone` is an IANA name this runtime knows (its Intl database). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The parsed timing, or a 422 that says what is wrong with it. */
export function parseTiming({ cron, timeZone }: Timing): Cron {
  if (!isTimeZone(timeZone)) {
    throw unprocessable(`time_zone ${JSON.stringify(timeZone)} is not an IANA time zone (e.g. "UTC", "Europe/London")`);
  }
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    throw unprocessable(
      `cron ${JSON.stringify(cron)} must have 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first)`,
    );
  }
  let parsed: Cron;
  try {
    parsed = new Cron(fields.join(' '), { timezone: timeZone, paused: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error);
    throw unprocessable(`cron ${JSON.stringify(cron)} is not a valid cron expression: ${reason}`);
  }
  if (parsed.nextRun(new Date()) === null) throw unprocessable(`cron ${JSON.stringify(cron)} never fires`);
  return parsed;
}

/** The first `count` fire times strictly after `after`. */
export function fireTimesAfter(timing: Timing, after: Date, count: number): Date[] {
  return parseTiming(timing).nextRuns(count, after);
}

/** The first fire time strictly after `after` (null: never again). */
export function nextFireAfter(cron: Cron, after: Date): Date | null {
  return cron.nextRun(after);
}

/** The latest fire time at or before `at` (null: none). */
export function latestFireAtOrBefore(cron: Cron, at: Date): Date | null {
  return cron.previousRuns(1, new Date(at.getTime() + 1))[0] ?? null;
}
