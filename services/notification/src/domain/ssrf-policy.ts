import { BlockList, SocketAddress, isIP } from 'node:net';

/**
 * IPv4 addresses a webhook may never reach (issue #11, SSRF; the IANA IPv4 special-purpose
 * registry): loopback, private (RFC 1918), link-local (where cloud metadata lives,
 * 169.254.169.254), CGNAT, unspecified, IETF protocol assignments, documentation, benchmarking,
 * the deprecated 6to4 relay anycast, multicast and reserved.
 */
const FORBIDDEN_V4 = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) FORBIDDEN_V4.addSubnet(net, prefix, 'ipv4');

/**
 * IPv6: only global unicast (2000::/3, RFC 4291) is reachable. Everything outside it is refused:
 * unspecified, loopback, IPv4-compatible (::/96), IPv4-translated (::ffff:0:0:0/96), NAT64
 * (64:ff9b::/96, 64:ff9b:1::/48), discard-only (100::/64), ULA, link-local, site-local, multicast,
 * and whatever IANA assigns there next. IPv4-mapped addresses (::ffff:0:0/96) are the IPv4 address
 * the socket reaches, so they are checked as that address instead.
 */
const GLOBAL_UNICAST_V6 = new BlockList();
GLOBAL_UNICAST_V6.addSubnet('2000::', 3, 'ipv6');

/**
 * Inside 2000::/3, the special-purpose ranges (IANA IPv6 special-purpose registry) that are no
 * ordinary host: IETF protocol assignments (2001::/23, Teredo 2001::/32 among them, which tunnels
 * to an IPv4 address this check cannot see), documentation (2001:db8::/32, 3fff::/20), and 6to4
 * (2002::/16, whose next 32 bits are any IPv4 address, private ones included).
 */
const SPECIAL_V6 = new BlockList();
for (const [net, prefix] of [
  ['2001::', 23], ['2001:db8::', 32], ['2002::', 16], ['3fff::', 20],
] as const) SPECIAL_V6.addSubnet(net, prefix, 'ipv6');

/** `SocketAddress` writes an IPv6 address canonically (RFC 5952), an IPv4-mapped one as `::ffff:a.b.c.d`. */
const MAPPED_V4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/;

/** Why an address is refused, or undefined when a webhook may connect to it. `allowed` lists addresses configured as reachable. */
export const refusalOf = (address: string, allowed: readonly string[] = []): string | undefined => {
  const family = isIP(address);
  if (family === 0) return `${address} is not an IP address`;
  const canonical = family === 6 ? new SocketAddress({ address, family: 'ipv6' }).address : address;
  const v4 = family === 4 ? address : MAPPED_V4.exec(canonical)?.[1];
  if ([address, canonical, v4].some((a) => a !== undefined && allowed.includes(a))) return undefined;
  if (v4 !== undefined) return FORBIDDEN_V4.check(v4, 'ipv4') ? `${address} is a loopback, private, link-local or reserved address` : undefined;
  if (!GLOBAL_UNICAST_V6.check(canonical, 'ipv6') || SPECIAL_V6.check(canonical, 'ipv6')) {
    return `${address} is a loopback, private, link-local or reserved IPv6 address, or one that embeds an IPv4 address`;
  }
  return undefined;
};
