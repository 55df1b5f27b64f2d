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
 * Why a URL was refused: `reason` is what its owner is told (the 400 at creation, the delivery
 * log's `lastFailure`), `detail` what the server logs. A partner must not learn from us how our
 * internal names resolve (`vm` is 127.0.0.1) or what our resolver answered (docs/adr/0034,
 * addendum of the sixth session): only the log names addresses.
 */
export interface AddressRefusal {
  reason: string;
  detail: string;
}

export const NOT_PUBLIC = 'its host is not a public address';
export const UNRESOLVED = 'its host could not be resolved';

/**
 * Resolves the URL's host and checks every address it names (issue #11, SSRF). The caller connects
 * to the returned address, never resolving again, so a second answer (DNS rebinding) cannot slip
 * a private address in between the check and the connection.
 */
export const checkedAddress = async (rawUrl: string, options: SsrfOptions): Promise<Result<ResolvedAddress, AddressRefusal>> => {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return err({ reason: 'the URL is not absolute', detail: 'the URL is not absolute' });
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: readonly ResolvedAddress[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) === 6 ? 6 : 4 }];
  else {
    try {
      addresses = await options.resolve(host);
    } catch (error) {
      return err({ reason: UNRESOLVED, detail: `${host} does not resolve (${error instanceof Error ? error.message : String(error)})` });
    }
  }
  if (addresses.length === 0) return err({ reason: UNRESOLVED, detail: `${host} does not resolve` });
  for (const a of addresses) {
    const refusal = refusalOf(a.address, options.allowed);
    if (refusal) return err({ reason: NOT_PUBLIC, detail: `${host} resolves to ${refusal}` });
  }
  return ok(addresses[0]);
};
