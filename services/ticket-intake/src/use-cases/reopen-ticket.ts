import type { Clock, Failure, Result } from '@tss/service-kit';
import { err, ok } from '@tss/service-kit';
import type { UnitOfWork } from '@tss/messaging';
import type { EntityManager } from 'typeorm';
import type { Actor } from '../domain/actor';
import { reopen, type Ticket } from '../domain/ticket';
import { ticketStore } from '../store/ticket.store';
import { commitChange, type ChangeDeps } from './commit-change';
import type { TicketLocation } from './find-ticket';
import { fileTicketIn } from './file-ticket';

export interface Reopened {
  /** The reopened ticket, or the new ticket that follows up a closed one. */
  ticket: Ticket;
  /** True when a new, linked ticket was filed (P11: after the window, or once closed). */
  followUp: boolean;
}

/**
 * P11 in one transaction: reopen inside the window, or file a new ticket linked to the old one.
 * Used by the reopen route and by `rating.submitted` with `solved: false`.
 */
export const reopenIn = async (
  tx: EntityManager,
  deps: ChangeDeps & { clock: Clock },
  input: { at: TicketLocation; reason?: string; actor: Actor },
): Promise<Result<Reopened, Failure>> => {
  const locked = await ticketStore.lockForChange(tx, input.at.partnerId, input.at.id);
  if (!locked) return err({ kind: 'not_found', detail: 'No such ticket.' });
  const now = deps.clock.now();
  const result = reopen(locked, now, input.reason);
  if ('followUp' in result) {
    const request = {
      ...locked.request,
      subject: `Follow-up to ${locked.reference}: ${locked.request.subject ?? locked.request.description.slice(0, 80)}`.slice(0, 200),
      description: input.reason ? `${input.reason}\n\n(Follows up ${locked.reference}.)` : `The problem of ${locked.reference} is not solved.`,
    };
    const filed = await fileTicketIn(tx, deps, {
      partnerId: locked.partnerId,
      channel: locked.channel,
      language: locked.language,
      request,
      linkedTicketId: locked.id,
      actor: input.actor,
    });
    return ok({ ticket: filed, followUp: true });
  }
  if ('violation' in result) {
    const v = result.violation;
    return err(v.kind === 'invalid_transition' ? { kind: 'invalid_transition', detail: v.detail, extensions: { allowed: v.allowed } } : { kind: 'unprocessable', detail: v.detail });
  }
  return ok({ ticket: await commitChange(tx, deps, locked, result, input.actor, now, input.reason), followUp: false });
};

export const reopenTicket = (deps: ChangeDeps & { clock: Clock; unitOfWork: UnitOfWork }, input: { at: TicketLocation; reason?: string; actor: Actor }) =>
  deps.unitOfWork.run((tx) => reopenIn(tx, deps, input));
