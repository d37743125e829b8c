import { describe, expect, it } from 'vitest';
import { createAddressPolicy, nonPublicRule, parseAllowList, parseAllowListEntry } from './address-policy.ts';

describe('nonPublicRule', () => {
  it.each([
    ['127.0.0.1', /loopback/],
    ['127.255.255.254', /loopback/],
    ['::1', /loopback/],
    ['10.1.2.3', /private/],
    ['172.16.0.1', /private/],
    ['172.31.255.255', /private/],
    ['192.168.1.1', /private/],
    ['169.254.169.254', /link-local.*metadata/],
    ['fe80::1', /link-local/],
    ['fe80::1%eth0', /link-local/],
    ['fc00::1', /unique local/],
    ['fd12:3456::1', /unique local/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['100.127.255.255', /carrier-grade NAT/],
    ['0.0.0.0', /unspecified/],
    ['0.1.2.3', /unspecified/],
    ['::', /unspecified/],
    ['224.0.0.1', /multicast/],
    ['239.255.255.250', /multicast/],
    ['ff02::1', /multicast/],
    ['255.255.255.255', /broadcast/],
    // IPv4-mapped IPv6 reaches the IPv4 address it carries, in either spelling.
    ['::ffff:127.0.0.1', /loopback/],
    ['::ffff:7f00:1', /loopback/],
    ['0:0:0:0:0:ffff:7f00:0001', /loopback/],
    ['::ffff:10.0.0.1', /private/],
    ['::ffff:169.254.169.254', /link-local/],
    ['::ffff:0.0.0.0', /unspecified/],
    // Other special-purpose ranges: NAT64, documentation, reserved, 6to4.
    ['64:ff9b::7f00:1', /special-purpose/],
    ['192.0.2.1', /special-purpose/],
    ['240.0.0.1', /special-purpose/],
    ['2001:db8::1', /special-purpose/],
    ['2002:7f00:1::', /special-purpose/],
    // The deprecated IPv4-compatible form ::a.b.c.d: judged by the address it carries, else refused.
    ['::127.0.0.1', /loopback/],
    ['::7f00:1', /loopback/],
    ['::10.0.0.1', /private/],
    ['::808:808', /IPv4-compatible/],
  ])('refuses %s', (address, rule) => {
    expect(nonPublicRule(address)).toMatch(rule);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '172.15.255.255', '100.128.0.1', '11.0.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'lets the public address %s through',
    (address) => {
      expect(nonPublicRule(address)).toBeUndefined();
    },
  );
});

describe('parseAllowListEntry', () => {
  it('reads host names, *.domains, IPs and CIDR ranges', () => {
    expect(parseAllowListEntry('Weather.Internal.')).toEqual({ kind: 'host', name: 'weather.internal' });
    expect(parseAllowListEntry(' localhost ')).toEqual({ kind: 'host', name: 'localhost' });
    expect(parseAllowListEntry('*.svc.cluster.local')).toEqual({ kind: 'domain', suffix: '.svc.cluster.local' });
    const ip = parseAllowListEntry('127.0.0.1');
    expect(ip.kind === 'network' && [ip.network[0].toString(), ip.network[1]]).toEqual(['127.0.0.1', 32]);
    const v6 = parseAllowListEntry('[::1]');
    expect(v6.kind === 'network' && [v6.network[0].toString(), v6.network[1]]).toEqual(['::1', 128]);
    const cidr = parseAllowListEntry('10.0.0.0/8');
    expect(cidr.kind === 'network' && cidr.network[1]).toBe(8);
    expect(parseAllowListEntry('fd00::/8').kind).toBe('network');
    // A mapped IPv6 range is the IPv4 range it carries.
    const mapped = parseAllowListEntry('::ffff:10.0.0.0/104');
    expect(mapped.kind === 'network' && [mapped.network[0].toString(), mapped.network[1]]).toEqual(['10.0.0.0', 8]);
  });

  it.each([
    '10.0.0.0/33',
    'fd00::/129',
    '10.0.0.0/',
    '10.0.0.0/x',
    'host/8',
    'exa mple.org',
    'host:8000',
    'http://host',
    '127.1',
    '-bad.org',
    '*.',
    '*',
  ])('refuses %j with a message naming it', (entry) => {
    expect(() => parseAllowListEntry(entry)).toThrow(entry);
  });

  it('reads a comma-separated list and skips empty entries', () => {
    expect(parseAllowList(undefined)).toEqual([]);
    expect(parseAllowList(' , ')).toEqual([]);
    expect(parseAllowList('a.example, 10.0.0.0/8,,').map((e) => e.kind)).toEqual(['host', 'network']);
  });
});

describe('createAddressPolicy', () => {
  it('refuses every non-public address by default and names the rule', () => {
    const policy = createAddressPolicy([]);
    expect(policy.check('example.org', ['93.184.215.14'])).toBeUndefined();
    expect(policy.check('localhost', ['127.0.0.1'])).toEqual({ address: '127.0.0.1', rule: expect.stringMatching(/loopback/) });
    expect(policy.check('localhost', ['127.0.0.1'])?.rule).toMatch(/MIRRORBASE_SERVICE_ALLOWED_HOSTS/);
  });

  it('refuses a name when any of its addresses is not public', () => {
    const policy = createAddressPolicy([]);
    expect(policy.check('mixed.example', ['93.184.215.14', '10.0.0.1'])).toMatchObject({ address: '10.0.0.1' });
  });

  it('allows an allow-listed name at whatever it resolves to, and only that name', () => {
    const policy = createAddressPolicy(parseAllowList('weather.internal,*.svc.cluster.local'));
    expect(policy.check('WEATHER.internal.', ['10.0.0.7'])).toBeUndefined();
    expect(policy.check('model.default.svc.cluster.local', ['10.1.0.3'])).toBeUndefined();
    expect(policy.check('svc.cluster.local', ['10.1.0.3'])).toBeDefined();
    expect(policy.check('other.internal', ['10.0.0.7'])).toBeDefined();
  });

  it('allows addresses inside an allow-listed IP or range, whatever name led there, and no others', () => {
    const policy = createAddressPolicy(parseAllowList('127.0.0.1,10.20.0.0/16,fd00::/8'));
    expect(policy.check('127.0.0.1', ['127.0.0.1'])).toBeUndefined();
    expect(policy.check('localhost', ['127.0.0.1'])).toBeUndefined();
    expect(policy.check('[::ffff:127.0.0.1]', ['::ffff:127.0.0.1'])).toBeUndefined();
    expect(policy.check('10.20.3.4', ['10.20.3.4'])).toBeUndefined();
    expect(policy.check('fd00::5', ['fd00::5'])).toBeUndefined();
    expect(policy.check('127.0.0.2', ['127.0.0.2'])).toMatchObject({ rule: expect.stringMatching(/loopback/) });
    expect(policy.check('10.21.0.1', ['10.21.0.1'])).toMatchObject({ rule: expect.stringMatching(/private/) });
    expect(policy.check('::1', ['::1'])).toMatchObject({ rule: expect.stringMatching(/loopback/) });
  });
});
