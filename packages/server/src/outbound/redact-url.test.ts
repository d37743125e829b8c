import { describe, expect, it } from 'vitest';
import { redactUrlCredentials } from './redact-url.ts';

describe('redactUrlCredentials', () => {
  it('replaces the password and keeps the user name', () => {
    expect(redactUrlCredentials('https://user:pass@host/path?q=1')).toBe('https://user:***@host/path?q=1');
    expect(redactUrlCredentials('http://svc:p%40ss%3Aword@10.0.0.1:8080/run')).toBe('http://svc:***@10.0.0.1:8080/run');
  });

  it('replaces a user name that stands alone, which is usually a token', () => {
    expect(redactUrlCredentials('https://ghp_token123@host/')).toBe('https://***@host/');
    expect(redactUrlCredentials('https://:only-password@host/')).toBe('https://:***@host/');
  });

  it('returns a URL without credentials exactly as given', () => {
    for (const url of ['http://127.0.0.1:8000', 'https://host/a/../b?x=%20', 'http://[::1]:80/']) {
      expect(redactUrlCredentials(url)).toBe(url);
    }
  });

  it('hides what looks like user-info in a text that is not a URL', () => {
    expect(redactUrlCredentials('not a url //user:secret@host')).toBe('not a url //***@host');
  });
});
