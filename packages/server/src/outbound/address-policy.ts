/**
 * Which addresses the server may call on a user's behalf. A registered service is a URL any
 * editor can choose, and its answer is stored for them to read: without a rule the server would
 * fetch its own admin ports, the cloud's metadata service (169.254.169.254) or anything else on
 * the private network for them. Only globally routable unicast addresses may be called, unless
 * the operator's allow-list (MIRRORBASE_SERVICE_ALLOWED_HOSTS) names the host or its network.
 */
import net from 'node:net';
import ipaddr from 'ipaddr.js';

type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

/** One entry of the allow-list: an exact host name, `*.domain` (any name below it), or an IP / CIDR. */
export type AllowListEntry =
  | { kind: 'host'; name: string }
  | { kind: 'domain'; suffix: string }
  | { kind: 'network'; network: [IpAddress, number] };

/**
 * A call the policy refuses: which address, and the rule in words for the answer's detail
 * ("a loopback address (127.0.0.0/8, ::1); MIRRORBASE_SERVICE_ALLOWED_HOSTS can allow it").
 */
export interface Refusal {
  address: string;
  rule: string;
}

export interface AddressPolicy {
  /**
   * Whether a host (as written in the URL) that resolved to `addresses` may be called: undefined
   * when every address may, else the first refused one. All must pass, so a name that resolves
   * to one public and one private address is refused.
   */
  check(host: string, addresses: readonly string[]): Refusal | undefined;
}

// A DNS label: letters, digits, hyphens (and underscores, which service names such as SRV use).
const HOST_NAME = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/;

/** Host names compare in lower case and without the root's trailing dot (`localhost.` is `localhost`). */
export const normaliseHostName = (name: string) => name.toLowerCase().replace(/\.$/, '');

/** Strips the brackets of an IPv6 literal as URL.hostname keeps them (`[::1]` -> `::1`). */
export const unbracket = (host: string) => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);

/**
 * An address in the form the rules apply to: an IPv4-mapped IPv6 address (::ffff:127.0.0.1)
 * reaches the IPv4 address it carries, so it is judged as that address.
 */
function parseAddress(text: string): IpAddress {
  const parsed = ipaddr.parse(text);
  return parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress() ? (parsed as ipaddr.IPv6).toIPv4Address() : parsed;
}

/** Reads one allow-list entry; throws an Error that says what is wrong with it. */
export function parseAllowListEntry(raw: string): AllowListEntry {
  const text = unbracket(raw.trim());
  const slash = text.indexOf('/');
  if (slash !== -1) {
    const [base, bits] = [unbracket(text.slice(0, slash)), text.slice(slash + 1)];
    const family = net.isIP(base);
    const prefix = /^\d{1,3}$/.test(bits) ? Number(bits) : Number.NaN;
    if (family === 0 || !(prefix <= (family === 4 ? 32 : 128))) {
      throw new Error(`"${raw}" is not a CIDR range (such as 10.0.0.0/8 or fd00::/8)`);
    }
    const address = parseAddress(base);
    // A mapped IPv6 range (::ffff:10.0.0.0/104) is the IPv4 range it carries.
    const mappedBits = address.kind() === 'ipv4' && family === 6 ? prefix - 96 : prefix;
    if (mappedBits < 0) throw new Error(`"${raw}" is not a CIDR range (such as 10.0.0.0/8 or fd00::/8)`);
    return { kind: 'network', network: [address, mappedBits] };
  }
  if (net.isIP(text) !== 0) {
    const address = parseAddress(text);
    return { kind: 'network', network: [address, address.kind() === 'ipv4' ? 32 : 128] };
  }
  const name = normaliseHostName(text);
  // URLs write 127.1 as 127.0.0.1: a "name" of digits and dots would never match anything.
  if (/^[\d.]+$/.test(name)) throw new Error(`"${raw}" is not an IP address (write all four parts, such as 127.0.0.1)`);
  if (name.startsWith('*.') && HOST_NAME.test(name.slice(2))) return { kind: 'domain', suffix: name.slice(1) };
  if (HOST_NAME.test(name)) return { kind: 'host', name };
  throw new Error(`"${raw}" is neither a host name, *.domain, an IP address nor a CIDR range`);
}

/** Reads the comma-separated allow-list (empty entries are ignored). */
export function parseAllowList(text: string | undefined): AllowListEntry[] {
  return (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map(parseAllowListEntry);
}

const ALLOW_NOTE = 'MIRRORBASE_SERVICE_ALLOWED_HOSTS can allow it';

/** What a range that is not public is, in words; ipaddr.js names the ranges. */
const RANGE_WORDS: Record<string, string> = {
  unspecified: 'an unspecified address (0.0.0.0/8, ::)',
  loopback: 'a loopback address (127.0.0.0/8, ::1)',
  linkLocal: 'a link-local address (169.254.0.0/16 with the cloud metadata service, fe80::/10)',
  private: 'a private address (RFC 1918: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)',
  uniqueLocal: 'a unique local address (fc00::/7)',
  carrierGradeNat: 'a carrier-grade NAT address (100.64.0.0/10)',
  multicast: 'a multicast address (224.0.0.0/4, ff00::/8)',
  broadcast: 'the broadcast address',
};

/** The rule an address breaks, or undefined when it is a globally routable unicast address. */
export function nonPublicRule(address: string): string | undefined {
  const parsed = parseAddress(address);
  // The deprecated IPv4-compatible form ::a.b.c.d (::/96) is judged by the IPv4 address it carries.
  if (parsed.kind() === 'ipv6') {
    const parts = (parsed as ipaddr.IPv6).parts;
    if (parts.slice(0, 6).every((part) => part === 0) && (parts[6] !== 0 || parts[7] > 1)) {
      const ipv4 = `${parts[6] >> 8}.${parts[6] & 255}.${parts[7] >> 8}.${parts[7] & 255}`;
      return nonPublicRule(ipv4) ?? 'an IPv4-compatible IPv6 address (::/96, deprecated)';
    }
  }
  const range = parsed.range();
  if (range === 'unicast') return undefined;
  // Everything else (documentation, benchmarking, 6to4, NAT64, reserved ...) is special-purpose.
  return RANGE_WORDS[range] ?? `a special-purpose address (${range})`;
}

function matchesName(entries: readonly AllowListEntry[], host: string): boolean {
  const name = normaliseHostName(host);
  return entries.some(
    (entry) => (entry.kind === 'host' && entry.name === name) || (entry.kind === 'domain' && name.endsWith(entry.suffix)),
  );
}

function matchesNetwork(entries: readonly AllowListEntry[], address: IpAddress): boolean {
  return entries.some((entry) => entry.kind === 'network' && entry.network[0].kind() === address.kind() && address.match(entry.network));
}

/**
 * The policy for one allow-list. A host name on the list may be called at whatever it resolves
 * to (its DNS is trusted); an IP or CIDR entry allows the addresses inside it, whatever name led
 * there; every other address must be public.
 */
export function createAddressPolicy(allowList: readonly AllowListEntry[]): AddressPolicy {
  return {
    check(host, addresses) {
      if (matchesName(allowList, unbracket(host))) return undefined;
      for (const address of addresses) {
        if (matchesNetwork(allowList, parseAddress(address))) continue;
        const rule = nonPublicRule(address);
        if (rule) return { address, rule: `${rule}; ${ALLOW_NOTE}` };
      }
      return undefined;
    },
  };
}
