import { MirrorbaseClient, type MirrorbaseClientOptions } from './client.ts';

/** DTBase's contract: an endpoint on the server (a path) and the JSON body to POST there. */
export type ServiceRequest = [endpoint: string, payload: unknown];

/** The data window of a scheduled run (headers Mirrorbase-Window-From / -To): ISO 8601. */
export interface RunWindow {
  from: string | null;
  to: string;
}

export interface ServiceContext {
  window?: RunWindow;
  client: MirrorbaseClient;
}

export interface RequestOutcome {
  endpoint: string;
  status: number;
  ok: boolean;
  /** The server's message when the request failed. */
  error?: string;
}

/** What a run wrote: one entry per request, in order; `written` and `failed` count them. */
export interface RunSummary {
  requests: RequestOutcome[];
  written: number;
  failed: number;
}

export interface BaseIngressOptions {
  baseUrl?: string;
  apiKey?: string;
  email?: string;
  password?: string;
  /** A client to use instead of building one from the other options. */
  client?: MirrorbaseClient;
  /** Passed on to the client built from the other options (fetch, retry, env). */
  clientOptions?: Omit<MirrorbaseClientOptions, 'baseUrl' | 'apiKey' | 'email' | 'password'>;
}

export interface ServeOptions {
  port?: number;
  host?: string;
  /**
   * 'return': answer `{"requests": [[endpoint, payload], ...]}` for the registry to write with
   * the run's credentials; 'post': write them here and answer `{"summary": RunSummary}`. Default: 'post' when
   * this service has credentials, else 'return'.
   */
  mode?: 'return' | 'post';
}

export interface ServeHandle {
  url: string;
  close(): Promise<void>;
}

/** An "already exists" answer to a create: DTBase's services re-run without treating it as an error. */
const isAlreadyExists = (status: number) => status === 409;

function messageOf(body: string): string | undefined {
  try {
    const json = JSON.parse(body) as { detail?: unknown; message?: unknown };
    const detail = json.detail ?? json.message;
    return typeof detail === 'string' ? detail : JSON.stringify(detail ?? json);
  } catch {
    return body.slice(0, 500) || undefined;
  }
}

/**
 * POSTs each request in order with the client's credentials; a 409 on a create counts as done.
 * Every request is tried, so one refused payload does not hide what the others did.
 */
export async function postRequests(client: MirrorbaseClient, requests: readonly ServiceRequest[]): Promise<RunSummary> {
  await client.login();
  const summary: RunSummary = { requests: [], written: 0, failed: 0 };
  for (const [endpoint, payload] of requests) {
    let outcome: RequestOutcome;
    try {
      const response = await client.request(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(payload ?? null),
      });
      const ok = response.ok || isAlreadyExists(response.status);
      const text = await response.text();
      outcome = { endpoint, status: response.status, ok, ...(response.ok ? {} : { error: messageOf(text) }) };
    } catch (error) {
      outcome = { endpoint, status: 0, ok: false, error: (error as Error).message };
    }
    summary.requests.push(outcome);
    if (outcome.ok) summary.written++;
    else summary.failed++;
  }
  return summary;
}

/** Checks what getServiceData returned (a mistake is named instead of posted); endpoints get their leading slash. */
export function checkRequests(value: unknown): ServiceRequest[] {
  if (!Array.isArray(value)) throw new TypeError('getServiceData must return an array of [endpoint, payload] pairs');
  return value.map((pair, i): ServiceRequest => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || pair[0] === '') {
      throw new TypeError(`getServiceData: item ${i} is not an [endpoint, payload] pair`);
    }
    // DTBase's services often write "sensor/insert-sensor"; the registry takes server paths only.
    const endpoint = /^(\/|https?:\/\/)/.test(pair[0]) ? pair[0] : `/${pair[0]}`;
    return [endpoint, pair[1]];
  });
}

/**
 * DTBase's BaseIngress in TypeScript: implement `getServiceData(params)` returning
 * `[endpoint, payload]` pairs; `run()` logs in and posts them in order; `serve()` makes it an
 * HTTP service the registry (run-service, schedules) can call; `runCli()` runs it once.
 *
 * @example
 * class Weather extends BaseIngress<{ city: string }> {
 *   async getServiceData(params) {
 *     return [['/api/v1/readings', { series: [{ sensor: 'ws-1', measure: 'temperature', timestamps: [...], values: [...] }] }]];
 *   }
 * }
 * await new Weather({ baseUrl, apiKey }).run({ city: 'London' });
 */
export abstract class BaseIngress<P = Record<string, unknown>> {
  private readonly options: BaseIngressOptions;
  private clientInstance: MirrorbaseClient | undefined;

  constructor(options: BaseIngressOptions = {}) {
    this.options = options;
    this.clientInstance = options.client;
  }

  /** The client the service posts with (built on first use from the options or env). */
  get client(): MirrorbaseClient {
    this.clientInstance ??= new MirrorbaseClient({
      ...this.options.clientOptions,
      baseUrl: this.options.baseUrl,
      apiKey: this.options.apiKey,
      email: this.options.email,
      password: this.options.password,
    });
    return this.clientInstance;
  }

  /** Whether this service can write by itself (an API key or a password, from options or env). */
  get hasCredentials(): boolean {
    try {
      return this.client.hasCredentials;
    } catch {
      return false;
    }
  }

  abstract getServiceData(params: P, context: ServiceContext): Promise<ServiceRequest[]> | ServiceRequest[];

  /** The pairs for these parameters, checked. */
  async requests(params: P, window?: RunWindow): Promise<ServiceRequest[]> {
    const context = { ...(window ? { window } : {}) } as ServiceContext;
    // Lazy: a service in 'return' mode may have no server address, and need no client.
    Object.defineProperty(context, 'client', { get: () => this.client, enumerable: true });
    return checkRequests(await this.getServiceData(params, context));
  }

  /**
   * Gets the pairs and posts them in order; resolves to what was written (a failed request is in
   * the summary, not thrown; an error of getServiceData is thrown).
   */
  async run(params: P, window?: RunWindow): Promise<RunSummary> {
    return postRequests(this.client, await this.requests(params, window));
  }

  /** An HTTP service (Node only) the registry can call; see {@link ServeOptions}. */
  async serve(options: ServeOptions = {}): Promise<ServeHandle> {
    const { serve } = await import('./node/serve.ts');
    return serve(this as BaseIngress<unknown>, options);
  }

  /**
   * Runs once from the command line (Node only): `--params '<json>'` or `--params-file <path>`,
   * optional `--window-from`/`--window-to`; prints the summary; resolves to the exit code
   * (0 ok, 1 a failed request or an error).
   */
  async runCli(argv?: string[]): Promise<number> {
    const { runCli } = await import('./node/cli.ts');
    return runCli(this as BaseIngress<unknown>, argv);
  }
}

/** DTBase's BaseModel: the same contract under its own name (a model writes runs, not readings). */
export abstract class BaseModel<P = Record<string, unknown>> extends BaseIngress<P> {}
