import type { EntityManager } from 'typeorm';
import { ticketKeyOf } from '@tss/contracts';
import { err, ok, type Failure, type Result } from '@tss/service-kit';
import { ticketProjection } from '../store/projection.store';

/**
 * The ticket a list filter names by id or reference (docs/api.md §3): its id; `undefined` for a
 * reference escalation does not know (a filter that matches nothing, as an unknown id does); a
 * 400 `invalid_reference` for text that is neither (a wrong check character).
 */
export const ticketOfFilter = async (tx: EntityManager, idOrReference: string): Promise<Result<string | undefined, Failure>> => {
  const key = ticketKeyOf(idOrReference);
  if (!key) {
    return err({
      kind: 'invalid_reference',
      detail: `ticketId "${idOrReference.slice(0, 40)}" is neither a ticket id nor a valid reference number (TSS-XXXXX-XXXXC; its last character is a check character).`,
    });
  }
  return ok('id' in key ? key.id : await ticketProjection.idByReference(tx, key.reference));
};
