import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { err, ok, type Result } from '@tss/service-kit';
import { refusalOf } from '../domain/ssrf-policy';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Name resolution, injectable so tests can answer differently on the second call (DNS rebinding). */
export type Resolve = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export const systemResolve: Resolve = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

export interface SsrfOptions {
  resolve: Resolve;
  /** Addresses configured as reachable (`WEBHOOK_ALLOW_PRIVATE_HOSTS`), e.g. `127.0.0.1` in tests. */
  allowed: readonly string[];
}

/**
 * Resolves the URL's host and checks every address it names (issue #11, SSRF). The caller connects
 * to the returned address, never resolving again, so a second answer (DNS rebinding) cannot slip
 * a private address in between the check and the connection.
 */
export const checkedAddress = async (rawUrl: string, options: SsrfOptions): Promise<Result<ResolvedAddress, string>> => {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return err('the URL is not absolute');
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: readonly ResolvedAddress[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) === 6 ? 6 : 4 }];
  else {
    try {
      addresses = await options.resolve(host);
    } catch (error) {
      return err(`${host} does not resolve (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  if (addresses.length === 0) return err(`${host} does not resolve`);
  for (const a of addresses) {
    const refusal = refusalOf(a.address, options.allowed);
    if (refusal) return err(`${host} resolves to ${refusal}`);
  }
  return ok(addresses[0]);
};
