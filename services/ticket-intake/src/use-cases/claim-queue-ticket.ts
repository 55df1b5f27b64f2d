import type { Outbox, UnitOfWork } from '@tss/messaging';
import type { Clock } from '@tss/service-kit';
import type { TimerStore } from '@tss/timers';
import { assign, type Ticket } from '../domain/ticket';
import { queueStore } from '../store/queue.store';
import { staffStore } from '../store/staff.store';
import { ticketStore } from '../store/ticket.store';
import { commitChange } from './commit-change';

export interface ClaimedTicket {
  ticket: Ticket;
  /** The projected due time of the open clock, null until sla-timer's is known. */
  responseDueAt: Date | null;
  /** The due time the queue ordered it by. */
  queueDueAt: Date;
}

/**
 * P4: hands the first unassigned ticket of the queue to the calling staff member, or nothing when
 * the queue is empty. One transaction: the SKIP LOCKED pick, then the same change as an agent's
 * assignment (`assign`: `ticket.assigned` with the next sequence, a `new` ticket becomes `open`,
 * the history entries).
 */
export const claimQueueTicket = async (
  deps: { unitOfWork: UnitOfWork; outbox: Outbox; timers: TimerStore; clock: Clock },
  input: { staffId: string },
): Promise<ClaimedTicket | null> =>
  deps.unitOfWork.run(async (tx) => {
    // Read FOR SHARE before the ticket, as a PATCH's assignee is: the claimant disabled meanwhile
    // is kept after this commits, and the claimed ticket is then found and returned to the queue.
    await staffStore.standingOf(tx, input.staffId);
    const next = await queueStore.lockNextUnassigned(tx);
    if (!next) return null;
    // Already locked by this transaction; lockForChange reads it as the LockedTicket that numbers events.
    const locked = await ticketStore.lockForChange(tx, next.partnerId, next.id);
    if (!locked) throw new Error(`queue ticket ${next.id} vanished under its row lock`);
    const now = deps.clock.now();
    const changed = await commitChange(tx, deps, locked, assign(locked, input.staffId), { kind: 'staff', id: input.staffId }, now, 'claimed from the queue');
    const { lockedForChange: _locked, ...ticket } = changed;
    // The row stays locked until commit, so the projected due time read with it is still current.
    return { ticket, responseDueAt: next.responseDueAt, queueDueAt: next.queueDueAt };
  });
