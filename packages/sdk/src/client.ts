import createClient, { type Client } from 'openapi-fetch';
import { credentialsFromEnv } from './env.ts';
import type { paths } from './generated/openapi.ts';
import { ReadingsApi } from './readings.ts';
import { backoffMs, isIdempotentMethod, isNetworkError, RETRY_STATUSES, type RetryOptions, retryAfterMs, sleep } from './retry.ts';
import { TokenSession, type TokenStore } from './tokens.ts';

export interface MirrorbaseClientOptions {
  /** The server, e.g. `https://twin.example.org` (env MIRRORBASE_URL). */
  baseUrl?: string;
  /** An API key (mb_...), sent as X-API-Key (env MIRRORBASE_API_KEY). Wins over a password. */
  apiKey?: string;
  /** A person's login, exchanged at /auth/login for tokens (env MIRRORBASE_EMAIL, MIRRORBASE_PASSWORD). */
  email?: string;
  password?: string;
  /**
   * Keeps a password login's tokens between page loads (a browser app), without the password:
   * the client starts from the stored tokens and saves each refreshed pair. When the refresh
   * token is refused, requests fail with a 401 MirrorbaseError and the store is emptied.
   */
  tokenStore?: TokenStore;
  /** The fetch to use (default: globalThis.fetch). */
  fetch?: typeof fetch;
  /** Retrying idempotent requests; `false` turns it off. */
  retry?: RetryOptions | false;
  /** Read MIRRORBASE_* environment variables for what the options leave out (default true). */
  env?: boolean;
}

/** Per-request options of {@link MirrorbaseClient.request}. */
export interface RequestOptions extends Omit<RequestInit, 'body'> {
  body?: BodyInit | null;
  /** Treat this request as idempotent (retried like a GET), e.g. a POST that only reads. */
  idempotent?: boolean;
  /** Query parameters; arrays repeat the parameter. */
  query?: Record<string, string | number | boolean | readonly (string | number)[] | undefined | null>;
}

/**
 * The Mirrorbase client: `api` is typed from the server's OpenAPI document (both the DTBase and
 * the resource surface), `readings` adds streaming reads, ingests and the realtime feed.
 *
 * @example
 * const client = new MirrorbaseClient({ baseUrl: 'http://localhost:5000', apiKey: 'mb_...' });
 * const { data } = await client.api.GET('/api/v1/sensors', {});
 */
export class MirrorbaseClient {
  readonly baseUrl: string;
  /** openapi-fetch client: `client.api.GET('/api/v1/sensors', {...})`, `client.api.POST('/sensor/insert-sensor', {...})`. */
  readonly api: Client<paths>;
  readonly readings: ReadingsApi;
  private readonly fetchImpl: typeof fetch;
  private readonly apiKey: string | undefined;
  private readonly session: TokenSession | undefined;
  private readonly retryOptions: Required<RetryOptions>;

  constructor(options: MirrorbaseClientOptions = {}) {
    const env: ReturnType<typeof credentialsFromEnv> | Record<string, undefined> = options.env === false ? {} : credentialsFromEnv();
    const baseUrl = options.baseUrl ?? env.baseUrl;
    if (!baseUrl) throw new Error('MirrorbaseClient needs a baseUrl (or MIRRORBASE_URL)');
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    // Bound to globalThis: a browser's fetch throws "Illegal invocation" when called as a method.
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.apiKey = options.apiKey ?? (options.email || options.password ? undefined : env.apiKey);
    const email = options.email ?? env.email;
    const password = options.password ?? env.password;
    if (!this.apiKey && ((email && password) || options.tokenStore)) {
      this.session = new TokenSession(this.baseUrl, this.fetchImpl, email, password, undefined, options.tokenStore);
    }
    const retry = options.retry === false ? { retries: 0 } : (options.retry ?? {});
    this.retryOptions = { retries: retry.retries ?? 3, baseDelayMs: retry.baseDelayMs ?? 200, maxDelayMs: retry.maxDelayMs ?? 30_000 };
    this.api = createClient<paths>({ baseUrl: this.baseUrl, fetch: (request: Request) => this.send(request) });
    this.readings = new ReadingsApi(this);
  }

  /** Whether requests carry credentials (an API key or a password login). */
  get hasCredentials(): boolean {
    return this.apiKey !== undefined || this.session !== undefined;
  }

  /**
   * Logs in with the e-mail and password (a no-op with an API key or without credentials).
   * Requests log in by themselves when needed; call this to fail early on bad credentials.
   *
   * @example
   * await new MirrorbaseClient({ baseUrl, email: 'ada@example.org', password: '...' }).login();
   */
  async login(): Promise<void> {
    await this.session?.login();
  }

  /** Whether a password session holds tokens now (false after logout or an ended session). */
  get loggedIn(): boolean {
    return this.apiKey !== undefined || (this.session?.loggedIn ?? false);
  }

  /**
   * Ends a password session: the server revokes its refresh tokens, and the client (and its
   * token store) forgets them. Ends locally even when the server cannot be reached.
   */
  async logout(): Promise<void> {
    if (!this.session?.loggedIn) return;
    try {
      const response = await this.send(new Request(`${this.baseUrl}/api/v1/auth/logout`, { method: 'POST' }));
      await response.body?.cancel();
    } finally {
      this.session.clear();
    }
  }

  /**
   * An authenticated request to a path of this server (or an absolute URL), retried when it is
   * idempotent. Non-2xx answers are returned, not thrown.
   *
   * @example
   * const res = await client.request('/api/v1/sensors', { query: { limit: 10 } });
   */
  request(path: string, options: RequestOptions = {}): Promise<Response> {
    const { idempotent, query, ...init } = options;
    const url = new URL(/^https?:\/\//.test(path) ? path : `${this.baseUrl}${path.startsWith('/') ? '' : '/'}${path}`);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value === undefined || value === null) continue;
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(item));
    }
    const streamed = typeof ReadableStream !== 'undefined' && init.body instanceof ReadableStream;
    const request = new Request(url, { ...init, ...(streamed ? { duplex: 'half' } : {}) } as RequestInit);
    return this.send(request, { idempotent, replayable: !streamed });
  }

  /**
   * Sends a request with credentials: refreshes the access token ahead of its expiry and once
   * on a 401; retries network errors, 429 and 502/503/504 with backoff when the request is
   * idempotent (by method, by `idempotent`, or by an Idempotency-Key header), honouring
   * Retry-After. A streamed body cannot be sent twice, so such a request is never repeated.
   */
  async send(request: Request, options: { idempotent?: boolean; replayable?: boolean } = {}): Promise<Response> {
    const replayable = options.replayable ?? true;
    const retryable = replayable && (options.idempotent ?? (isIdempotentMethod(request.method) || request.headers.has('idempotency-key')));
    let attempt = 0;
    let reauthenticated = false;
    for (;;) {
      const current = replayable ? request.clone() : request;
      await this.authorize(current.headers);
      let response: Response;
      try {
        response = await this.fetchImpl(current);
      } catch (error) {
        if (retryable && attempt < this.retryOptions.retries && isNetworkError(error, request.signal)) {
          await sleep(backoffMs(attempt++, this.retryOptions), request.signal);
          continue;
        }
        throw error;
      }
      if (response.status === 401 && this.session && replayable && !reauthenticated) {
        reauthenticated = true;
        await response.body?.cancel();
        await this.session.refresh();
        continue;
      }
      if (retryable && RETRY_STATUSES.has(response.status) && attempt < this.retryOptions.retries) {
        const wait = backoffMs(attempt++, this.retryOptions, retryAfterMs(response.headers.get('retry-after')));
        await response.body?.cancel();
        await sleep(wait, request.signal);
        continue;
      }
      return response;
    }
  }

  /** Forces a token refresh (after the server said the credentials changed). */
  async refreshCredentials(): Promise<void> {
    await this.session?.refresh();
  }

  private async authorize(headers: Headers) {
    if (this.apiKey) headers.set('x-api-key', this.apiKey);
    else if (this.session) headers.set('authorization', `Bearer ${await this.session.accessToken()}`);
  }
}
