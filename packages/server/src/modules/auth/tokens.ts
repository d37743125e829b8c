import { createSecretKey } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { AppError } from '../../errors.ts';

export type TokenType = 'access' | 'refresh';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

/**
 * What a pair is issued for. sessions.service.ts is the one place that issues pairs: it
 * chooses the issue time and stores the refresh token's row, so no other code calls issuePair.
 */
export interface PairClaims {
  /** The subject (`sub`): the user's e-mail address, as in DTBase. */
  email: string;
  /**
   * When the pair counts as issued, in milliseconds since the epoch (the `iat_ms` claim). A
   * token issued before its user's tokens_valid_after is refused; JWT's own `iat` has whole
   * seconds, too coarse for a login in the same second as a password change.
   */
  issuedAtMs: number;
  /** The refresh token's `jti`: the id of its row in refresh_token. */
  refreshTokenId: string;
  /** Set when the pair stands for an API key (a log-in with a key): claim `api_key_id`. */
  apiKeyId?: number;
}

export interface IssuedPair extends TokenPair {
  /** The refresh token's `exp`, in seconds since the epoch. */
  refreshExpiresAt: number;
}

export interface TokenSettings {
  secret: string;
  accessTokenSeconds: number;
  refreshGraceSeconds: number;
  /** Seconds since the epoch; injectable so expiry can be tested without waiting. */
  now?: () => number;
}

export interface VerifiedToken {
  sub: string;
  tokenType: string;
  exp: number;
  /** The `iat_ms` claim: compared with the user's tokens_valid_after. */
  issuedAtMs: number;
  /** The `jti` claim, which refresh tokens carry (undefined on access tokens). */
  jti: string | undefined;
  /** Set when the tokens stand for an API key (a log-in with a key): claim `api_key_id`. */
  apiKeyId?: number;
}

/** Verified tokens kept, so that a client's every request does not cost an HMAC and a key import. */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * Issues and checks DTBase-compatible tokens: HS256 JWTs with `sub` (the e-mail address),
 * `token_type` and `exp` as DTBase's, plus `iat`, `iat_ms` and, on refresh tokens, `jti`;
 * the refresh token outlives the access token by the grace period.
 */
export function createTokenIssuer(settings: TokenSettings) {
  // Imported once: given raw bytes, jose imports the key again on every sign and verify.
  const key = createSecretKey(Buffer.from(settings.secret, 'utf8'));
  const now = settings.now ?? (() => Math.floor(Date.now() / 1000));
  // Keyed by the whole token, signature included, so only a token verified before can hit;
  // expiry is checked again on every hit.
  const verified = new Map<string, VerifiedToken>();

  function remember(token: string, claims: VerifiedToken) {
    if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value as string);
    verified.set(token, claims);
  }

  function sign(claims: Record<string, unknown>, expiresAt: number) {
    return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setExpirationTime(expiresAt).sign(key);
  }

  return {
    /** Signs a pair; only sessions.service.ts calls this (see PairClaims). */
    async issuePair(pair: PairClaims): Promise<IssuedPair> {
      const iat = Math.floor(pair.issuedAtMs / 1000);
      const keyClaim = pair.apiKeyId === undefined ? {} : { api_key_id: pair.apiKeyId };
      const issued = { sub: pair.email, iat, iat_ms: pair.issuedAtMs, ...keyClaim };
      const accessExpiresAt = iat + settings.accessTokenSeconds;
      const refreshExpiresAt = accessExpiresAt + settings.refreshGraceSeconds;
      return {
        accessToken: await sign({ ...issued, token_type: 'access' satisfies TokenType }, accessExpiresAt),
        refreshToken: await sign({ ...issued, token_type: 'refresh' satisfies TokenType, jti: pair.refreshTokenId }, refreshExpiresAt),
        refreshExpiresAt,
      };
    },

    /**
     * A lone access token for `seconds`, with no refresh token and no session row: what the
     * service registry writes a run's returned data with, in-process, as the run's actor (a
     * user, or one of its API keys: claim api_key_id), so that roles and key scopes apply.
     * It is checked like any access token, against tokens_valid_after and the key's state.
     */
    async issueAccessToken(claims: { email: string; issuedAtMs: number; apiKeyId?: number; seconds: number }): Promise<string> {
      const iat = Math.floor(claims.issuedAtMs / 1000);
      const keyClaim = claims.apiKeyId === undefined ? {} : { api_key_id: claims.apiKeyId };
      return sign(
        { sub: claims.email, iat, iat_ms: claims.issuedAtMs, ...keyClaim, token_type: 'access' satisfies TokenType },
        iat + claims.seconds,
      );
    },

    /** Signature, expiry and claim shape; whether the user still exists is the caller's check. */
    async verify(token: string): Promise<VerifiedToken> {
      const known = verified.get(token);
      if (known) {
        if (known.exp > now()) return known;
        verified.delete(token);
        throw new AppError('TOKEN_EXPIRED', 'Token has expired');
      }
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          currentDate: new Date(now() * 1000),
        });
        const { sub, token_type: tokenType, exp, iat_ms: issuedAtMs, jti, api_key_id: apiKeyId } = payload as Record<string, unknown>;
        // A token without its issue time cannot be checked against revocations: refused.
        if (
          typeof sub !== 'string' ||
          typeof tokenType !== 'string' ||
          !Number.isInteger(exp) ||
          !Number.isSafeInteger(issuedAtMs) ||
          (issuedAtMs as number) < 0 ||
          (jti !== undefined && typeof jti !== 'string') ||
          (apiKeyId !== undefined && !(Number.isInteger(apiKeyId) && (apiKeyId as number) > 0))
        ) {
          throw new AppError('INVALID_TOKEN', 'Could not validate credentials');
        }
        const claims: VerifiedToken = {
          sub,
          tokenType,
          exp: exp as number,
          issuedAtMs: issuedAtMs as number,
          jti,
          ...(apiKeyId === undefined ? {} : { apiKeyId: apiKeyId as number }),
        };
        remember(token, claims);
        return claims;
      } catch (error) {
        if (error instanceof AppError) throw error;
        if (error instanceof joseErrors.JWTExpired) throw new AppError('TOKEN_EXPIRED', 'Token has expired');
        throw new AppError('INVALID_TOKEN', 'Could not validate credentials');
      }
    },
  };
}

export type TokenIssuer = ReturnType<typeof createTokenIssuer>;
