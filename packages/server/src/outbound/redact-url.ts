/** The mark that stands where a credential was. */
export const REDACTED = '***';

/**
 * A URL fit to show or log: the password of its user-info replaced by `***`
 * (`https://user:***@host/`), or the user name when it stands alone, since a lone user name is
 * usually a token (`https://***@host/`). A URL without credentials comes back exactly as given.
 */
export function redactUrlCredentials(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL (never stored, but never shown either): hide anything that looks like user-info.
    return url.replace(/\/\/[^/?#]*@/, `//${REDACTED}@`);
  }
  if (parsed.username === '' && parsed.password === '') return url;
  if (parsed.password !== '') parsed.password = REDACTED;
  else parsed.username = REDACTED;
  return parsed.href;
}
