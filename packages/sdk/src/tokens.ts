import { errorFromResponse } from './errors.ts';

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
 * Holds the access and refresh tokens of a password login. Refreshes ahead of expiry; a refresh
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
    private readonly email: string,
    private readonly password: string,
    /** Refresh when less than this is left of the access token's life. */
    private readonly marginMs = 30_000,
  ) {}

  get loggedIn(): boolean {
    return this.pair !== undefined;
  }

  login(): Promise<void> {
    return this.single(async () => {
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
    return this.single(async () => {
      const response = await this.fetchImpl(`${this.baseUrl}/auth/refresh`, {
        method: 'POST',
        headers: { authorization: `Bearer ${pair.refresh_token}`, accept: 'application/json' },
      });
      if (response.ok) return this.accept((await response.json()) as TokenPair);
      await response.body?.cancel();
      this.pair = undefined;
      this.pending = undefined;
      await this.login();
    });
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

  private accept(pair: TokenPair) {
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
