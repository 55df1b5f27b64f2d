import { createHash } from 'node:crypto';
import { err, ok, type Result, type SiteLinkGrant } from '@tss/service-kit';
import { isClientInGoodStanding } from '../domain/grants';
import { findClientStanding } from '../store/client-standing';
import { PartnerEntity } from '../store/gateway.entities';
import { siteLinkRevocationStore } from '../store/site-link-revocation.store';
import { ssoStaffStore } from '../store/sso-staff.store';
import { issueSiteToken } from './issue-token';
import type { SiteDeps } from './site-deps';

/** A requester of the public form who gave no address (file-site-request.ts): no mail reaches them. */
export const isVisitor = (requester: string): boolean => requester.startsWith('visitor:');

/**
 * Why a link opens nothing: forged, malformed or unknown (404); past its expiry, or revoked (its
 * minter's say-so withdrawn too, or its partner deactivated), both 410, told apart to the reader.
 * Nothing is recorded.
 */
export type SiteLinkRefusal = 'not_found' | 'expired' | 'revoked';

/**
 * A refused link, and the language its page is in when the link's signature holds (revoked, or
 * expired: the signature is checked whatever the expiry). A link whose signature fails names no
 * language anyone vouches for: its page follows the browser's.
 */
export interface RefusedSiteLink {
  refusal: SiteLinkRefusal;
  language?: string;
}

export interface SiteSession {
  grant: SiteLinkGrant;
  /** A short-lived requester token for the grant's requester, to call intake with. */
  requesterToken: string;
}

/** The path of the link's ticket in the API: intake's, and the routes other services serve under it (`/sla`, `/rating`). */
export const ticketPath = (session: SiteSession, rest = ''): string => `/v1/tickets/${session.grant.ticketId}${rest}`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * docs/auth.md "Revocation": a disabled client's tokens, and the requester tokens it minted, stop at
 * once; so do the links it minted (the link names its minter, docs/adr/0037 addendum). A staff
 * minter is a staff client (its client id) or a single sign-on member (`<iss>|<sub>`, whose record's
 * `active` an admin sets); a partner minter is one of the link's partner's clients, or the partner
 * itself when its token named no client. Read on every opening, so no cache delays a disabling.
 * A minter the gateway does not know is refused: a link acts for its minter, and nobody vouches for it.
 */
const isMinterInGoodStanding = async (deps: SiteDeps, grant: SiteLinkGrant): Promise<boolean> => {
  const minter = grant.mintedBy;
  if (!minter) return true; // a mail's link, minted by notification for the requester
  const standing = await findClientStanding(deps.dataSource, minter.id);
  if (standing) {
    const ownPartner = minter.kind === 'staff' ? standing.client.partnerId === null : standing.client.partnerId === grant.partnerId;
    return ownPartner && isClientInGoodStanding(standing.client, standing.partnerActive);
  }
  if (minter.kind === 'partner') return minter.id === grant.partnerId;
  return (await ssoStaffStore.find(deps.dataSource, minter.id))?.active === true;
};

/**
 * Opens a support-site link: its signature and expiry (service-kit's SiteLinkKeys), its
 * revocation, its minter's standing, and its partner, then a requester token for the grant's (partner, requester) that
 * names the partner's site client (docs/adr/0037).
 */
export const openSiteLink = async (deps: SiteDeps, token: string): Promise<Result<SiteSession, RefusedSiteLink>> => {
  const verified = deps.links.verify(token, deps.clock.now());
  if (!verified.ok) {
    if (verified.error !== 'expired') return err({ refusal: 'not_found' });
    // Expired, so its signature held: the link's language is its minter's word still.
    const signed = deps.links.readSigned(token);
    return err({ refusal: 'expired', ...(signed.ok && signed.value.language ? { language: signed.value.language } : {}) });
  }
  const grant = verified.value;
  const withdrawn: RefusedSiteLink = { refusal: 'revoked', ...(grant.language ? { language: grant.language } : {}) };
  if (!UUID.test(grant.ticketId) || !UUID.test(grant.partnerId)) return err({ refusal: 'not_found' });
  if (await siteLinkRevocationStore.isRevoked(deps.dataSource.manager, grant.linkId, grant.ticketId)) return err(withdrawn);
  // Refused as a revoked link is (410): the link was good, its minter's say-so is withdrawn.
  if (!(await isMinterInGoodStanding(deps, grant))) return err(withdrawn);
  const partner = await deps.dataSource.getRepository(PartnerEntity).findOneBy({ id: grant.partnerId });
  if (!partner) return err({ refusal: 'not_found' });
  // A genuine link of a deactivated partner is withdrawn, not unknown: 410 as a revoked one, whoever
  // minted it (a mail's link names no minter), and it opens again once the partner is reactivated.
  if (!partner.active) return err(withdrawn);
  const requesterToken = await issueSiteToken(
    { keys: deps.keys, clock: deps.clock, settings: deps.tokenSettings },
    {
      partnerId: partner.id,
      siteTokenVersion: partner.siteTokenVersion,
      requester: grant.requester,
      ...(grant.mintedBy ? { mintedBy: grant.mintedBy, siteLinkId: grant.linkId } : {}),
    },
  );
  return ok({ grant, requesterToken });
};

/**
 * Who posts a public form, as the edge's rate limit tells callers apart: their address, digested so
 * that it is not carried in a token or a log line as it is.
 */
const visitorOf = (address: string): string => createHash('sha256').update(`tss/site/visitor-address/v1:${address}`).digest('base64url').slice(0, 22);

/**
 * The partner whose public form is open (`siteEnabled`), and a partner token to file with for the
 * visitor at `visitorAddress` (each visitor has a rate budget of their own: docs/adr/0011 addendum);
 * undefined when it is not open.
 */
export const openPartnerSite = async (
  deps: SiteDeps,
  partnerId: string | undefined,
  visitorAddress: string,
): Promise<{ partnerId: string; name: string; partnerToken: () => Promise<string> } | undefined> => {
  const id = partnerId?.toLowerCase();
  if (!id || !UUID.test(id)) return undefined;
  const partner = await deps.dataSource.getRepository(PartnerEntity).findOneBy({ id, active: true, siteEnabled: true });
  if (!partner) return undefined;
  return {
    partnerId: partner.id,
    name: partner.name,
    partnerToken: () =>
      issueSiteToken({ keys: deps.keys, clock: deps.clock, settings: deps.tokenSettings }, { partnerId: partner.id, siteTokenVersion: partner.siteTokenVersion, visitor: visitorOf(visitorAddress) }),
  };
};
