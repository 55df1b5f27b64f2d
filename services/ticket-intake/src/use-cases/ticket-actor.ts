import type { PartnerScope, RequesterScope, RequestScope } from '@tss/service-kit';
import type { Actor } from '../domain/actor';
import type { RequestersWordsAuthor } from '../domain/message';
import type { TicketRow } from '../store/ticket.entity';

/** Who a request acts as, for the history: the partner's client, the requester, or the staff member. */
export const actorOf = (scope: RequestScope, clientId?: string): Actor => {
  switch (scope.kind) {
    case 'partner':
      return { kind: 'partner', id: clientId ?? scope.partnerId };
    case 'requester':
      // The support site acting for a link a staff member minted: the staff member acts, in the requester's name.
      return scope.mintedBy?.kind === 'staff'
        ? {
            kind: 'staff',
            id: scope.mintedBy.id,
            onBehalfOf: { kind: 'requester', id: scope.requesterId, ...(scope.mintedBy.siteLinkId ? { siteLinkId: scope.mintedBy.siteLinkId } : {}) },
          }
        : { kind: 'requester', id: scope.requesterId };
    case 'staff':
      return { kind: 'staff', id: scope.staffId };
  }
};

/**
 * An Idempotency-Key as the use cases store it: a partner's own keys as given, a requester's and
 * a staff member's under their id, so one caller's key never replays another caller's answer.
 */
export const callerKey = (scope: RequestScope, key: string | undefined): string | undefined => {
  if (key === undefined) return undefined;
  switch (scope.kind) {
    case 'partner':
      return key;
    case 'requester':
      return `requester:${scope.requesterId}:${key}`;
    case 'staff':
      return `staff:${scope.staffId}:${key}`;
  }
};

/**
 * Whom a partner's or requester's words on the thread are from: the requester token's requester,
 * or for a partner writing for its client the ticket's requester (its id, else its address). The
 * support site acting for a link a staff member minted: that staff member, in the requester's name
 * (docs/adr/0037, addendum of 2026-12-04, fifth session, follow-up).
 */
export const requesterAuthorOf = (
  scope: PartnerScope | RequesterScope,
  ticket: Pick<TicketRow, 'requesterId' | 'request'>,
): RequestersWordsAuthor => {
  if (scope.kind === 'requester' && scope.mintedBy?.kind === 'staff') {
    return { kind: 'staff', id: scope.mintedBy.id, onBehalfOf: { kind: 'requester', id: scope.requesterId } };
  }
  return { kind: 'requester', id: scope.kind === 'requester' ? scope.requesterId : (ticket.requesterId ?? ticket.request.requester?.email ?? scope.partnerId) };
};
