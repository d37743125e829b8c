import { AppError, tooManyRequests } from '../../errors.ts';
import type { UserRow } from '../users/users.repository.ts';
import type { LoginThrottle } from './login-throttle.ts';

const REFUSED_BECAUSE = {
  account: 'Too many failed logins for this account',
  address: 'Too many failed logins from your address',
} as const;

/**
 * A password login: throttled first (a refused attempt costs no hash), then checked. Every
 * password check of the API goes through here.
 */
export function createLoginService(deps: {
  authenticate: (email: string, password: string) => Promise<UserRow | undefined>;
  throttle: LoginThrottle;
}) {
  return {
    /** The user, or a 401 for a wrong e-mail or password, or a 429 with Retry-After. */
    async login(email: string, password: string, clientAddress: string): Promise<UserRow> {
      const attempt = await deps.throttle.begin(email, clientAddress);
      if (!attempt.allowed) {
        const seconds = attempt.retryAfterSeconds;
        throw tooManyRequests(`${REFUSED_BECAUSE[attempt.limitedBy]}: try again in ${seconds} second${seconds === 1 ? '' : 's'}`, seconds);
      }
      const user = await deps.authenticate(email, password);
      if (!user) throw new AppError('BAD_CREDENTIALS', 'Incorrect email or password');
      await attempt.succeeded();
      return user;
    },
  };
}

export type LoginService = ReturnType<typeof createLoginService>;
