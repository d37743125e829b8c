import { AppError, tooManyRequests } from '../../errors.ts';
import { isApiKeyShaped } from '../api-keys/api-key-secret.ts';
import type { UserRow } from '../users/users.repository.ts';
import type { Principal } from './permissions.ts';
import type { LoginThrottle } from './login-throttle.ts';

const REFUSED_BECAUSE = {
  account: 'Too many failed logins for this account',
  address: 'Too many failed logins from your address',
} as const;

/** Who logged in: the user, and the API key it gave as its password, if it did. */
export interface LoggedIn {
  user: UserRow;
  /** The API key's principal, when the password was a key of the user. */
  keyPrincipal?: Principal;
}

/**
 * A login: throttled first (a refused attempt costs no hash), then checked. Every password
 * check of the API goes through here, and so does a log-in with an API key as the password.
 */
export function createLoginService(deps: {
  /** The user whose password this is. */
  authenticate: (email: string, password: string) => Promise<UserRow | undefined>;
  /** The user and key when the password is an API key of that user (DTBase clients know only e-mail and password). */
  logInWithKey?: (email: string, key: string) => Promise<LoggedIn | undefined>;
  throttle: LoginThrottle;
}) {
  return {
    /** Who logged in, or a 401 for a wrong e-mail or password (or key), or a 429 with Retry-After. */
    async login(email: string, password: string, clientAddress: string): Promise<LoggedIn> {
      const keyShaped = isApiKeyShaped(password);
      const attempt = await deps.throttle.begin(email, clientAddress, { perAccount: !keyShaped });
      if (!attempt.allowed) {
        const seconds = attempt.retryAfterSeconds;
        throw tooManyRequests(`${REFUSED_BECAUSE[attempt.limitedBy]}: try again in ${seconds} second${seconds === 1 ? '' : 's'}`, seconds);
      }
      // A key of another user, or a password that merely looks like a key, is tried as a password.
      const asKey = keyShaped ? await deps.logInWithKey?.(email, password) : undefined;
      const user = asKey ? undefined : await deps.authenticate(email, password);
      const loggedIn = asKey ?? (user && { user });
      if (!loggedIn) throw new AppError('BAD_CREDENTIALS', 'Incorrect email or password');
      await attempt.succeeded();
      return loggedIn;
    },
  };
}

export type LoginService = ReturnType<typeof createLoginService>;
