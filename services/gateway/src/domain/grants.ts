import type { StaffRole } from '@tss/contracts';

export type ClientKind = 'partner' | 'staff';

/** What each kind of client may ask for (docs/auth.md lists the operations behind each scope). */
export const PARTNER_SCOPES = ['tickets:read', 'tickets:write', 'requesters:tokens', 'webhooks:manage'] as const;
export const STAFF_SCOPES: Readonly<Record<StaffRole, readonly string[]>> = {
  agent: ['tickets:read', 'tickets:write', 'queue:read'],
  team_lead: ['tickets:read', 'tickets:write', 'queue:read', 'escalations:manage'],
  developer: ['tickets:read', 'tickets:write', 'queue:read'],
  quality: ['tickets:read', 'reports:read'],
  admin: ['admin', 'tickets:read', 'queue:read', 'reports:read'],
};

export const allowedScopes = (kind: ClientKind, roles: readonly StaffRole[]): string[] =>
  kind === 'partner' ? [...PARTNER_SCOPES] : [...new Set(roles.flatMap((r) => STAFF_SCOPES[r]))];

export type ScopeGrant = { ok: true; scopes: string[] } | { ok: false; invalid: string[] };

/** RFC 6749 §3.3: no scope asked means everything the client may have; asking beyond it is invalid_scope. */
export const grantScopes = (requested: string | undefined, allowed: readonly string[]): ScopeGrant => {
  if (!requested?.trim()) return { ok: true, scopes: [...allowed] };
  const asked = [...new Set(requested.trim().split(/\s+/))];
  const invalid = asked.filter((s) => !allowed.includes(s));
  return invalid.length > 0 ? { ok: false, invalid } : { ok: true, scopes: asked };
};
