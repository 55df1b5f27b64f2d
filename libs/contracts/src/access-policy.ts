import type { StaffRole } from './domain-values';

/**
 * Scopes: what an access token allows. docs/auth.md lists the operations behind each; every
 * service enforces them (403 otherwise).
 */
export const PARTNER_SCOPES = ['tickets:read', 'tickets:write', 'requesters:tokens', 'webhooks:manage'] as const;

/** A requester (a partner's client) acts on its own tickets only. */
export const REQUESTER_SCOPES = ['tickets:read', 'tickets:write'] as const;

export const STAFF_SCOPES: Readonly<Record<StaffRole, readonly string[]>> = {
  agent: ['tickets:read', 'tickets:write', 'queue:read'],
  team_lead: ['tickets:read', 'tickets:write', 'queue:read', 'escalations:manage'],
  developer: ['tickets:read', 'tickets:write', 'queue:read'],
  quality: ['tickets:read', 'reports:read'],
  admin: ['admin', 'tickets:read', 'queue:read', 'reports:read'],
};

export const scopesForRoles = (roles: readonly StaffRole[]): string[] => [...new Set(roles.flatMap((r) => STAFF_SCOPES[r] ?? []))];
