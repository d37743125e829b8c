/** Times, durations and numbers as people read them, in the browser's locale and time zone: one way across the app. */

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** An ISO time as a local date and time; a dash for none. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

/** Milliseconds as "850 ms", "12.3 s" or "2 min 5 s"; a dash while unknown. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** A measured number in the reader's locale, to at most six decimals (a float's noise cut off). */
export const formatNumber = (value: number): string => value.toLocaleString(undefined, { maximumFractionDigits: 6 });
