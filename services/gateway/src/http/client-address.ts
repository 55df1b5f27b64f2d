import { BlockList, isIP } from 'node:net';
import { Type } from '@sinclair/typebox';
import { ConfigError } from '@tss/service-kit';

/** Whether the hop at `address`, `hop` steps from this server (0: the peer), is a proxy we trust to report the one before it. */
export type ProxyTrust = (address: string, hop: number) => boolean;

const ADDRESS_OR_CIDR = '[0-9A-Fa-f:.]+(/[0-9]{1,3})?';

/** `TSS_TRUST_PROXY`, as fastify's trustProxy: `false`, `true`, a hop count, or addresses and CIDRs. */
export const TrustProxySetting = Type.String({
  pattern: `^(true|false|[0-9]+|${ADDRESS_OR_CIDR}(\\s*,\\s*${ADDRESS_OR_CIDR})*)$`,
  default: 'false',
  description:
    'Proxies (the ingress) whose X-Forwarded-For is believed: false (default), true (any), a hop count, or comma-separated addresses/CIDRs',
});

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is `10.0.0.1`. */
const normalise = (address: string): string => address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
const familyOf = (address: string): 'ipv4' | 'ipv6' => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

/** Parses a value that matched TrustProxySetting; an entry that is not an address or CIDR is a ConfigError. */
export const parseTrustProxy = (setting: string): ProxyTrust => {
  const value = setting.trim();
  if (value === 'false') return () => false;
  if (value === 'true') return () => true;
  if (/^[0-9]+$/.test(value)) {
    const hops = Number(value);
    return (_address, hop) => hop < hops;
  }
  const trusted = new BlockList();
  const problems: string[] = [];
  for (const entry of value.split(',').map((e) => e.trim())) {
    const [address, prefix] = entry.split('/');
    const family = isIP(address);
    const bits = Number(prefix);
    if (family === 0) problems.push(`TSS_TRUST_PROXY: ${entry} is not an IP address or CIDR`);
    else if (prefix === undefined) trusted.addAddress(address, familyOf(address));
    else if (bits > (family === 4 ? 32 : 128)) problems.push(`TSS_TRUST_PROXY: ${entry} has a prefix longer than the address`);
    else trusted.addSubnet(address, bits, familyOf(address));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return (address) => isIP(address) !== 0 && trusted.check(address, familyOf(address));
};

/**
 * The client's address behind trusted proxies (the algorithm of proxy-addr, which fastify's
 * trustProxy uses): walk X-Forwarded-For from the right, starting at the peer, while the hop is
 * trusted. Entries left of the first untrusted hop are whatever the client wrote, never believed.
 */
export const clientAddress = (peerAddress: string, forwardedFor: string | string[] | undefined, trust: ProxyTrust): string => {
  const forwarded = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? ''))
    .split(',')
    .map((a) => normalise(a.trim()))
    .filter(Boolean)
    .reverse();
  const chain = [normalise(peerAddress), ...forwarded];
  let hop = 0;
  while (hop < chain.length - 1 && trust(chain[hop], hop)) hop += 1;
  return chain[hop];
};
