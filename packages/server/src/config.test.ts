import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const SECRET = 'k7Qv2Lx9mZ4pR1sT8wY3nB6cD0fG5hJ-';
const production = (env: Record<string, string> = {}) => loadConfig({ NODE_ENV: 'production', DT_JWT_SECRET_KEY: SECRET, ...env });

describe('production refuses to start', () => {
  it.each([
    ['no secret', { DT_JWT_SECRET_KEY: '' }, 'DT_JWT_SECRET_KEY must be set when NODE_ENV=production'],
    ['a short secret', { DT_JWT_SECRET_KEY: 'too-short' }, 'DT_JWT_SECRET_KEY must be at least 32 characters in production'],
    ["DTBase's template placeholder", { DT_JWT_SECRET_KEY: '<REPLACE_ME>-<REPLACE_ME>-<REPLACE_ME>' }, /placeholder from a template/],
    ['a change-me secret', { DT_JWT_SECRET_KEY: 'please-CHANGE_ME-before-going-live-2026' }, /placeholder from a template/],
    ['a your-secret secret', { DT_JWT_SECRET_KEY: 'your-secret-key-goes-here-and-is-long' }, /placeholder from a template/],
    ['a typed pattern', { DT_JWT_SECRET_KEY: 'abcabcabcabcabcabcabcabcabcabcabcabc' }, /is a pattern, not a random secret/],
    ['one character repeated', { DT_JWT_SECRET_KEY: 'x'.repeat(64) }, /is a pattern, not a random secret/],
    ['a default user password', { DT_DEFAULT_USER_PASS: 'password' }, /^DT_DEFAULT_USER_PASS is set with NODE_ENV=production/],
    [
      'a default user password allowed with a word that is not a yes',
      { DT_DEFAULT_USER_PASS: 'password', MIRRORBASE_ALLOW_DEFAULT_USER: 'yes' },
      'MIRRORBASE_ALLOW_DEFAULT_USER must be true or false, got "yes"',
    ],
  ])('with %s', (_what, env, message) => {
    expect(() => production(env)).toThrow(ConfigError);
    expect(() => production(env)).toThrow(message);
  });

  it('but starts with a random secret, and with the default user when it is said to be meant', () => {
    expect(production().jwtSecret).toBe(SECRET);
    for (const allow of ['1', 'true']) {
      expect(production({ DT_DEFAULT_USER_PASS: 'password', MIRRORBASE_ALLOW_DEFAULT_USER: allow }).defaultUserPassword).toBe('password');
    }
  });

  it('outside production, none of this applies', () => {
    const config = loadConfig({ NODE_ENV: 'development', DT_DEFAULT_USER_PASS: 'change-me' });
    expect(config.defaultUserPassword).toBe('change-me');
    expect(config.jwtSecret).toBeUndefined();
  });
});

describe('MIRRORBASE_CORS_ORIGINS', () => {
  it('defaults to no cross-origin caller in production and test, and to this machine in development', () => {
    expect(production().corsOrigins).toEqual([]);
    expect(loadConfig({ NODE_ENV: 'test' }).corsOrigins).toEqual([]);
    expect(loadConfig({ NODE_ENV: 'development' }).corsOrigins).toBe('loopback');
  });

  it('takes *, none, or a list of origins', () => {
    expect(production({ MIRRORBASE_CORS_ORIGINS: '*' }).corsOrigins).toBe('*');
    expect(loadConfig({ NODE_ENV: 'development', MIRRORBASE_CORS_ORIGINS: 'none' }).corsOrigins).toEqual([]);
    expect(production({ MIRRORBASE_CORS_ORIGINS: 'https://twin.example.org, http://localhost:5173' }).corsOrigins).toEqual([
      'https://twin.example.org',
      'http://localhost:5173',
    ]);
  });

  it.each([
    'https://twin.example.org/',
    'https://twin.example.org/app',
    'twin.example.org',
    'ftp://twin.example.org',
    'https://*.example.org',
  ])('refuses %s, which no browser sends as an Origin', (origin) => {
    expect(() => production({ MIRRORBASE_CORS_ORIGINS: origin })).toThrow(
      /MIRRORBASE_CORS_ORIGINS: .* is not an origin like https:\/\/app\.example\.org/,
    );
  });
});

describe('MIRRORBASE_TRUST_PROXY', () => {
  it('takes a number of hops, true/false, or proxy addresses and ranges', () => {
    expect(production().trustProxy).toBe(false);
    expect(production({ MIRRORBASE_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(production({ MIRRORBASE_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(production({ MIRRORBASE_TRUST_PROXY: '10.0.0.0/8, loopback' }).trustProxy).toEqual(['10.0.0.0/8', 'loopback']);
  });

  it('refuses anything else', () => {
    expect(() => production({ MIRRORBASE_TRUST_PROXY: 'the load balancer' })).toThrow(/MIRRORBASE_TRUST_PROXY must be/);
  });
});

describe('login throttling and the request limit', () => {
  it('have defaults, and 0 turns a limit off', () => {
    const config = production();
    expect(config).toMatchObject({
      loginMaxFailuresPerAccount: 10,
      loginMaxFailuresPerAddress: 50,
      loginFailureWindowSeconds: 300,
      rateLimitPerMinute: 12_000,
    });
    expect(production({ MIRRORBASE_RATE_LIMIT_PER_MINUTE: '0' }).rateLimitPerMinute).toBe(0);
    expect(() => production({ MIRRORBASE_LOGIN_FAILURE_WINDOW_SECONDS: '0' })).toThrow(/between 1 and 86400/);
  });
});

describe('metrics and traces', () => {
  it('serve /metrics on the main port only, and trace nothing, by default', () => {
    expect(production().observability).toEqual({
      metricsPort: undefined,
      metricsHost: '0.0.0.0',
      metricsToken: undefined,
      otlpEndpoint: undefined,
      serviceName: 'mirrorbase',
    });
    const set = production({
      MIRRORBASE_METRICS_PORT: '9464',
      MIRRORBASE_METRICS_HOST: '10.0.0.5',
      MIRRORBASE_METRICS_TOKEN: 'b'.repeat(12) + 'c'.repeat(12),
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318/',
      OTEL_SERVICE_NAME: 'twin-api',
    }).observability;
    expect(set).toMatchObject({
      metricsPort: 9464,
      metricsHost: '10.0.0.5',
      otlpEndpoint: 'http://otel-collector:4318',
      serviceName: 'twin-api',
    });
  });

  it('refuse a metrics port equal to PORT, a short metrics token in production, and an endpoint that is not a URL', () => {
    expect(() => production({ PORT: '8080', MIRRORBASE_METRICS_PORT: '8080' })).toThrow(/MIRRORBASE_METRICS_PORT must differ from PORT/);
    expect(() => production({ MIRRORBASE_METRICS_PORT: 'metrics' })).toThrow(/MIRRORBASE_METRICS_PORT must be an integer/);
    expect(() => production({ MIRRORBASE_METRICS_TOKEN: 'short' })).toThrow(/at least 24 characters in production/);
    expect(() => production({ MIRRORBASE_METRICS_TOKEN: 'with space in it and long enough to pass' })).toThrow(/no spaces/);
    expect(() => production({ OTEL_EXPORTER_OTLP_ENDPOINT: 'otel-collector:4318' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT must be an http/);
    expect(loadConfig({ NODE_ENV: 'development', MIRRORBASE_METRICS_TOKEN: 'short' }).observability.metricsToken).toBe('short');
  });
});
