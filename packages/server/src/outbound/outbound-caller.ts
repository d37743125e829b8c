/**
 * The one way the server makes an HTTP call to an address a user chose (run-service today; the
 * scheduler and SDK services reuse it). Every hop of a call is resolved, checked against the
 * address policy, and then connected to exactly the addresses that were checked, so a DNS
 * answer that changes between the check and the connection (DNS rebinding) cannot send it
 * elsewhere. Redirects are followed here, each hop checked the same way; there is one deadline
 * for the whole call and a cap on the size of the answer.
 *
 * A failure says nothing more than "unreachable": refused, reset, unresolved and timed-out
 * connections would otherwise make the server a port scanner of whatever it can reach. The
 * real reason goes to the server log, with credentials taken out of the URL.
 */
import dns from 'node:dns';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import net, { type LookupFunction } from 'node:net';
import type { AddressPolicy } from './address-policy.ts';
import { unbracket } from './address-policy.ts';
import { redactUrlCredentials } from './redact-url.ts';

export interface OutboundRequest {
  /** An absolute http(s) URL; user-info in it is sent as Basic credentials, to its own origin only. */
  url: string;
  method: string;
  /** Header names in lower case. An `authorization` given here is not sent to another origin after a redirect either. */
  headers?: Record<string, string>;
  body?: string;
  /** Aborts the call early (a schedule's timeout); the deadline of `timeoutMs` applies too. */
  signal?: AbortSignal;
}

export type OutboundResult =
  /** `body` is undefined when the answer was larger than the cap (it was not read to its end). */
  | { outcome: 'answered'; statusCode: number; headers: IncomingHttpHeaders; body: Buffer | undefined }
  /** The policy refused an address (of the first hop or a redirect's): nothing connected to it. */
  | { outcome: 'refused'; rule: string }
  /** No answer, for whatever reason: the server log has it. */
  | { outcome: 'unreachable' };

export type OutboundCall = (request: OutboundRequest) => Promise<OutboundResult>;

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Where the caller reports failures and refusals; pino's logger fits. */
export interface OutboundLog {
  warn(data: object, message: string): void;
}

export interface OutboundCallerOptions {
  policy: AddressPolicy;
  /** The deadline of a whole call: every hop, name resolution and reading the answer. */
  timeoutMs: number;
  /** An answer larger than this is not read on; its status is still returned. */
  maxResponseBytes: number;
  /** requests (DTBase's client) follows 30; a service has no business with more than a few. */
  maxRedirects?: number;
  log?: OutboundLog;
  /** Name resolution: the system resolver (dns.lookup, /etc/hosts included) unless a test swaps it. */
  resolve?: (hostname: string) => Promise<ResolvedAddress[]>;
}

const DEFAULT_MAX_REDIRECTS = 10;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

class CallFailed extends Error {}

const systemResolve = async (hostname: string): Promise<ResolvedAddress[]> =>
  (await dns.promises.lookup(hostname, { all: true })).map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));

/** An IP literal is its own answer; a name is resolved (within the call's deadline). */
async function resolveHost(host: string, resolve: OutboundCallerOptions['resolve'] & {}, signal: AbortSignal) {
  const family = net.isIP(host);
  if (family !== 0) return [{ address: host, family: family as 4 | 6 }];
  const addresses = await abortable(resolve(host), signal);
  if (addresses.length === 0) throw new CallFailed(`${host} resolved to no address`);
  return addresses;
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * A `lookup` that answers with the addresses already checked, never asking DNS again: the
 * connection goes where the policy looked.
 */
function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const wanted = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0;
    const usable = wanted === 0 ? addresses : addresses.filter((a) => a.family === wanted);
    if (options.all)
      return callback(
        null,
        usable.map((a) => ({ ...a })),
      );
    if (usable.length === 0) return callback(Object.assign(new Error('no address of the wanted family'), { code: 'ENOTFOUND' }), '', 0);
    return callback(null, usable[0].address, usable[0].family);
  };
}

/**
 * Sends one request and resolves with the response head (its body still to be read). Through
 * node:http(s), not fetch: DTBase's services receive a JSON body with GET too
 * (`requests.get(url, json=...)`), and fetch refuses a body on GET.
 */
function send(
  url: URL,
  request: { method: string; headers: Record<string, string>; body: string | undefined },
  addresses: readonly ResolvedAddress[],
  signal: AbortSignal,
): Promise<IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const outgoing = client.request(
      {
        protocol: url.protocol,
        hostname: unbracket(url.hostname),
        port: url.port === '' ? undefined : Number(url.port),
        path: `${url.pathname}${url.search}`,
        method: request.method,
        headers: request.headers,
        signal,
        lookup: pinnedLookup(addresses),
        // A fresh connection per call: a pooled socket would skip the check of this hop.
        agent: false,
      },
      resolve,
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

/** Reads a body up to `maxBytes`; undefined (and the connection dropped) when it is larger. */
function readCapped(response: IncomingMessage, maxBytes: number, signal: AbortSignal): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(response.headers['content-length']);
    if (declared > maxBytes) {
      response.destroy();
      return resolve(undefined);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onAbort = () => {
      response.destroy();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        response.destroy();
        return resolve(undefined);
      }
      chunks.push(chunk);
    });
    response.on('end', () => resolve(Buffer.concat(chunks)));
    response.on('error', reject);
    response.on('close', () => {
      signal.removeEventListener('abort', onAbort);
      if (!response.complete) reject(new CallFailed('the connection closed before the answer was complete'));
    });
  });
}

/** Basic credentials from a URL's user-info, as requests (and Node) send them. */
function basicCredentials(url: URL): string | undefined {
  if (url.username === '' && url.password === '') return undefined;
  const pair = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return `Basic ${Buffer.from(pair).toString('base64')}`;
}

/** The method after a redirect, as requests rewrites it (browsers do the same). */
function methodAfterRedirect(status: number, method: string): string {
  if ((status === 302 || status === 303) && method !== 'HEAD') return 'GET';
  if (status === 301 && method === 'POST') return 'GET';
  return method;
}

/** Why a hop failed, in words for the log (never for the caller's answer). */
function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

export function createOutboundCaller(options: OutboundCallerOptions): OutboundCall {
  const { policy, timeoutMs, maxResponseBytes, log } = options;
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const resolve = options.resolve ?? systemResolve;

  return async (request) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = request.signal ? AbortSignal.any([deadline, request.signal]) : deadline;
    let first: URL;
    try {
      first = new URL(request.url);
    } catch {
      log?.warn({ url: redactUrlCredentials(request.url), method: request.method }, 'outbound call refused: not a URL');
      return { outcome: 'refused', rule: 'the URL is not an absolute http or https URL' };
    }
    const credentials = basicCredentials(first);
    let url = first;
    let method = request.method;
    let body = request.body;
    let headers = { ...request.headers };

    for (let hop = 0; ; hop++) {
      const where = { url: redactUrlCredentials(url.href), method, hop };
      try {
        if (url.protocol !== 'http:' && url.protocol !== 'https:') {
          log?.warn(where, 'outbound call refused: not http(s)');
          return { outcome: 'refused', rule: 'the URL is not an absolute http or https URL' };
        }
        const host = unbracket(url.hostname);
        const addresses = await resolveHost(host, resolve, signal);
        const refusal = policy.check(
          host,
          addresses.map((a) => a.address),
        );
        if (refusal) {
          log?.warn({ ...where, address: refusal.address, rule: refusal.rule }, 'outbound call refused');
          const subject = hop === 0 ? "the service's address is" : `the service redirected (${hop}) to`;
          return { outcome: 'refused', rule: `${subject} ${refusal.rule}` };
        }

        const sameOrigin = url.origin === first.origin;
        const sent = { ...headers };
        if (!sameOrigin) delete sent.authorization;
        if (sameOrigin && credentials) sent.authorization = credentials;
        if (body !== undefined) sent['content-length'] = String(Buffer.byteLength(body));
        const response = await send(url, { method, headers: sent, body }, addresses, signal);

        const location = response.headers.location;
        if (!REDIRECT_STATUSES.has(response.statusCode ?? 0) || location === undefined) {
          const answer = await readCapped(response, maxResponseBytes, signal);
          if (answer === undefined) log?.warn({ ...where, maxResponseBytes }, 'outbound answer too large: not kept');
          return { outcome: 'answered', statusCode: response.statusCode ?? 0, headers: response.headers, body: answer };
        }
        // A redirect: its body is of no interest, and the connection is not kept.
        response.destroy();
        if (hop >= maxRedirects) throw new CallFailed(`more than ${maxRedirects} redirects`);
        const status = response.statusCode ?? 0;
        const nextMethod = methodAfterRedirect(status, method);
        if (status !== 307 && status !== 308) {
          body = undefined;
          const { 'content-type': _type, ...rest } = headers;
          headers = rest;
        }
        method = nextMethod;
        url = new URL(location, url);
        // User-info in a Location is not followed: credentials come only from the registered URL.
        url.username = '';
        url.password = '';
      } catch (error) {
        log?.warn({ ...where, reason: describeFailure(error, timeoutMs) }, 'outbound call failed');
        return { outcome: 'unreachable' };
      }
    }
  };
}
