import { PARTNER_SCOPES, scopesForRoles, type StaffRole } from '@tss/contracts';

export type ClientKind = 'partner' | 'staff';

/** Everything a client of this kind and these roles may be granted. */
export const allowedScopes = (kind: ClientKind, roles: readonly StaffRole[]): string[] =>
  kind === 'partner' ? [...PARTNER_SCOPES] : scopesForRoles(roles);

export type ScopeGrant = { ok: true; scopes: string[] } | { ok: false; invalid: string[] };

/** RFC 6749 §3.3: no scope asked means everything the client may have; asking beyond it is invalid_scope. */
export const grantScopes = (requested: string | undefined, allowed: readonly string[]): ScopeGrant => {
  if (!requested?.trim()) return { ok: true, scopes: [...allowed] };
  const asked = [...new Set(requested.trim().split(/\s+/))];
  const invalid = asked.filter((s) => !allowed.includes(s));
  return invalid.length > 0 ? { ok: false, invalid } : { ok: true, scopes: asked };
};

/**
 * Token revocation (docs/adr/0012): a token names its client and the client's token version; a
 * disabled client, or a version bumped by disabling or rotating, revokes it.
 */
export const isTokenRevoked = (client: { active: boolean; tokenVersion: number } | null, tokenVersion: unknown): boolean =>
  !client || !client.active || tokenVersion !== client.tokenVersion;

/**
 * A client acts while it is enabled and, for a partner's client, while its partner is active:
 * deactivating a partner refuses every client of it at once (docs/adr/0012 addendum). A staff
 * client has no partner (`null`).
 */
export const isClientInGoodStanding = (client: { active: boolean }, partnerActive: boolean | null): boolean => client.active && partnerActive !== false;
