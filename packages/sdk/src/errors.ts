/** A non-2xx answer from the server, with its status and (when JSON) its body. */
export class MirrorbaseError extends Error {
  override name = 'MirrorbaseError';
  constructor(
    message: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(message);
  }
}

/** Builds a MirrorbaseError from a response, reading its body (JSON if possible). */
export async function errorFromResponse(response: Response, what: string): Promise<MirrorbaseError> {
  const text = await response.text().catch(() => '');
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  const detail =
    body && typeof body === 'object'
      ? ((body as { detail?: unknown; message?: unknown }).detail ?? (body as { message?: unknown }).message)
      : text;
  const suffix = typeof detail === 'string' && detail ? `: ${detail}` : '';
  return new MirrorbaseError(`${what} failed with ${response.status}${suffix}`, response.status, body);
}
