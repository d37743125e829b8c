import { MirrorbaseError } from '@mirrorbase/sdk';

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * The data of an openapi-fetch call, or a thrown MirrorbaseError carrying the status and the
 * server's body: TanStack Query and the forms show thrown errors, not returned ones.
 */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    const detail = error && typeof error === 'object' ? (error as { detail?: unknown }).detail : error;
    const suffix = typeof detail === 'string' && detail ? `: ${detail}` : '';
    throw new MirrorbaseError(`${response.status} ${response.statusText}${suffix}`, response.status, error);
  }
  return data as T;
}
