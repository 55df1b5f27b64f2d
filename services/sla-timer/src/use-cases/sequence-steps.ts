import type { BatchFlush, BatchWrites } from '@tss/messaging';
import { slaTicketStore, type SequenceStep } from '../store/sla-ticket.store';

/**
 * A consumer batch's sequence steps (DESIGN "Order"), written at its end in one statement
 * (docs/adr/0049, addendum of the fifteenth session). An event that only moves its ticket's
 * sequence (accepted, assigned, …) is deferred when this batch itself put the ticket at the
 * sequence before it (opened it, or stepped it): the row is then this transaction's to know, held
 * under the batch's key lock. Anything else goes to the row as before, after `settle`.
 */
const cursors = new WeakMap<BatchWrites, Map<string, { partnerId: string; sequence: number }>>();

const cursorsOf = (batch: BatchWrites) => {
  let known = cursors.get(batch);
  if (!known) cursors.set(batch, (known = new Map()));
  return known;
};

/** Each ticket's last deferred step: the sequence its row ends at. */
const writeSteps: BatchFlush<SequenceStep> = async (steps, { tx }) => {
  const last = new Map<string, SequenceStep>();
  for (const step of steps) last.set(step.ticketId, step);
  await slaTicketStore.setSequences(tx, [...last.values()]);
};

export const sequenceSteps = {
  /** The ticket's row holds `sequence`, written in this batch's transaction (the ticket opened, a step applied). */
  known(batch: BatchWrites | undefined, step: SequenceStep): void {
    if (batch) cursorsOf(batch).set(step.ticketId, { partnerId: step.partnerId, sequence: step.sequence });
  },

  /**
   * Defers the step to `step.sequence` when the batch put the ticket (of the same partner) at the
   * sequence before it: true. False, and nothing deferred, when only the row can tell.
   */
  deferred(batch: BatchWrites | undefined, step: SequenceStep): boolean {
    const cursor = batch && cursors.get(batch)?.get(step.ticketId);
    if (!batch || !cursor || cursor.partnerId !== step.partnerId || cursor.sequence !== step.sequence - 1) return false;
    cursor.sequence = step.sequence;
    batch.defer(writeSteps, step);
    return true;
  },

  /**
   * Before the ticket's row is read or changed otherwise: when the batch has a cursor on it, the
   * deferred steps are written and the cursor forgotten (what changes the row next is not a step
   * this module sees). A ticket without one has no deferred step: nothing to write first.
   */
  async settle(batch: BatchWrites | undefined, ticketId: string): Promise<void> {
    const known = batch && cursors.get(batch);
    if (!batch || !known?.has(ticketId)) return;
    await batch.writeNow(writeSteps);
    known.delete(ticketId);
  },
};
