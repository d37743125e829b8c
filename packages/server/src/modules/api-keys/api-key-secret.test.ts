import { describe, expect, it } from 'vitest';
import { API_KEY_PATTERN, generateApiKey, hashApiKey, isApiKeyShaped } from './api-key-secret.ts';

describe('API key secrets', () => {
  it('generates keys of the documented shape, each different, with the prefix in clear and the hash of the whole key', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const { key, prefix, hash } = generateApiKey();
      expect(key).toMatch(API_KEY_PATTERN);
      expect(key.startsWith(`mb_${prefix}_`)).toBe(true);
      expect(hash).toBe(hashApiKey(key));
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      seen.add(key);
    }
    expect(seen.size).toBe(200);
  });

  it('uses every base62 character, none more often than chance allows', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 500; i++) {
      for (const c of generateApiKey().key.slice(12)) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    expect(counts.size).toBe(62);
    // 20,000 characters over 62: about 323 each; a modulo bias would push some far above.
    for (const n of counts.values()) expect(n).toBeLessThan(450);
  });

  it('tells keys from tokens and from keys of another shape', () => {
    expect(isApiKeyShaped(generateApiKey().key)).toBe(true);
    expect(isApiKeyShaped('eyJhbGciOiJIUzI1NiJ9.e30.x')).toBe(false);
    expect(isApiKeyShaped(`${generateApiKey().key}x`)).toBe(false);
    expect(isApiKeyShaped('mb_short_key')).toBe(false);
  });
});
