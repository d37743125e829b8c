/**
 * Environment variables where there are any (Node, Deno, Bun); an empty object in a browser.
 * Read only when a client or service is constructed, never at import time.
 */
export function readEnv(name: string): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.[name];
  return value === undefined || value === '' ? undefined : value;
}

/** The credentials the SDK takes from the environment when the options leave them out. */
export function credentialsFromEnv() {
  return {
    baseUrl: readEnv('MIRRORBASE_URL'),
    apiKey: readEnv('MIRRORBASE_API_KEY'),
    email: readEnv('MIRRORBASE_EMAIL'),
    password: readEnv('MIRRORBASE_PASSWORD'),
  };
}
