import type { StaffRole } from './domain-values';

/**
 * Scopes: what an access token allows. docs/auth.md lists the operations behind each; every
 * service enforces them (403 otherwise).
 */
export const PARTNER_SCOPES = ['tickets:read', 'tickets:write', 'requesters:tokens', 'webhooks:manage'] as const;

/** A requester (a partner's client) acts on its own tickets only. */
export const REQUESTER_SCOPES = ['tickets:read', 'tickets:write'] as const;

export const STAFF_SCOPES: Readonly<Record<StaffRole, readonly string[]>> = {
  agent: ['tickets:read', 'tickets:write', 'queue:read', 'escalations:read'],
  // P7: the team leader takes up breaches and low ratings, so reads the SLA and quality reports (docs/auth.md).
  team_lead: ['tickets:read', 'tickets:write', 'queue:read', 'escalations:read', 'escalations:manage', 'reports:read'],
  developer: ['tickets:read', 'tickets:write', 'queue:read', 'escalations:read'],
  // P7: the quality department, once involved, adds internal notes (`notes:write`) and records an outcome.
  quality: ['tickets:read', 'reports:read', 'escalations:read', 'notes:write'],
  admin: ['admin', 'tickets:read', 'queue:read', 'reports:read', 'escalations:read', 'escalations:manage'],
};

/**
 * The roles that work tickets (docs/auth.md): they claim from the queue and change tickets, so a
 * ticket may be assigned to a staff member holding one. Quality and admin read, never work, them.
 */
export const TICKET_WORKING_ROLES: readonly StaffRole[] = ['agent', 'team_lead', 'developer'];

export const scopesForRoles = (roles: readonly StaffRole[]): string[] => [...new Set(roles.flatMap((r) => STAFF_SCOPES[r] ?? []))];
