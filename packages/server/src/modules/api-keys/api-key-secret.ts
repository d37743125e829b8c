import { createHash, randomBytes } from 'node:crypto';

/**
 * The text of an API key: `mb_<prefix>_<secret>`, e.g. `mb_3fZq8LwA_…` with 40 secret
 * characters. Base62 only, so a double click selects the whole key and no character needs
 * escaping in a header, a URL or a shell. The prefix is random too and is stored in clear, so a
 * listing can tell keys apart; the secret part carries 238 bits, so a fast SHA-256 of the key
 * is all the database keeps (a slow password hash would cost every request and protect nothing
 * that guessing could find).
 */
export const API_KEY_PREFIX_CHARS = 8;
export const API_KEY_SECRET_CHARS = 40;
export const API_KEY_PATTERN = new RegExp(`^mb_[A-Za-z0-9]{${API_KEY_PREFIX_CHARS}}_[A-Za-z0-9]{${API_KEY_SECRET_CHARS}}$`);
export const API_KEY_FORMAT = `mb_<${API_KEY_PREFIX_CHARS} characters>_<${API_KEY_SECRET_CHARS} characters>`;

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `length` uniformly random base62 characters (bytes of 248 and above are dropped: no modulo bias). */
function randomBase62(length: number): string {
  let text = '';
  while (text.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) text += BASE62[byte % 62];
      if (text.length === length) break;
    }
  }
  return text;
}

/** Whether `text` has the shape of an API key (a JWT never starts with "mb_"). */
export const isApiKeyShaped = (text: string) => API_KEY_PATTERN.test(text);

/** Whether a credential is meant as an API key: it starts like one, whatever follows. */
export const looksLikeApiKey = (text: string) => text.startsWith('mb_');

/** The SHA-256 of a key, hex: what the database stores and is searched by. */
export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');

export interface NewApiKeySecret {
  /** The whole key, shown once to its creator and never stored. */
  key: string;
  prefix: string;
  hash: string;
}

export function generateApiKey(): NewApiKeySecret {
  const prefix = randomBase62(API_KEY_PREFIX_CHARS);
  const key = `mb_${prefix}_${randomBase62(API_KEY_SECRET_CHARS)}`;
  return { key, prefix, hash: hashApiKey(key) };
}
