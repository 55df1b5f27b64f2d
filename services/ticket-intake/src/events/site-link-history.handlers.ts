import { SiteLinkMintedV1, SiteLinkRevokedV1 } from '@tss/contracts';
import { on, type HandlerBinding } from '@tss/messaging';
import { historyStore } from '../store/history.store';

/**
 * P12: a support-site link minted or revoked through the API is on the ticket's history, by who did
 * it (a partner's client or a staff member), with the link's id (and, minted, whom it opens the
 * ticket to). The link itself is a credential and is in no event (docs/adr/0037, addenda of
 * 2026-12-04, fifth session).
 */
export const siteLinkHistoryHandlers = (): HandlerBinding[] => [
  on(SiteLinkMintedV1, (event, ctx) =>
    historyStore.append(ctx.tx, {
      ticketId: event.data.ticketId,
      partnerId: event.data.partnerId,
      at: new Date(event.data.mintedAt),
      actor: event.data.mintedBy,
      action: 'site_link_minted',
      detail: { linkId: event.data.linkId, requester: event.data.requester, expiresAt: event.data.expiresAt },
    }),
  ),
  on(SiteLinkRevokedV1, (event, ctx) =>
    historyStore.append(ctx.tx, {
      ticketId: event.data.ticketId,
      partnerId: event.data.partnerId,
      at: new Date(event.data.revokedAt),
      actor: event.data.revokedBy,
      action: 'site_link_revoked',
      detail: { linkId: event.data.linkId },
    }),
  ),
];
