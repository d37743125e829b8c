import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../../db/database.ts';
import { AppError } from '../../errors.ts';
import type { UserRow } from '../users/users.repository.ts';
import type { UsersService } from '../users/users.service.ts';
import { sessionsRepository } from './sessions.repository.ts';
import type { TokenIssuer, TokenPair, VerifiedToken } from './tokens.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type RefreshOutcome = { kind: 'rotated'; pair: TokenPair } | { kind: 'unknown' | 'revoked' } | { kind: 'reused'; familyId: string };

export interface SessionsLog {
  warn(data: object, message: string): void;
}

const invalid = () => new AppError('INVALID_TOKEN', 'Could not validate credentials');
const revoked = () => new AppError('TOKEN_REVOKED', 'Token has been revoked');

/**
 * Sessions: the one place where token pairs are issued. A login starts a family of refresh
 * tokens; each refresh token is stored and can be exchanged once, for the next pair of its
 * family. A used refresh token presented again means two parties hold it (it was stolen, or
 * a client kept an old copy): the family is revoked and, since the access tokens issued from
 * it cannot be told apart without a database read per request, so is every token of the user
 * (tokens_valid_after moves forward; the user logs in again).
 *
 * Every pair counts as issued at the clock's millisecond, or at the user's tokens_valid_after
 * if that is later: a login right after a revocation (in the same millisecond, or on a
 * replica whose clock is a little behind) still gets tokens that are valid.
 */
export function createSessionsService(deps: {
  db: Database;
  users: Pick<UsersService, 'findByEmail' | 'revokeTokens'>;
  tokens: TokenIssuer;
  clock: () => Date;
  log?: SessionsLog;
}) {
  const { db, users, tokens, clock } = deps;
  const iso = (ms: number) => new Date(ms).toISOString();

  /** `apiKeyId`: the pair stands for that API key of the user (a log-in with a key), and so do its successors. */
  async function issue(q: Queryable, user: UserRow, familyId: string, refreshTokenId: string, apiKeyId?: number): Promise<TokenPair> {
    const issuedAtMs = Math.max(clock().getTime(), user.tokensValidAfter.getTime());
    const pair = await tokens.issuePair({ email: user.email, issuedAtMs, refreshTokenId, ...(apiKeyId === undefined ? {} : { apiKeyId }) });
    await sessionsRepository(q).insert({
      id: refreshTokenId,
      familyId,
      userId: user.id,
      issuedAt: iso(issuedAtMs),
      expiresAt: iso(pair.refreshExpiresAt * 1000),
    });
    return { accessToken: pair.accessToken, refreshToken: pair.refreshToken };
  }

  return {
    /** A new session (a new family) for a user who has just proved who it is. */
    start: (user: UserRow, options: { apiKeyId?: number } = {}): Promise<TokenPair> =>
      issue(db, user, randomUUID(), randomUUID(), options.apiKeyId),

    /**
     * Exchanges a refresh token (signature, expiry and type already checked) for the next pair
     * of its family. Reads the user afresh: a revocation that this replica has not heard of
     * yet still counts.
     */
    async refresh(presented: VerifiedToken): Promise<TokenPair> {
      const user = await users.findByEmail(presented.sub);
      if (!user || presented.jti === undefined || !UUID.test(presented.jti)) throw invalid();
      if (presented.issuedAtMs < user.tokensValidAfter.getTime()) throw revoked();
      const jti = presented.jti;
      const now = iso(clock().getTime());
      const successor = randomUUID();
      const outcome = await db.transaction(async (tx): Promise<RefreshOutcome> => {
        const familyId = await sessionsRepository(tx).markUsed(jti, user.id, now, successor);
        if (familyId) return { kind: 'rotated', pair: await issue(tx, user, familyId, successor, presented.apiKeyId) };
        const state = await sessionsRepository(tx).find(jti, user.id);
        if (!state) return { kind: 'unknown' };
        if (state.revoked) return { kind: 'revoked' };
        await sessionsRepository(tx).revokeFamily(state.familyId, now);
        return { kind: 'reused', familyId: state.familyId };
      });
      if (outcome.kind === 'rotated') return outcome.pair;
      if (outcome.kind === 'unknown') throw invalid();
      if (outcome.kind === 'reused') {
        // After the family's revocation has committed: should this fail, the family stays revoked.
        await users.revokeTokens(user.email);
        deps.log?.warn({ user: user.email, family: outcome.familyId }, 'refresh token reused: every session of the user revoked');
      }
      throw revoked();
    },

    /**
     * Ends every session of the user (logout): each of its tokens is refused, on every replica.
     * False when there is no such user.
     */
    endAll: (email: string): Promise<boolean> => users.revokeTokens(email),

    /** Deletes the refresh tokens that expired before `now`; returns how many. */
    deleteExpired: (now: Date): Promise<number> => sessionsRepository(db).deleteExpired(now.toISOString()),
  };
}

export type SessionsService = ReturnType<typeof createSessionsService>;
