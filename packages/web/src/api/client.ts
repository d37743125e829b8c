import { MirrorbaseClient, type TokenPair, type TokenStore } from '@mirrorbase/sdk';

const STORAGE_KEY = 'mirrorbase.session';

/**
 * The login's tokens in localStorage, so a reload or a second tab stays logged in. Refreshes run
 * one at a time across tabs (Web Locks): a refresh token works once, and the server ends every
 * session of a user whose refresh token is presented twice.
 */
export const browserTokenStore: TokenStore = {
  load() {
    try {
      const raw = localStorage.getItem(STORAGE_KEY);
      return raw ? (JSON.parse(raw) as TokenPair) : undefined;
    } catch {
      return undefined;
    }
  },
  save(pair) {
    if (pair) localStorage.setItem(STORAGE_KEY, JSON.stringify(pair));
    else localStorage.removeItem(STORAGE_KEY);
  },
  lock<T>(work: () => Promise<T>): Promise<T> {
    if (typeof navigator === 'undefined' || !navigator.locks) return work();
    return navigator.locks.request('mirrorbase.refresh', work) as Promise<T>;
  },
};

/** The one API client of the app: every request goes through it (the SDK), with the stored session. */
export let client = newClient();

function newClient() {
  return new MirrorbaseClient({ baseUrl: window.location.origin, env: false, tokenStore: browserTokenStore });
}

/**
 * Exchanges an e-mail and password for tokens. The password is used once, here, and not kept:
 * the app's client works from the stored tokens from then on.
 */
export async function loginWithPassword(email: string, password: string): Promise<void> {
  const once = new MirrorbaseClient({ baseUrl: window.location.origin, env: false, email, password, tokenStore: browserTokenStore });
  await once.login();
  client = newClient();
}

export async function logout(): Promise<void> {
  await client.logout();
  client = newClient();
}
