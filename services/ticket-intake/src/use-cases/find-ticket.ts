import type { EntityManager } from 'typeorm';
import { err, ok, requesterOf, type Failure, type RequestScope, type Result } from '@tss/service-kit';
import { parseReference } from '../domain/reference-number';
import { ticketStore } from '../store/ticket.store';
import type { TicketRow } from '../store/ticket.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const NOT_FOUND: Failure = { kind: 'not_found', detail: 'No such ticket.' };

/** Where a ticket named by a route was found: enough to lock it for a change. */
export interface TicketLocation {
  id: string;
  partnerId: string;
}

/**
 * P3: every route that takes a ticket id also takes its reference, in any case, with or without
 * dashes. A reference with a wrong check character is a 400 "invalid reference"; an unknown one,
 * and another partner's or requester's ticket, a 404 like a missing one (DESIGN "Tenancy").
 */
export const findTicketFor = async (tx: EntityManager, scope: RequestScope, idOrReference: string): Promise<Result<TicketRow, Failure>> => {
  const partnerId = scope.kind === 'staff' ? undefined : scope.partnerId;
  let row: TicketRow | null;
  if (UUID.test(idOrReference)) {
    row = partnerId ? await ticketStore.findForPartner(tx, partnerId, idOrReference.toLowerCase()) : await ticketStore.findAnyPartner(tx, idOrReference.toLowerCase());
  } else {
    const reference = parseReference(idOrReference);
    if (!reference) {
      return err({
        kind: 'invalid_reference',
        detail: `"${idOrReference.slice(0, 40)}" is neither a ticket id nor a valid reference number (TSS-XXXXX-XXXXC; its last character is a check character).`,
      });
    }
    row = await ticketStore.findByReference(tx, partnerId, reference);
  }
  if (!row) return err(NOT_FOUND);
  const requesterId = requesterOf(scope);
  if (requesterId !== undefined && row.requesterId !== requesterId) return err(NOT_FOUND);
  return ok(row);
};
