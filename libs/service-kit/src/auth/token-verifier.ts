import { createPublicKey, type KeyObject } from 'node:crypto';
import jwt, { type JwtHeader, type JwtPayload } from 'jsonwebtoken';
import { err, ok, type Result } from '../result';
import type { Principal } from './principal';

/** Where verification keys come from: the gateway's key store in process, or its JWKS over HTTP. */
export interface PublicKeySource {
  getKey(kid: string): Promise<KeyObject | undefined>;
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
}

export type AccessTokenClaims = JwtPayload & TssClaims & { jti: string };

/** Only asymmetric algorithms: `none` and HS256-signed-with-the-public-key are refused by construction. */
export const ACCEPTED_ALGORITHMS: jwt.Algorithm[] = ['RS256', 'ES256'];
export const CLOCK_TOLERANCE_SECONDS = 30;

export class TokenVerifier {
  constructor(private readonly options: TokenVerifierOptions) {}

  async verify(token: string | undefined): Promise<Result<Principal, AuthFailure>> {
    if (!token) return err({ kind: 'missing' });
    const decoded = jwt.decode(token, { complete: true });
    if (!decoded || typeof decoded.payload === 'string') return err({ kind: 'invalid', reason: 'malformed token' });
    const header: JwtHeader = decoded.header;
    if (!header.alg || !ACCEPTED_ALGORITHMS.includes(header.alg as jwt.Algorithm)) return err({ kind: 'invalid', reason: `algorithm ${header.alg} not accepted` });
    if (!header.kid) return err({ kind: 'invalid', reason: 'token has no kid' });
    const key = await this.options.keys.getKey(header.kid);
    if (!key) return err({ kind: 'invalid', reason: 'unknown signing key' });
    let claims: AccessTokenClaims;
    try {
      claims = jwt.verify(token, key, {
        algorithms: ACCEPTED_ALGORITHMS,
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        clockTimestamp: this.options.nowSeconds(),
      }) as AccessTokenClaims;
    } catch (error) {
      return err({ kind: 'invalid', reason: (error as Error).message });
    }
    if (typeof claims.exp !== 'number') return err({ kind: 'invalid', reason: 'token has no expiry' });
    if (typeof claims.sub !== 'string' || typeof claims.jti !== 'string') return err({ kind: 'invalid', reason: 'token lacks sub or jti' });
    if (claims.kind !== 'partner' && claims.kind !== 'requester' && claims.kind !== 'staff') return err({ kind: 'invalid', reason: 'unknown token kind' });
    if (this.options.isRevoked && (await this.options.isRevoked(claims))) return err({ kind: 'revoked' });
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
    const response = await fetch(this.url, { signal: AbortSignal.timeout(3_000) });
    if (!response.ok) throw new Error(`JWKS ${this.url} answered ${response.status}`);
    const body = (await response.json()) as { keys?: (Record<string, unknown> & { kid?: string })[] };
    const next = new Map<string, KeyObject>();
    for (const jwk of body.keys ?? []) {
      if (typeof jwk.kid === 'string') next.set(jwk.kid, createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' }));
    }
    this.keys = next;
  }
}
