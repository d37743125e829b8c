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

  async function sign(sub: string, tokenType: TokenType, lifetimeSeconds: number) {
    return new SignJWT({ sub, token_type: tokenType })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setExpirationTime(now() + lifetimeSeconds)
      .sign(key);
  }

  return {
    async issuePair(email: string): Promise<TokenPair> {
      const access = settings.accessTokenSeconds;
      return {
        accessToken: await sign(email, 'access', access),
        refreshToken: await sign(email, 'refresh', access + settings.refreshGraceSeconds),
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
        const { sub, token_type: tokenType, exp } = payload as Record<string, unknown>;
        if (typeof sub !== 'string' || typeof tokenType !== 'string' || !Number.isInteger(exp)) {
          throw new AppError('INVALID_TOKEN', 'Could not validate credentials');
        }
        const claims = { sub, tokenType, exp: exp as number };
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
