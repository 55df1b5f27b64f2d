/** Who is calling, as proven by a verified access token. */
export interface Principal {
  /** `partner` clients act for a partner; `requester` tokens are minted by a partner for one of its clients; `staff` are support people. */
  kind: 'partner' | 'requester' | 'staff';
  subject: string;
  tokenId: string;
  clientId?: string;
  partnerId?: string;
  requesterId?: string;
  /** A requester token's e-mail address, vouched for by the partner that minted it. */
  requesterEmail?: string;
  roles: string[];
  scopes: string[];
  /**
   * A requester token the support site made for a link minted through the API: who minted it (a
   * partner's client, a staff member) and the link. Its acts are the minter's (docs/adr/0037, fifth session).
   */
  actor?: { kind: 'partner' | 'staff'; id: string; siteLinkId?: string };
  /**
   * Set for staff signed in through the company's identity provider (subject `<iss>|<sub>`): the
   * name and e-mail its token states, which the gateway records and announces (docs/auth.md).
   */
  singleSignOn?: { displayName?: string; email?: string };
}

export const hasScope = (principal: Principal, scope: string): boolean => principal.scopes.includes(scope);
export const hasRole = (principal: Principal, ...roles: string[]): boolean => roles.some((r) => principal.roles.includes(r));
