import type { EntityManager } from 'typeorm';
import { parseReference } from '@tss/contracts';
import { err, ok, requesterOf, type Failure, type RequestScope, type Result } from '@tss/service-kit';
import { ratingTicketStore, type RatingTicket } from '../store/rating-ticket.store';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Not in rating's projection for this caller: maybe only not yet (docs/adr/0068).
const NOT_FOUND: Failure = { kind: 'unknown_ticket', detail: 'No such ticket.' };

/**
 * The ticket a route names by id or reference (P3), from rating's projection, under the caller's
 * scope: another partner's ticket, or another requester's for a requester token, is a 404 like a
 * missing one (DESIGN "Tenancy"); staff see all. A reference whose check character is wrong is a 400.
 */
export const findRatedTicket = async (tx: EntityManager, scope: RequestScope, idOrReference: string): Promise<Result<RatingTicket, Failure>> => {
  const partnerId = scope.kind === 'staff' ? undefined : scope.partnerId;
  let ticket: RatingTicket | undefined;
  if (UUID.test(idOrReference)) {
    ticket = await ratingTicketStore.find(tx, idOrReference.toLowerCase());
  } else {
    const reference = parseReference(idOrReference);
    if (!reference) {
      return err({
        kind: 'invalid_reference',
        detail: `"${idOrReference.slice(0, 40)}" is neither a ticket id nor a valid reference number (TSS-XXXXX-XXXXC; its last character is a check character).`,
      });
    }
    ticket = await ratingTicketStore.findByReference(tx, reference, partnerId);
  }
  if (!ticket) return err(NOT_FOUND);
  if (partnerId !== undefined && ticket.partnerId !== partnerId) return err(NOT_FOUND);
  const requesterId = requesterOf(scope);
  if (requesterId !== undefined && ticket.requesterId !== requesterId) return err(NOT_FOUND);
  return ok(ticket);
};
