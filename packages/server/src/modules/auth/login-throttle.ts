import { createHash } from 'node:crypto';
import { normalizeIP } from '@fastify/rate-limit';
import type { Queryable } from '../../db/database.ts';
import type { JobDefinition, RecurringJob } from '../../jobs/job-runner.ts';
import { loginThrottleRepository } from './login-throttle.repository.ts';

export interface LoginThrottleSettings {
  /** Failed logins of one account per window before further ones are refused (0: not limited). */
  maxFailuresPerAccount: number;
  /** Failed logins from one address per window before further ones are refused (0: not limited). */
  maxFailuresPerAddress: number;
  windowSeconds: number;
}

/** Either go ahead (and report a success), or stop: a limit was reached. */
export type LoginAttempt =
  | { allowed: true; succeeded(): Promise<void> }
  | { allowed: false; limitedBy: 'account' | 'address'; retryAfterSeconds: number };

export const LOGIN_THROTTLE_PRUNE_JOB = 'auth.login-throttle.prune';

/**
 * The key of a counter: what it counts and a hash of whom, so the table holds neither e-mail
 * addresses (nor the passwords people type into that field) nor client addresses.
 */
function counterKey(kind: 'account' | 'address', value: string): string {
  return `${kind}:${createHash('sha256').update(value).digest('base64url')}`;
}

/** Case variants of an address are one account; an IPv6 client is its /64 (one customer's network), as in @fastify/rate-limit. */
export const accountKey = (email: string) => counterKey('account', email.trim().toLowerCase());
export const addressKey = (address: string) => counterKey('address', normalizeIP(address));

/**
 * Throttles password checks per account and per client address, in PostgreSQL so that every
 * replica counts together. Each attempt is counted before the password is checked (so a burst
 * of concurrent guesses cannot all pass the check first); a success takes its count back from
 * the address and clears the account. Past a limit, attempts are refused without computing a
 * hash, until the window that started with the first failure ends: a lock-out lasts at most
 * one window, however long an attacker keeps trying, and refused attempts do not extend it.
 */
export function createLoginThrottle(deps: { db: Queryable; clock: () => Date; settings: LoginThrottleSettings }) {
  const { clock, settings } = deps;
  const repo = loginThrottleRepository(deps.db);
  const windowMs = settings.windowSeconds * 1000;

  return {
    /**
     * `perAccount: false` counts the attempt against the address only: for an API key given as
     * the password, which nobody can guess (~238 random bits), so that failures anyone can send
     * in a user's name do not lock that user's devices out.
     */
    async begin(email: string, address: string, options: { perAccount?: boolean } = {}): Promise<LoginAttempt> {
      const limits = new Map<string, { kind: 'account' | 'address'; max: number }>();
      if (settings.maxFailuresPerAccount > 0 && options.perAccount !== false) {
        limits.set(accountKey(email), { kind: 'account', max: settings.maxFailuresPerAccount });
      }
      if (settings.maxFailuresPerAddress > 0) limits.set(addressKey(address), { kind: 'address', max: settings.maxFailuresPerAddress });
      if (limits.size === 0) return { allowed: true, succeeded: async () => {} };

      const now = clock();
      const newWindowEndsAt = new Date(now.getTime() + windowMs);
      const counters = await repo.count(
        [...limits.keys()].map((key) => ({ key, newWindowEndsAt })),
        now,
      );
      // The counter that frees last decides when to come back.
      let refused: { limitedBy: 'account' | 'address'; retryAfterSeconds: number } | undefined;
      for (const counter of counters) {
        const limit = limits.get(counter.key)!;
        if (counter.failures <= limit.max) continue;
        const retryAfterSeconds = Math.max(1, Math.ceil((counter.windowEndsAt.getTime() - now.getTime()) / 1000));
        if (!refused || retryAfterSeconds > refused.retryAfterSeconds) refused = { limitedBy: limit.kind, retryAfterSeconds };
      }
      if (refused) return { allowed: false, ...refused };

      return {
        allowed: true,
        async succeeded() {
          for (const [key, { kind }] of limits) {
            // The account's own failures no longer matter once its password was given; the
            // address keeps its other failures (one valid account must not wipe a spray).
            if (kind === 'account') await repo.clear(key);
            else await repo.uncount(key);
          }
        },
      };
    },

    /** Lets an account log in again at once (`mirrorbase user unlock`). */
    clearAccount: (email: string) => repo.clear(accountKey(email)),

    /** Deletes the counters whose window ended (run hourly by the job runner). */
    prune: () => repo.pruneEnded(clock()),
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;

/** The hourly job that keeps the table down to the counters of the current windows. */
export function loginThrottleJobs(throttle: LoginThrottle): { definitions: JobDefinition[]; recurring: RecurringJob[] } {
  return {
    definitions: [{ name: LOGIN_THROTTLE_PRUNE_JOB, timeoutMs: 60_000, run: async () => ({ deleted: await throttle.prune() }) }],
    recurring: [{ name: LOGIN_THROTTLE_PRUNE_JOB, job: LOGIN_THROTTLE_PRUNE_JOB, everyMs: 3_600_000 }],
  };
}
