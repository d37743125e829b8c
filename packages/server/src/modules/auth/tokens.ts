import { createSecretKey } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { AppError } from '../../errors.ts';

export type TokenType = 'access' | 'refresh';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
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
  /** Set when the tokens stand for an API key (a log-in with a key): claim `api_key_id`. */
  apiKeyId?: number;
}

/** Whom a token pair is for: a user (by e-mail address), and the API key it acts as, if any. */
export interface TokenSubject {
  email: string;
  apiKeyId?: number;
}

/**
 * Issues and checks DTBase-compatible tokens: HS256 JWTs with `sub` (the e-mail address),
 * `token_type` and `exp`; the refresh token outlives the access token by the grace period.
 */
/** Verified tokens kept, so that a client's every request does not cost an HMAC and a key import. */
const VERIFIED_CACHE_SIZE = 10_000;

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

  async function sign(subject: TokenSubject, tokenType: TokenType, lifetimeSeconds: number) {
    const keyClaim = subject.apiKeyId === undefined ? {} : { api_key_id: subject.apiKeyId };
    return new SignJWT({ sub: subject.email, token_type: tokenType, ...keyClaim })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setExpirationTime(now() + lifetimeSeconds)
      .sign(key);
  }

  return {
    async issuePair(subject: TokenSubject): Promise<TokenPair> {
      const access = settings.accessTokenSeconds;
      return {
        accessToken: await sign(subject, 'access', access),
        refreshToken: await sign(subject, 'refresh', access + settings.refreshGraceSeconds),
      };
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
        const { sub, token_type: tokenType, exp, api_key_id: apiKeyId } = payload as Record<string, unknown>;
        if (typeof sub !== 'string' || typeof tokenType !== 'string' || !Number.isInteger(exp)) {
          throw new AppError('INVALID_TOKEN', 'Could not validate credentials');
        }
        if (apiKeyId !== undefined && !(Number.isInteger(apiKeyId) && (apiKeyId as number) > 0)) {
          throw new AppError('INVALID_TOKEN', 'Could not validate credentials');
        }
        const claims: VerifiedToken = {
          sub,
          tokenType,
          exp: exp as number,
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
