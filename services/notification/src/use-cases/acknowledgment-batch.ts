import type { BatchFlush, BatchWrites, HandlerBinding } from '@tss/messaging';
import type { TimerStore } from '@tss/timers';
import type { AcknowledgmentRow } from '../store/acknowledgment.entity';
import { acknowledgmentStore } from '../store/acknowledgment.store';
import { mailStore, type MailContactRow } from '../store/mail.store';
import type { DraftedMail } from './mail-queue';

/** A ticket's acknowledgment (P3), as `ticket.created` records it; by mail: its mail, that mail's timer and the requester's contact. */
export interface QueuedAcknowledgment {
  acknowledgment: AcknowledgmentRow;
  mailed?: { drafted: DraftedMail; contact: MailContactRow; at: Date; timers: TimerStore };
}

/**
 * A consumer batch's acknowledgments, written at its end in one statement (docs/adr/0049, addendum
 * of the sixteenth session): every acknowledgment, every mail with its first timer, every contact.
 * The mails are each a ticket's first (its `ticket.created`'s), so none waits behind another of
 * the statement's; a ticket created twice fails the statement on the acknowledgment's key, and the
 * batch goes one event at a time, as it would have before.
 */
const writeAcknowledgments: BatchFlush<QueuedAcknowledgment> = async (queued, { tx }) => {
  const acknowledgments = queued.map((q) => q.acknowledgment);
  const mailed = queued.flatMap((q) => (q.mailed ? [q.mailed] : []));
  if (mailed.length === 0) {
    const statement = acknowledgmentStore.insertAllStatement(acknowledgments, 1);
    await tx.query(statement.sql, statement.params);
    return;
  }
  // One service, one timer store: the first mail's schedules them all.
  const { timers, at } = mailed[0];
  await mailStore.insertAllWith(
    tx,
    mailed.map((m) => m.drafted.mail),
    [
      (first) => acknowledgmentStore.insertAllStatement(acknowledgments, first),
      (first) => mailStore.saveContactsStatement(mailed.map((m) => m.contact), at, first),
    ],
    (first) => timers.scheduleAllStatement(mailed.map((m) => m.drafted.timer), first),
  );
};

export const acknowledgmentBatch = {
  /** Defers the acknowledgment to the batch's end. */
  defer(batch: BatchWrites, queued: QueuedAcknowledgment): void {
    batch.defer(writeAcknowledgments, queued);
  },

  /** Writes the batch's deferred acknowledgments now: for a handler about to read a ticket's acknowledgment, mails or contact. */
  writeNow(batch: BatchWrites): Promise<void> {
    return batch.writeNow(writeAcknowledgments);
  },

  /**
   * The handlers, each writing the batch's deferred acknowledgments before it runs: they read or
   * change what an acknowledgment writes (the contact, the ticket's mail line, the acknowledgment).
   */
  first(bindings: readonly HandlerBinding[]): HandlerBinding[] {
    return bindings.map((binding) => ({
      ...binding,
      handle: async (event, ctx) => {
        await acknowledgmentBatch.writeNow(ctx.batch);
        return binding.handle(event, ctx);
      },
    }));
  },
};
