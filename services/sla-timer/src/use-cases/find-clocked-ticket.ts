import type { EntityManager } from 'typeorm';
import { parseReference } from '@tss/contracts';
import { err, ok, type Failure, type RequestScope, type Result } from '@tss/service-kit';
import { slaTicketStore } from '../store/sla-ticket.store';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * P3: the id of a ticket a route names by id or by reference number (any case, dashes optional), as
 * intake's routes take them. A reference is resolved in sla-timer's own projection (from
 * `ticket.created`), within the caller's partner (staff: any), so another partner's reference is
 * unknown here: the route answers 404 as for a missing ticket (`unknown_ticket`: maybe only not here
 * yet, docs/adr/0068). A reference whose check character is wrong is a 400. An id is returned as given: the clocks' own tenancy decides what it shows.
 */
export const clockedTicketId = async (tx: EntityManager, scope: RequestScope, idOrReference: string): Promise<Result<string, Failure>> => {
  if (UUID.test(idOrReference)) return ok(idOrReference.toLowerCase());
  const reference = parseReference(idOrReference);
  if (!reference) {
    return err({
      kind: 'invalid_reference',
      detail: `"${idOrReference.slice(0, 40)}" is neither a ticket id nor a valid reference number (TSS-XXXXX-XXXXC; its last character is a check character).`,
    });
  }
  const ticketId = await slaTicketStore.idByReference(tx, reference, scope.kind === 'staff' ? undefined : scope.partnerId);
  return ticketId ? ok(ticketId) : err({ kind: 'unknown_ticket', detail: 'No clocks for such a ticket.' });
};
