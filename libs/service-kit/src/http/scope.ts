import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal';
import type { Failure } from '../problem';
import { err, ok, type Result } from '../result';

/** A partner's API client: everything of that partner. */
export interface PartnerScope {
  kind: 'partner';
  partnerId: string;
}
/** A token a partner minted for one of its clients: that client's tickets of that partner. */
export interface RequesterScope {
  kind: 'requester';
  partnerId: string;
  requesterId: string;
  /** The requester's address, when the partner vouched for one in the token: the only one its filings may name. */
  email?: string;
  /**
   * The support site acts for a link minted through the API: its minter (a partner's client or a
   * staff member) and the link. A staff member's link acts as that staff member in the record and
   * never rates (docs/adr/0037 and 0040, addenda of 2026-12-04, fifth session).
   */
  mintedBy?: { kind: 'partner' | 'staff'; id: string; siteLinkId?: string };
}
/** Support staff: what their roles allow, across partners. */
export interface StaffScope {
  kind: 'staff';
  /** The staff member's id (the token's subject): who claims, replies, reclassifies. */
  staffId: string;
  roles: readonly string[];
}

/** What one request may read and change (DESIGN "Tenancy"): decided once, at the edge, per request. */
export type RequestScope = PartnerScope | RequesterScope | StaffScope;
export type ScopeKind = RequestScope['kind'];

/**
 * Who may call a route: `config: { access: { kinds, scopes, roles } }`. The token's kind must be one
 * of `kinds`; when `scopes` or `roles` are given, it must hold one of those scopes or roles.
 */
export interface AccessRule {
  kinds: readonly ScopeKind[];
  scopes?: readonly string[];
  roles?: readonly string[];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: AccessRule;
  }
  interface FastifyRequest {
    scope?: RequestScope;
  }
}

const forbidden = (detail: string): Failure => ({ kind: 'forbidden', detail });

/** The scope a verified principal acts in; a partner or requester token that names no partner has none. */
const scopeOfPrincipal = (principal: Principal): Result<RequestScope, Failure> => {
  switch (principal.kind) {
    case 'partner':
      return principal.partnerId ? ok({ kind: 'partner', partnerId: principal.partnerId }) : err(forbidden('The token names no partner.'));
    case 'requester':
      return principal.partnerId && principal.requesterId
        ? ok({
            kind: 'requester',
            partnerId: principal.partnerId,
            requesterId: principal.requesterId,
            ...(principal.requesterEmail ? { email: principal.requesterEmail } : {}),
            ...(principal.actor ? { mintedBy: principal.actor } : {}),
          })
        : err(forbidden('The token names no partner and requester.'));
    case 'staff':
      return ok({ kind: 'staff', staffId: principal.subject, roles: [...principal.roles] });
  }
};

/** The scope of a principal under a route's access rule, or the 403 failure that refuses it. */
export const checkAccess = (principal: Principal, rule: AccessRule): Result<RequestScope, Failure> => {
  if (!rule.kinds.includes(principal.kind)) return err(forbidden(`This operation is not open to ${principal.kind} tokens.`));
  const needsGrant = rule.scopes !== undefined || rule.roles !== undefined;
  const granted = (rule.scopes ?? []).some((s) => principal.scopes.includes(s)) || (rule.roles ?? []).some((r) => principal.roles.includes(r));
  if (needsGrant && !granted) return err(forbidden('The access token does not allow this operation.'));
  return scopeOfPrincipal(principal);
};

/**
 * The request's scope, narrowed to the kinds the route's access rule admits. Only for routes
 * that declare `config.access` with those kinds: anything else is a bug in the route.
 */
export const scopeOf = <K extends ScopeKind>(request: FastifyRequest, ...kinds: K[]): Extract<RequestScope, { kind: K }> => {
  const scope = request.scope;
  if (!scope) throw new Error(`${request.method} ${request.routeOptions.url}: no request scope; declare config.access on the route`);
  if (!(kinds as ScopeKind[]).includes(scope.kind)) throw new Error(`${request.method} ${request.routeOptions.url}: scope ${scope.kind} not in ${kinds.join(', ')}`);
  return scope as Extract<RequestScope, { kind: K }>;
};

/** The requester a query must be limited to: the requester's own id, none for partners and staff. */
export const requesterOf = (scope: RequestScope): string | undefined => (scope.kind === 'requester' ? scope.requesterId : undefined);
