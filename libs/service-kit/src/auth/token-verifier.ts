import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import jwt, { type JwtHeader, type JwtPayload } from 'jsonwebtoken';
import { ServiceUnavailableError } from '../infrastructure-errors';
import { err, ok, type Result } from '../result';
import type { JwksFetchObserver } from './jwks-status';
import type { Principal } from './principal';
import { isCurrent, VerifiedTokens, type VerifiedToken } from './verified-tokens';

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
  /** A requester token's e-mail address, as the partner that minted it vouched for it. */
  requester_email?: string;
  roles?: string[];
  scope?: string;
  /** The issuing client's token version: revocation (gateway). */
  ver?: number;
  /**
   * RFC 8693 §4.1 actor: who acts through a support-site token, when it is not the requester alone
   * (the link was minted through the API by a partner's client or a staff member), with the link.
   */
  act?: { kind: 'partner' | 'staff'; sub: string; link_id?: string };
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
 * and returns the claims, with the key that checked them. Shared by TSS tokens and the identity provider's.
 */
const checkSignedJwt = async (
  token: string | undefined,
  options: { issuer: string; audience: string; keys: PublicKeySource; nowSeconds: () => number },
): Promise<Result<VerifiedToken, AuthFailure>> => {
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
  return ok({ claims: claims as JwtPayload & { sub: string }, kid: header.kid, key });
};

/**
 * Checks signature (algorithms pinned, key by `kid`), issuer, audience and expiry (30 s tolerance)
 * and returns the claims. Shared by TSS tokens and the identity provider's.
 */
export const verifySignedJwt = async (
  token: string | undefined,
  options: { issuer: string; audience: string; keys: PublicKeySource; nowSeconds: () => number },
): Promise<Result<JwtPayload & { sub: string }, AuthFailure>> => {
  const checked = await checkSignedJwt(token, options);
  return checked.ok ? ok(checked.value.claims) : checked;
};

/** The principal's `actor` from a token's `act` claim; nothing when it names none it can read. */
const actorOf = (act: unknown): Pick<Principal, 'actor'> => {
  if (typeof act !== 'object' || act === null) return {};
  const { kind, sub, link_id: linkId } = act as Record<string, unknown>;
  if ((kind !== 'partner' && kind !== 'staff') || typeof sub !== 'string') return {};
  return { actor: { kind, id: sub, ...(typeof linkId === 'string' ? { siteLinkId: linkId } : {}) } };
};

/** TSS access tokens, issued by the gateway. */
export class TokenVerifier implements AccessTokenVerifier {
  /** Signatures already checked, by the token's text (docs/adr/0086): a partner sends one token many times. */
  private readonly verified = new VerifiedTokens();

  constructor(private readonly options: TokenVerifierOptions) {}

  async verify(token: string | undefined): Promise<Result<Principal, AuthFailure>> {
    const verified = await this.signed(token);
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
      ...(typeof claims.requester_email === 'string' ? { requesterEmail: claims.requester_email } : {}),
      ...actorOf(claims.act),
      roles: Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [],
      scopes: typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [],
    });
  }

  /**
   * The token's signed claims: from an earlier check of the same text while that check still holds
   * (the same key for its kid, within its lifetime: `isCurrent`), else checked afresh and remembered.
   */
  private async signed(token: string | undefined): Promise<Result<JwtPayload & { sub: string }, AuthFailure>> {
    const known = token === undefined ? undefined : this.verified.recall(token);
    if (known && isCurrent(known, await this.options.keys.getKey(known.kid), this.options.nowSeconds(), CLOCK_TOLERANCE_SECONDS)) return ok(known.claims);
    if (token !== undefined) this.verified.forget(token);
    const checked = await checkSignedJwt(token, this.options);
    if (!checked.ok) return checked;
    if (token !== undefined) this.verified.remember(token, checked.value);
    return ok(checked.value.claims);
  }
}

/** How long a verifier trusts its copy of the JWKS: the gateway pre-publishes new keys for longer (docs/adr/0014). */
export const JWKS_CACHE_MAX_AGE_MS = 5 * 60_000;
/** An unknown kid refetches the JWKS at most this often, so junk kids cannot flood the JWKS endpoint. */
export const JWKS_COOLDOWN_MS = 30_000;

export interface JwksKeySourceOptions {
  cacheMaxAgeMs?: number;
  cooldownMs?: number;
  fetchTimeoutMs?: number;
  /** Told of every fetch's outcome (services mode: `JwksStatus`, a log line per outage and a gauge). */
  observer?: JwksFetchObserver;
}

type Jwk = Record<string, unknown> & { kid?: unknown; d?: unknown; use?: unknown };

/**
 * Keys from a JWKS document over HTTP (the gateway's, or the identity provider's), cached:
 * - one fetch at a time: callers that arrive while it runs wait for it and see its keys;
 * - the copy counts as fetched only once a fetch has succeeded, so a failed fetch does not hold
 *   back the next try (it used to refuse every new kid for 30 s as "unknown signing key");
 * - after `cacheMaxAgeMs` the set is fetched again in the background while known keys keep
 *   verifying, even if that fetch fails (a JWKS outage does not turn into 401s or waits);
 * - an unknown kid refetches at most once per `cooldownMs`.
 * (jose's createRemoteJWKSet does the same, but Jest, as configured here, cannot load ESM-only
 * jose; and this one reads time from the injected clock.)
 */
export class JwksKeySource implements PublicKeySource {
  private keys = new Map<string, KeyObject>();
  private fetchedAtMs?: number;
  private inFlight?: Promise<void>;
  private readonly cacheMaxAgeMs: number;
  private readonly cooldownMs: number;
  private readonly fetchTimeoutMs: number;
  private readonly observer?: JwksFetchObserver;

  constructor(
    private readonly url: string,
    private readonly nowMs: () => number,
    options: JwksKeySourceOptions = {},
  ) {
    this.cacheMaxAgeMs = options.cacheMaxAgeMs ?? JWKS_CACHE_MAX_AGE_MS;
    this.cooldownMs = options.cooldownMs ?? JWKS_COOLDOWN_MS;
    this.fetchTimeoutMs = options.fetchTimeoutMs ?? 3_000;
    this.observer = options.observer;
  }

  async getKey(kid: string): Promise<KeyObject | undefined> {
    if (this.fetchedAtMs === undefined) await this.refresh(); // nothing to fall back on: a failure is the caller's 503
    const fetchedAtMs = this.fetchedAtMs ?? 0;
    const known = this.keys.get(kid);
    if (known) {
      // Stale-while-revalidate: a known key answers at once, never waiting on (or failing with) a refetch.
      if (this.nowMs() - fetchedAtMs >= this.cacheMaxAgeMs) this.refreshInBackground();
      return known;
    }
    if (this.inFlight || this.nowMs() - fetchedAtMs >= this.cooldownMs) await this.refresh();
    return this.keys.get(kid);
  }

  private refreshInBackground(): void {
    // A failure leaves the copy as it was, still stale: the next request tries again.
    this.refresh().catch(() => undefined);
  }

  private refresh(): Promise<void> {
    this.inFlight ??= this.fetchKeys()
      .then(
        (keys) => {
          this.keys = keys;
          this.fetchedAtMs = this.nowMs();
          this.observer?.fetched();
        },
        (error: unknown) => {
          this.observer?.failed(error);
          throw error;
        },
      )
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  private async fetchKeys(): Promise<Map<string, KeyObject>> {
    let response: Response;
    try {
      response = await fetch(this.url, { signal: AbortSignal.timeout(this.fetchTimeoutMs), headers: { accept: 'application/jwk-set+json, application/json' } });
    } catch (error) {
      throw new ServiceUnavailableError(`JWKS ${this.url} unreachable`, { cause: error });
    }
    if (!response.ok) throw new ServiceUnavailableError(`JWKS ${this.url} answered ${response.status}`);
    let body: unknown;
    try {
      body = await response.json();
    } catch (error) {
      throw new ServiceUnavailableError(`JWKS ${this.url} is not JSON`, { cause: error });
    }
    const listed: unknown = typeof body === 'object' && body !== null && 'keys' in body ? body.keys : undefined;
    if (!Array.isArray(listed)) throw new ServiceUnavailableError(`JWKS ${this.url} has no keys array`);
    const next = new Map<string, KeyObject>();
    for (const jwk of listed as Jwk[]) {
      // Only public signing keys with a kid; a member that is not one is skipped, not fatal.
      if (typeof jwk?.kid !== 'string' || jwk.d !== undefined || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
      const key = publicKeyOf(jwk);
      if (key) next.set(jwk.kid, key);
    }
    return next;
  }
}

const publicKeyOf = (jwk: Jwk): KeyObject | undefined => {
  try {
    return createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch {
    return undefined; // an algorithm or curve node cannot import: that kid stays unknown
  }
};
