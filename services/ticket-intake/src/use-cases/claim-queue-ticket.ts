import type { Outbox, UnitOfWork } from '@tss/messaging';
import type { Clock } from '@tss/service-kit';
import type { Ticket } from '../domain/ticket';
import { publishTicketChange } from '../events/ticket-events.producer';
import { historyStore } from '../store/history.store';
import { queueStore } from '../store/queue.store';
import { ticketStore } from '../store/ticket.store';

export interface ClaimedTicket {
  ticket: Ticket;
  assigneeId: string;
  responseDueAt: Date | null;
}

/**
 * P4: hands the first unassigned ticket of the queue to the calling staff member, or nothing when
 * the queue is empty. One transaction: the SKIP LOCKED pick, the assignment, `ticket.assigned`
 * with the ticket's next sequence, and the history entry.
 */
export const claimQueueTicket = async (
  deps: { unitOfWork: UnitOfWork; outbox: Outbox; clock: Clock },
  input: { staffId: string },
): Promise<ClaimedTicket | null> =>
  deps.unitOfWork.run(async (tx) => {
    const next = await queueStore.lockNextUnassigned(tx);
    if (!next) return null;
    // Already locked by this transaction; lockForChange reads it as the LockedTicket that numbers events.
    const locked = await ticketStore.lockForChange(tx, next.partnerId, next.id);
    if (!locked) throw new Error(`queue ticket ${next.id} vanished under its row lock`);
    const now = deps.clock.now();
    await queueStore.assign(tx, locked.id, input.staffId, now);
    const changed = await publishTicketChange(tx, deps.outbox, locked, [{ kind: 'assigned', assigneeId: input.staffId }], now);
    await historyStore.append(tx, {
      ticketId: locked.id,
      partnerId: locked.partnerId,
      at: now,
      actor: { kind: 'staff', id: input.staffId },
      action: 'assigned',
      detail: { assigneeId: input.staffId, via: 'queue_claim' },
      sequence: changed.sequence,
    });
    const { lockedForChange: _locked, ...ticket } = changed;
    // The row stays locked until commit, so the projected due time read with it is still current.
    return { ticket, assigneeId: input.staffId, responseDueAt: next.responseDueAt };
  });
