import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.ts';

describe('the outbound settings of the config', () => {
  it('allows nothing extra and caps answers at 16 MB by default', () => {
    const config = loadConfig({});
    expect(config.serviceAllowedHosts).toEqual([]);
    expect(config.serviceResponseLimitBytes).toBe(16 * 1024 * 1024);
  });

  it('reads MIRRORBASE_SERVICE_ALLOWED_HOSTS and MIRRORBASE_SERVICE_RESPONSE_LIMIT_MB', () => {
    const config = loadConfig({
      MIRRORBASE_SERVICE_ALLOWED_HOSTS: 'weather.internal, *.svc.cluster.local, 10.0.0.0/8, ::1',
      MIRRORBASE_SERVICE_RESPONSE_LIMIT_MB: '2',
    });
    expect(config.serviceAllowedHosts.map((entry) => entry.kind)).toEqual(['host', 'domain', 'network', 'network']);
    expect(Object.isFrozen(config.serviceAllowedHosts)).toBe(true);
    expect(config.serviceResponseLimitBytes).toBe(2 * 1024 * 1024);
  });

  it('refuses to start on an allow-list entry it cannot read, naming the variable and the entry', () => {
    expect(() => loadConfig({ MIRRORBASE_SERVICE_ALLOWED_HOSTS: 'ok.example, 10.0.0.0/40' })).toThrow(ConfigError);
    expect(() => loadConfig({ MIRRORBASE_SERVICE_ALLOWED_HOSTS: 'ok.example, 10.0.0.0/40' })).toThrow(
      /^MIRRORBASE_SERVICE_ALLOWED_HOSTS: "10.0.0.0\/40" is not a CIDR range/,
    );
    expect(() => loadConfig({ MIRRORBASE_SERVICE_ALLOWED_HOSTS: 'http://host:8000' })).toThrow(/MIRRORBASE_SERVICE_ALLOWED_HOSTS/);
    expect(() => loadConfig({ MIRRORBASE_SERVICE_RESPONSE_LIMIT_MB: '0' })).toThrow(/MIRRORBASE_SERVICE_RESPONSE_LIMIT_MB/);
  });
});
