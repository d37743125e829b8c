import { type IngestSummary, MirrorbaseClient, MirrorbaseError } from '@mirrorbase/sdk';
import { browserTokenStore } from '../../api/client.ts';

export interface UploadProgress {
  sent: number;
  total: number;
}

/**
 * A fetch for the upload alone, over XMLHttpRequest: fetch cannot report how much of a request
 * body is sent (a streamed body needs HTTP/2, and even then tells nothing of what left the
 * machine). Every other request (a token refresh) goes through the ordinary fetch.
 */
function progressFetch(onProgress: (progress: UploadProgress) => void): typeof fetch {
  return async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    if (request.method !== 'POST' || !new URL(request.url).pathname.startsWith('/api/v1/readings')) return fetch(request);
    const body = await request.blob();
    return new Promise<Response>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(request.method, request.url);
      for (const [name, value] of request.headers) xhr.setRequestHeader(name, value);
      xhr.responseType = 'blob';
      onProgress({ sent: 0, total: body.size });
      xhr.upload.onprogress = (event) => onProgress({ sent: event.loaded, total: event.lengthComputable ? event.total : body.size });
      xhr.upload.onload = () => onProgress({ sent: body.size, total: body.size });
      xhr.onload = () => {
        const headers = new Headers();
        for (const line of xhr.getAllResponseHeaders().trim().split(/\r?\n/)) {
          const colon = line.indexOf(':');
          if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
        }
        const empty = xhr.status === 204 || xhr.status === 304;
        resolve(new Response(empty ? null : (xhr.response as Blob), { status: xhr.status, statusText: xhr.statusText, headers }));
      };
      xhr.onerror = () => reject(new TypeError('The upload could not reach the server.'));
      xhr.onabort = () => reject(new DOMException('The upload was cancelled.', 'AbortError'));
      request.signal.addEventListener('abort', () => xhr.abort(), { once: true });
      xhr.send(body);
    });
  };
}

/**
 * Sends a CSV file of readings to `POST /api/v1/readings` (the header
 * `sensor,measure,timestamp,value`) and resolves to the server's summary. The request goes through
 * an SDK client on the app's stored session, so it carries the session's token and is retried
 * once after a refresh when that token has just run out.
 */
export async function uploadReadingsCsv(
  file: Blob,
  onProgress: (progress: UploadProgress) => void,
  signal?: AbortSignal,
): Promise<IngestSummary> {
  const uploader = new MirrorbaseClient({
    baseUrl: window.location.origin,
    env: false,
    tokenStore: browserTokenStore,
    fetch: progressFetch(onProgress),
    retry: false,
  });
  const response = await uploader.request('/api/v1/readings', {
    method: 'POST',
    headers: { 'content-type': 'text/csv', accept: 'application/json' },
    body: file,
    signal,
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the text is the message
  }
  if (!response.ok) throw new MirrorbaseError(`${response.status} ${response.statusText}`, response.status, body);
  return body as IngestSummary;
}

/** The server's summary in words. */
export function describeSummary(summary: IngestSummary): string {
  const plural = (n: number, one: string, many: string) => `${n.toLocaleString()} ${n === 1 ? one : many}`;
  return `Stored ${plural(summary.inserted, 'reading', 'readings')}; skipped ${plural(summary.duplicates, 'duplicate', 'duplicates')} (already stored); ${plural(summary.series, 'series', 'series')} in the file.`;
}
