import { SlaClockCancelledV1, SlaClockStartedV1, SlaMetV1, SlaRetargetedV1 } from '@tss/contracts';
import { on, type BatchFlush, type HandlerBinding } from '@tss/messaging';
import { queueStore, type ResponseDueProjection } from '../store/queue.store';

/** One sla.* event's change to the projection: a clock's due time, or that clock owes nothing more. */
export type ResponseDueChange =
  | { kind: 'set'; ticketId: string; partnerId: string; clockId: string; dueAt: Date }
  | { kind: 'clear'; ticketId: string; partnerId: string; clockId: string };

/**
 * Folds a batch's changes, in order, into at most one projection per ticket and partner, with the
 * effect of applying them one by one: the last `set` wins, unless a later `clear` names its clock
 * (then the ticket has no due time); `clear`s with no `set` after them each clear the due time if
 * it was projected from their clock, or from none (a newer clock's due time stays).
 */
export const foldResponseDue = (changes: readonly ResponseDueChange[]): ResponseDueProjection[] => {
  const byTicket = new Map<string, ResponseDueProjection>();
  for (const c of changes) {
    const key = `${c.partnerId}/${c.ticketId}`;
    const before = byTicket.get(key);
    if (c.kind === 'set') {
      byTicket.set(key, { kind: 'set', ticketId: c.ticketId, partnerId: c.partnerId, clockId: c.clockId, dueAt: c.dueAt });
    } else if (before?.kind === 'set') {
      // Known: the due time is `before`'s (or already none), so this clear's effect is certain.
      if (before.clockId === null || before.clockId === c.clockId) byTicket.set(key, { ...before, clockId: null, dueAt: null });
    } else {
      byTicket.set(key, { kind: 'clear', ticketId: c.ticketId, partnerId: c.partnerId, clockIds: [...(before?.clockIds ?? []), c.clockId] });
    }
  }
  return [...byTicket.values()];
};

/**
 * The queue's projection of sla-timer's clocks (DESIGN "Projections"; P4 orders by the due time of
 * the response owed). The ticket id is the event's subject; the partner id in the data keeps a
 * foreign event from touching another partner's ticket. The inbox makes each event apply once.
 *
 * Each event's change is deferred to the end of the consumer's batch and the batch's changes are
 * one statement (issue #11, docs/adr/0049): nothing else intake handles in a batch reads or writes
 * the due time (`ticketStore.update` leaves it alone), so writing it at the end changes nothing.
 */
const projectResponseDue: BatchFlush<ResponseDueChange> = (changes, { tx }) => queueStore.applyResponseDue(tx, foldResponseDue(changes));

export const onSlaClockStarted = on(SlaClockStartedV1, async (event, { batch }) => {
  batch.defer(projectResponseDue, { kind: 'set', ticketId: event.subject, partnerId: event.data.partnerId, clockId: event.data.clockId, dueAt: new Date(event.data.dueAt) });
});

/** P5: reclassification moves the due time of the running clock. */
export const onSlaRetargeted = on(SlaRetargetedV1, async (event, { batch }) => {
  batch.defer(projectResponseDue, { kind: 'set', ticketId: event.subject, partnerId: event.data.partnerId, clockId: event.data.clockId, dueAt: new Date(event.data.dueAt) });
});

export const onSlaMet = on(SlaMetV1, async (event, { batch }) => {
  batch.defer(projectResponseDue, { kind: 'clear', ticketId: event.subject, partnerId: event.data.partnerId, clockId: event.data.clockId });
});

export const onSlaClockCancelled = on(SlaClockCancelledV1, async (event, { batch }) => {
  batch.defer(projectResponseDue, { kind: 'clear', ticketId: event.subject, partnerId: event.data.partnerId, clockId: event.data.clockId });
});

export const slaProjectionHandlers: readonly HandlerBinding[] = [onSlaClockStarted, onSlaRetargeted, onSlaMet, onSlaClockCancelled];
