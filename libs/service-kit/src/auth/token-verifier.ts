import { createPublicKey, type KeyObject } from 'node:crypto';
import jwt, { type JwtHeader, type JwtPayload } from 'jsonwebtoken';
import { ServiceUnavailableError } from '../infrastructure-errors';
import { err, ok, type Result } from '../result';
import type { Principal } from './principal';

/**
 * Where verification keys come from: the gateway's key ring in process, or its JWKS over HTTP.
 * The gateway's source also answers revocation (disabled clients); a JWKS cannot.
 */
export interface PublicKeySource {
  getKey(kid: string): Promise<KeyObject | undefined>;
  isRevoked?(claims: AccessTokenClaims): Promise<boolean>;
}

export type AuthFailure = { kind: 'missing' } | { kind: 'invalid'; reason: string } | { kind: 'revoked' };

export interface TokenVerifierOptions {
  issuer: string;
  audience: string;
  keys: PublicKeySource;
  /** Deny-list check (a disabled client's tokens die at once). */
  isRevoked?: (claims: AccessTokenClaims) => Promise<boolean>;
  /** Verification time in seconds since the epoch, from the injected clock. */
  nowSeconds: () => number;
}

/** The TSS-specific claims of an access token (docs/auth.md). */
export interface TssClaims {
  sub: string;
  kind: Principal['kind'];
  client_id?: string;
  partner_id?: string;
  requester_id?: string;
  roles?: string[];
  scope?: string;
  /** The issuing client's token version: revocation (gateway). */
  ver?: number;
}

export type AccessTokenClaims = JwtPayload & TssClaims & { jti: string };

/** Only asymmetric algorithms: `none` and HS256-signed-with-the-public-key are refused by construction. */
export const ACCEPTED_ALGORITHMS: jwt.Algorithm[] = ['RS256', 'ES256'];
export const CLOCK_TOLERANCE_SECONDS = 30;

/** Anything that turns a bearer token into a principal (TSS tokens, the identity provider's). */
export interface AccessTokenVerifier {
  verify(token: string | undefined): Promise<Result<Principal, AuthFailure>>;
}

/**
 * Checks signature (algorithms pinned, key by `kid`), issuer, audience and expiry (30 s tolerance)
 * and returns the claims. Shared by TSS tokens and the identity provider's.
 */
export const verifySignedJwt = async (
  token: string | undefined,
  options: { issuer: string; audience: string; keys: PublicKeySource; nowSeconds: () => number },
): Promise<Result<JwtPayload & { sub: string }, AuthFailure>> => {
  if (!token) return err({ kind: 'missing' });
  const decoded = jwt.decode(token, { complete: true });
  if (!decoded || typeof decoded.payload === 'string') return err({ kind: 'invalid', reason: 'malformed token' });
  const header: JwtHeader = decoded.header;
  if (!header.alg || !ACCEPTED_ALGORITHMS.includes(header.alg as jwt.Algorithm)) return err({ kind: 'invalid', reason: `algorithm ${header.alg} not accepted` });
  if (!header.kid) return err({ kind: 'invalid', reason: 'token has no kid' });
  // A key source that cannot answer (database or JWKS down) throws: the request gets a 503, not a 401.
  const key = await options.keys.getKey(header.kid);
  if (!key) return err({ kind: 'invalid', reason: 'unknown signing key' });
  let claims: JwtPayload;
  try {
    claims = jwt.verify(token, key, {
      algorithms: ACCEPTED_ALGORITHMS,
      issuer: options.issuer,
      audience: options.audience,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      clockTimestamp: options.nowSeconds(),
    }) as JwtPayload;
  } catch (error) {
    return err({ kind: 'invalid', reason: (error as Error).message });
  }
  if (typeof claims.exp !== 'number') return err({ kind: 'invalid', reason: 'token has no expiry' });
  if (typeof claims.sub !== 'string') return err({ kind: 'invalid', reason: 'token has no sub' });
  return ok(claims as JwtPayload & { sub: string });
};

/** TSS access tokens, issued by the gateway. */
export class TokenVerifier implements AccessTokenVerifier {
  constructor(private readonly options: TokenVerifierOptions) {}

  async verify(token: string | undefined): Promise<Result<Principal, AuthFailure>> {
    const verified = await verifySignedJwt(token, this.options);
    if (!verified.ok) return verified;
    const claims = verified.value as AccessTokenClaims;
    if (typeof claims.jti !== 'string') return err({ kind: 'invalid', reason: 'token lacks jti' });
    if (claims.kind !== 'partner' && claims.kind !== 'requester' && claims.kind !== 'staff') return err({ kind: 'invalid', reason: 'unknown token kind' });
    const isRevoked = this.options.isRevoked ?? ((c: AccessTokenClaims) => this.options.keys.isRevoked?.(c) ?? Promise.resolve(false));
    if (await isRevoked(claims)) return err({ kind: 'revoked' });
    return ok({
      kind: claims.kind,
      subject: claims.sub,
      tokenId: claims.jti,
      clientId: claims.client_id,
      partnerId: claims.partner_id,
      requesterId: claims.requester_id,
      roles: Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [],
      scopes: typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [],
    });
  }
}

/** Keys from a JWKS document, fetched over HTTP and cached; unknown kids trigger one refetch at most every `minRefreshMs`. */
export class JwksKeySource implements PublicKeySource {
  private keys = new Map<string, KeyObject>();
  private fetchedAtMs = 0;

  constructor(
    private readonly url: string,
    private readonly nowMs: () => number,
    private readonly minRefreshMs = 30_000,
  ) {}

  async getKey(kid: string): Promise<KeyObject | undefined> {
    if (!this.keys.has(kid) && this.nowMs() - this.fetchedAtMs >= this.minRefreshMs) await this.refresh();
    return this.keys.get(kid);
  }

  private async refresh(): Promise<void> {
    this.fetchedAtMs = this.nowMs();
    let response: Response;
    try {
      response = await fetch(this.url, { signal: AbortSignal.timeout(3_000) });
    } catch (error) {
      throw new ServiceUnavailableError(`JWKS ${this.url} unreachable`, { cause: error });
    }
    if (!response.ok) throw new ServiceUnavailableError(`JWKS ${this.url} answered ${response.status}`);
    const body = (await response.json()) as { keys?: (Record<string, unknown> & { kid?: string })[] };
    const next = new Map<string, KeyObject>();
    for (const jwk of body.keys ?? []) {
      if (typeof jwk.kid === 'string') next.set(jwk.kid, createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' }));
    }
    this.keys = next;
  }
}
