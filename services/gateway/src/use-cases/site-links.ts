import { err, inactivePartnerDetail, ok, siteLinkUrl, TICKET_NOT_YET_VISIBLE_RETRY_AFTER_SECONDS, type Failure, type Result } from '@tss/service-kit';
import type { PartnerScope, SiteLinkMinter, StaffScope } from '@tss/service-kit';
import { SiteLinkMintedV1, SiteLinkRevokedV1 } from '@tss/contracts';
import { PartnerEntity } from '../store/gateway.entities';
import { mintedSiteLinkStore } from '../store/minted-site-link.store';
import { siteLinkRevocationStore } from '../store/site-link-revocation.store';
import { siteTicketStore, type SiteTicket } from '../store/site-ticket.store';
import { intakeResult, type SiteDeps } from './site-deps';

export interface MintedSiteLink {
  linkId: string;
  url: string;
  expiresAt: Date;
}

/** The caller: its scope, its token (passed on to intake), and for a partner the client it called with (the link's minter). */
export type Caller = { scope: PartnerScope | StaffScope; bearerToken: string; clientId?: string };

/** Who mints (or revokes): the staff member, or the partner's client (the partner itself when the token names no client). */
const minterOf = (caller: Caller): SiteLinkMinter =>
  caller.scope.kind === 'staff' ? { kind: 'staff', id: caller.scope.staffId } : { kind: 'partner', id: caller.clientId ?? caller.scope.partnerId };

/**
 * The ticket a partner or staff member names, as intake lets them see it: intake decides tenancy
 * (another partner's ticket is a 404 like a missing one) and resolves reference numbers; the
 * site's projection says whose it is. A ticket intake knows and the projection not yet (its
 * `ticket.created` still on its way) is the 503 `ticket-not-yet-visible` every route answers then (docs/adr/0068).
 */
export const ticketOfCaller = async (deps: SiteDeps, caller: Caller, ticketIdOrReference: string): Promise<Result<SiteTicket, Failure>> => {
  const seen = intakeResult<{ id: string }>(
    await deps.intake.call({ method: 'GET', path: `/v1/tickets/${encodeURIComponent(ticketIdOrReference)}`, token: caller.bearerToken }),
    200,
  );
  if (!seen.ok) return seen;
  const ticket = await siteTicketStore.find(deps.dataSource.manager, seen.value.id);
  if (!ticket) {
    const detail = `The ticket was filed a moment ago and the support site has not heard of it yet; retry after ${TICKET_NOT_YET_VISIBLE_RETRY_AFTER_SECONDS} s (Retry-After).`;
    return err({ kind: 'ticket_not_yet_visible', detail });
  }
  // Intake already refused other partners' tickets; the projection agrees or the link is not minted.
  if (caller.scope.kind === 'partner' && ticket.partnerId !== caller.scope.partnerId) return err({ kind: 'not_found', detail: 'No such ticket.' });
  return ok(ticket);
};

/** P12: a link to the support site for the ticket's requester (a requester whose mail is filtered). */
export const mintSiteLink = async (deps: SiteDeps, caller: Caller, ticketIdOrReference: string): Promise<Result<MintedSiteLink, Failure>> => {
  const found = await ticketOfCaller(deps, caller, ticketIdOrReference);
  if (!found.ok) return found;
  const ticket = found.value;
  // A deactivated partner's links open only the 410 page (site-session.ts): minting one would hand
  // out a URL that cannot work. Its clients' tokens are refused already (401); this is staff's case.
  const partner = await deps.dataSource.getRepository(PartnerEntity).findOneBy({ id: ticket.partnerId });
  if (partner && !partner.active) return err({ kind: 'unprocessable', detail: inactivePartnerDetail(ticket.partnerId) });
  const requester = ticket.requester;
  if (!requester) {
    return err({ kind: 'unprocessable', detail: 'The ticket names no requester (requester.id), so no site link can be made for one.' });
  }
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + deps.linkSettings.TSS_SITE_LINK_TTL_MS);
  const mintedBy = minterOf(caller);
  const { token, grant } = deps.links.mint({
    ticketId: ticket.ticketId,
    partnerId: ticket.partnerId,
    requester,
    ...(ticket.language ? { language: ticket.language } : {}),
    mintedBy,
    expiresAt,
  });
  // The minting is on the ticket's history, with its minter (intake records the event), and in the
  // gateway's list of the links it minted (a revocation of one is on the history): a link is
  // answered only once both are committed.
  await deps.unitOfWork.run(async (tx) => {
    await mintedSiteLinkStore.record(tx, { linkId: grant.linkId, ticketId: ticket.ticketId, partnerId: ticket.partnerId, mintedBy: `${mintedBy.kind}:${mintedBy.id}`, mintedAt: now });
    await deps.outbox.add(tx, SiteLinkMintedV1, ticket.ticketId, {
      partnerId: ticket.partnerId,
      ticketId: ticket.ticketId,
      linkId: grant.linkId,
      requester,
      mintedBy,
      expiresAt: expiresAt.toISOString(),
      mintedAt: now.toISOString(),
    });
  });
  return ok({ linkId: grant.linkId, url: siteLinkUrl(deps.linkSettings, token), expiresAt });
};

/**
 * Revokes a link of the ticket (idempotent): from now on it opens nothing. The first revocation of a
 * link the gateway minted for this ticket is on the ticket's history by its revoker (intake records
 * `partner.site_link_revoked`, committed with the revocation); revoking it again records nothing.
 * Any other id (a mail's link, minted by notification, looks like a made-up one; another ticket's
 * link) is revoked for this ticket and recorded nowhere but the revocation list: the history names
 * only links it is known to hold.
 */
export const revokeSiteLink = async (deps: SiteDeps, caller: Caller, ticketIdOrReference: string, linkId: string): Promise<Result<void, Failure>> => {
  const found = await ticketOfCaller(deps, caller, ticketIdOrReference);
  if (!found.ok) return found;
  const { ticketId, partnerId } = found.value;
  const revokedBy = caller.scope.kind === 'staff' ? `staff:${caller.scope.staffId}` : `partner:${caller.scope.partnerId}`;
  const revokedAt = deps.clock.now();
  await deps.unitOfWork.run(async (tx) => {
    const revoked = await siteLinkRevocationStore.revoke(tx, { linkId, ticketId, partnerId, revokedBy, revokedAt });
    if (revoked && (await mintedSiteLinkStore.wasMintedFor(tx, linkId, ticketId))) await deps.outbox.add(tx, SiteLinkRevokedV1, ticketId, { partnerId, ticketId, linkId, revokedBy: minterOf(caller), revokedAt: revokedAt.toISOString() });
  });
  return ok(undefined);
};
