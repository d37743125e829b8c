import { errorFromResponse, MirrorbaseError } from './errors.ts';

export interface TokenPair {
  access_token: string;
  refresh_token: string;
}

/** The `exp` claim of a JWT in ms, without verifying it (the server does that). */
export function tokenExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const json = atob(
      payload
        .replace(/-/g, '+')
        .replace(/_/g, '/')
        .padEnd(Math.ceil(payload.length / 4) * 4, '='),
    );
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where a session's tokens live between page loads (a browser app: localStorage), shared by every
 * client that uses the same store. `lock` runs a refresh alone across those clients (a browser's
 * Web Locks across tabs): a refresh token works once, so two tabs must not both present it.
 */
export interface TokenStore {
  load(): TokenPair | undefined;
  save(pair: TokenPair | undefined): void;
  lock?<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * Holds the access and refresh tokens of a password login (or of a stored session). Refreshes ahead of expiry; a refresh
 * token works once (the server revokes everything when one is presented twice), so at most one
 * refresh is in flight and every caller waits on it.
 */
export class TokenSession {
  private pair: TokenPair | undefined;
  private expiresAt: number | undefined;
  private lifetimeMs = Number.POSITIVE_INFINITY;
  private pending: Promise<void> | undefined;

  constructor(
    private readonly baseUrl: string,
    private readonly fetchImpl: typeof fetch,
    private readonly email: string | undefined,
    private readonly password: string | undefined,
    /** Refresh when less than this is left of the access token's life. */
    private readonly marginMs = 30_000,
    private readonly store?: TokenStore,
  ) {
    const stored = store?.load();
    if (stored) this.accept(stored, false);
  }

  get loggedIn(): boolean {
    return this.pair !== undefined;
  }

  login(): Promise<void> {
    return this.single(async () => {
      if (this.email === undefined || this.password === undefined) {
        // A stored session without a password: once its refresh token is refused, only the person can log in again.
        this.store?.save(undefined);
        throw new MirrorbaseError('the session has ended: log in again', 401, { detail: 'session ended' });
      }
      const response = await this.fetchImpl(`${this.baseUrl}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ email: this.email, password: this.password }),
      });
      if (!response.ok) throw await errorFromResponse(response, 'login');
      this.accept((await response.json()) as TokenPair);
    });
  }

  /** Exchanges the refresh token; falls back to a fresh login when the refresh token is refused. */
  refresh(): Promise<void> {
    const pair = this.pair;
    if (!pair) return this.login();
    return this.single(() => (this.store?.lock ? this.store.lock(() => this.refreshNow(pair)) : this.refreshNow(pair)));
  }

  /** Forgets the tokens (and the stored ones): the next request needs a login. */
  clear() {
    this.pair = undefined;
    this.expiresAt = undefined;
    this.store?.save(undefined);
  }

  private async refreshNow(pair: TokenPair): Promise<void> {
    // Another client on the same store (another tab) may have refreshed meanwhile: take its tokens.
    const stored = this.store?.load();
    if (stored && stored.refresh_token !== pair.refresh_token) return this.accept(stored, false);
    const response = await this.fetchImpl(`${this.baseUrl}/auth/refresh`, {
      method: 'POST',
      headers: { authorization: `Bearer ${pair.refresh_token}`, accept: 'application/json' },
    });
    if (response.ok) return this.accept((await response.json()) as TokenPair);
    await response.body?.cancel();
    this.pair = undefined;
    this.pending = undefined;
    await this.login();
  }

  /** The access token to send now, logging in or refreshing first when needed. */
  async accessToken(): Promise<string> {
    if (this.pending) await this.pending;
    if (!this.pair) await this.login();
    else if (this.expiresAt !== undefined && this.expiresAt - Date.now() < this.margin()) await this.refresh();
    return this.pair!.access_token;
  }

  /** A short-lived token (tests, strict deployments) is refreshed at three quarters of its life. */
  private margin(): number {
    return Math.min(this.marginMs, this.lifetimeMs / 4);
  }

  private accept(pair: TokenPair, persist = true) {
    if (persist) this.store?.save(pair);
    this.pair = pair;
    this.expiresAt = tokenExpiry(pair.access_token);
    if (this.expiresAt !== undefined) this.lifetimeMs = Math.max(0, this.expiresAt - Date.now());
  }

  private single(work: () => Promise<void>): Promise<void> {
    if (this.pending) return this.pending;
    const pending = work().finally(() => {
      if (this.pending === pending) this.pending = undefined;
    });
    this.pending = pending;
    return pending;
  }
}
