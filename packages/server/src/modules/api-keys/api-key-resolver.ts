import { AppError } from '../../errors.ts';
import { bearerToken, type PrincipalResolver } from '../../http/auth.ts';
import { API_KEY_FORMAT, isApiKeyShaped, looksLikeApiKey } from './api-key-secret.ts';
import type { ApiKeyLookup } from './api-key-lookup.ts';

const refused = (detail: string) => new AppError('INVALID_API_KEY', detail);

/**
 * The API-key resolver of the auth plugin's chain (http/auth.ts): a key comes as
 * `X-API-Key: mb_...` or as `Authorization: Bearer mb_...` (a JWT never starts with "mb_").
 * Anything else is left to the next resolver. A request that sends both an X-API-Key and an
 * Authorization header is refused rather than guessed at.
 */
export function apiKeyResolver(lookup: Pick<ApiKeyLookup, 'authenticate'>): PrincipalResolver {
  return async (request, access) => {
    const header = request.headers['x-api-key'];
    let key: string;
    if (header !== undefined) {
      if (request.headers.authorization !== undefined) {
        throw refused('Send one credential: an X-API-Key header or an Authorization header, not both');
      }
      // Node joins repeated X-API-Key headers with ", ": no longer a key's shape.
      key = String(header).trim();
    } else {
      const bearer = bearerToken(request);
      if (!bearer || !looksLikeApiKey(bearer)) return undefined;
      key = bearer;
    }
    if (!isApiKeyShaped(key)) throw refused(`Malformed API key: expected ${API_KEY_FORMAT}`);
    if (access === 'refresh') {
      throw new AppError(
        'WRONG_TOKEN_TYPE',
        'An API key is not a refresh token: send it with each request, or log in with it on /auth/login',
      );
    }
    return lookup.authenticate(key);
  };
}
