import { BlockList, isIP } from 'node:net';

/**
 * Addresses a webhook may never reach (issue #11, SSRF): loopback, private (RFC 1918, ULA),
 * link-local (where cloud metadata lives, 169.254.169.254), CGNAT, unspecified, multicast and
 * reserved ranges, and IPv4 mapped into IPv6.
 */
const FORBIDDEN = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) FORBIDDEN.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32], ['64:ff9b::', 96], ['fec0::', 10],
] as const) FORBIDDEN.addSubnet(net, prefix, 'ipv6');

const MAPPED_V4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** Why an address is refused, or undefined when a webhook may connect to it. `allowed` lists addresses configured as reachable. */
export const refusalOf = (address: string, allowed: readonly string[] = []): string | undefined => {
  const mapped = MAPPED_V4.exec(address)?.[1];
  const plain = mapped ?? address;
  const family = isIP(plain);
  if (family === 0) return `${address} is not an IP address`;
  if (allowed.includes(plain)) return undefined;
  if (FORBIDDEN.check(plain, family === 4 ? 'ipv4' : 'ipv6')) return `${address} is a loopback, private, link-local or reserved address`;
  return undefined;
};
