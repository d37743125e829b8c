/**
 * The address's search params as plain text. TanStack Router's default reads each value as JSON
 * when it can (a sensor named 123 arrives as the number 123, `true` as a boolean) and writes
 * objects as JSON: every page then had to turn values back into the text they were. Here a
 * value is always the string the address holds, and each route's validateSearch makes of it
 * what the page needs.
 */
export function parseSearch(searchText: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(searchText));
}

/** The search params as an address's `?a=1&b=x`: absent (undefined, null) and empty values are left out. */
export function stringifySearch(search: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(search)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}
