/**
 * SQL fragments shared by the read queries. They build JSON arrays inside PostgreSQL so that
 * the server can send the text on without ever parsing it into JavaScript values.
 */
export type TimeFormat = 'iso' | 'epoch_ms';

/**
 * A JSON array of the timestamps in `column`, as text.
 * - iso: json_agg renders a timestamptz in the session time zone, which is UTC on every
 *   Mirrorbase connection; "+00:00" then becomes "Z", the form the rest of the API uses. This is
 *   several times faster than calling mb_iso() per row (measured: mb_iso is not inlined), and
 *   differs only in not padding fractions to six digits ("…:00.5Z"). Any other session zone
 *   would still give correct instants, only with their offset.
 * - epoch_ms: milliseconds since the epoch as JSON numbers (what uPlot and friends take),
 *   rounded to the microsecond first so a whole millisecond never prints as …122.99999.
 */
export function timestampsJson(column: string, format: TimeFormat, orderBy = ''): string {
  const order = orderBy ? ` ORDER BY ${orderBy}` : '';
  return format === 'epoch_ms'
    ? `coalesce(json_agg(round(date_part('epoch', ${column}) * 1000000) / 1000${order})::text, '[]')`
    : `coalesce(replace(json_agg(${column}${order})::text, '+00:00"', 'Z"'), '[]')`;
}

/**
 * Bucket starts in an IANA zone: "2024-03-31T00:00:00+00:00", "2024-04-01T00:00:00+01:00".
 * `zoneParam` is the SQL parameter holding the zone name.
 */
export function zonedTimestampsJson(column: string, zoneParam: string, format: TimeFormat, orderBy: string): string {
  if (format === 'epoch_ms') return timestampsJson(column, format, orderBy);
  const local = `(${column} AT TIME ZONE ${zoneParam})`;
  const offset = `(${local} - (${column} AT TIME ZONE 'UTC'))`;
  const rendered = `to_char(${local}, 'YYYY-MM-DD"T"HH24:MI:SS')
    || CASE WHEN ${offset} < interval '0' THEN '-' ELSE '+' END
    || to_char(CASE WHEN ${offset} < interval '0' THEN -${offset} ELSE ${offset} END, 'HH24:MI')`;
  return `coalesce(json_agg(${rendered} ORDER BY ${orderBy})::text, '[]')`;
}

/** A JSON array of `expression` (numbers, strings, booleans) as text; `[]` when there are no rows. */
export function valuesJson(expression: string, orderBy = ''): string {
  const order = orderBy ? ` ORDER BY ${orderBy}` : '';
  return `coalesce(json_agg(${expression}${order})::text, '[]')`;
}

/*
 * Instants travel to PostgreSQL as text and are cast there ($3::text::timestamptz): a
 * parameter the driver sees typed as timestamptz goes through a JavaScript Date in
 * postgres.js, which drops microseconds (and cannot carry 'infinity').
 */
