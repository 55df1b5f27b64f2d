import { Type } from '@sinclair/typebox';
import jwt from 'jsonwebtoken';
import { scopesForRoles, StaffRoles, type StaffRole } from '@tss/contracts';
import { err, ok, type Result } from '../result';
import type { Principal } from './principal';
import { ConfigError } from '../config';
import type { JwksFetchObserver } from './jwks-status';
import { JwksKeySource, verifySignedJwt, type AccessTokenVerifier, type AuthFailure, type PublicKeySource } from './token-verifier';

/** Staff single sign-on: tokens of the company's OpenID Connect provider (docs/auth.md). */
export const OidcEnv = {
  TSS_OIDC_ISSUER: Type.Optional(Type.String({ minLength: 1, description: 'Issuer (iss) of staff tokens from the identity provider' })),
  TSS_OIDC_AUDIENCE: Type.Optional(Type.String({ minLength: 1 })),
  TSS_OIDC_JWKS_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  TSS_OIDC_ROLES_CLAIM: Type.String({ default: 'roles', description: 'Claim (dotted path) holding the staff roles' }),
};

export interface OidcSettings {
  issuer: string;
  audience: string;
  keys: PublicKeySource;
  /** Dotted path to the roles array, e.g. `roles` or `realm_access.roles`. */
  rolesClaim: string;
  nowSeconds: () => number;
}

const claimAt = (claims: Record<string, unknown>, path: string): unknown =>
  path.split('.').reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), claims);

/** A standard OIDC claim (`name`, `email`) when it is a usable string, cut to what a staff record holds. */
const textClaim = (value: unknown, maxLength: number): string | undefined => {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return text.length > 0 && text.length <= maxLength ? text : undefined;
};

const isStaffRole = (value: unknown): value is StaffRole => typeof value === 'string' && (StaffRoles as readonly string[]).includes(value);

/** Accepts the identity provider's tokens for staff; roles come from a configurable claim, unknown ones are ignored. */
export class OidcTokenVerifier implements AccessTokenVerifier {
  constructor(private readonly settings: OidcSettings) {}

  async verify(token: string | undefined): Promise<Result<Principal, AuthFailure>> {
    const verified = await verifySignedJwt(token, this.settings);
    if (!verified.ok) return verified;
    const claims = verified.value;
    const raw = claimAt(claims, this.settings.rolesClaim);
    // Sorted and unique: the same roles in another order are the same staff member, not a change.
    const roles = [...new Set((Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(/[\s,]+/) : []).filter(isStaffRole))].sort();
    const displayName = textClaim(claims.name, 200);
    const email = textClaim(claims.email, 320);
    return ok({
      kind: 'staff',
      subject: `${claims.iss}|${claims.sub}`,
      tokenId: typeof claims.jti === 'string' ? claims.jti : `${claims.iss}|${claims.sub}|${claims.iat ?? ''}`,
      roles,
      scopes: scopesForRoles(roles),
      singleSignOn: { ...(displayName ? { displayName } : {}), ...(email ? { email } : {}) },
    });
  }
}

/** Picks the verifier by the token's (unverified) issuer; each verifier then checks everything itself. */
export class IssuerRouter implements AccessTokenVerifier {
  constructor(
    private readonly primary: AccessTokenVerifier,
    private readonly byIssuer: ReadonlyMap<string, AccessTokenVerifier>,
  ) {}

  async verify(token: string | undefined): Promise<Result<Principal, AuthFailure>> {
    if (!token) return err({ kind: 'missing' });
    const payload = jwt.decode(token, { json: true });
    const other = typeof payload?.iss === 'string' ? this.byIssuer.get(payload.iss) : undefined;
    return (other ?? this.primary).verify(token);
  }
}

/**
 * TSS tokens always; the identity provider's too when TSS_OIDC_ISSUER, _AUDIENCE and _JWKS_URL are
 * all set (some but not all is a configuration error).
 */
export const withStaffSingleSignOn = (
  tss: AccessTokenVerifier,
  env: { TSS_OIDC_ISSUER?: string; TSS_OIDC_AUDIENCE?: string; TSS_OIDC_JWKS_URL?: string; TSS_OIDC_ROLES_CLAIM: string },
  nowMs: () => number,
  /** Told of each fetch of the provider's JWKS (services mode: a log line per outage and a gauge). */
  jwksObserver?: JwksFetchObserver,
): AccessTokenVerifier => {
  const given = [env.TSS_OIDC_ISSUER, env.TSS_OIDC_AUDIENCE, env.TSS_OIDC_JWKS_URL].filter(Boolean).length;
  if (given === 0) return tss;
  if (given < 3 || !env.TSS_OIDC_ISSUER || !env.TSS_OIDC_AUDIENCE || !env.TSS_OIDC_JWKS_URL) {
    throw new ConfigError(['TSS_OIDC_ISSUER, TSS_OIDC_AUDIENCE and TSS_OIDC_JWKS_URL go together: set all three or none']);
  }
  const oidc = new OidcTokenVerifier({
    issuer: env.TSS_OIDC_ISSUER,
    audience: env.TSS_OIDC_AUDIENCE,
    keys: new JwksKeySource(env.TSS_OIDC_JWKS_URL, nowMs, { observer: jwksObserver }),
    rolesClaim: env.TSS_OIDC_ROLES_CLAIM,
    nowSeconds: () => Math.floor(nowMs() / 1000),
  });
  return new IssuerRouter(tss, new Map([[env.TSS_OIDC_ISSUER, oidc]]));
};
