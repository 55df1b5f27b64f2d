import type { EntityManager } from 'typeorm';
import type { EventContract, EventData } from '@tss/contracts';
import { traceCarrierOf } from '@tss/service-kit';
import { outboxDraft, type OutboxDraft } from '../outbox/outbox';
import type { BatchFlush, BatchWrites } from './batch-writes';

/** Writes an event into a service's outbox in the caller's transaction: the `Outbox` itself, or `batchOutbox`. */
export interface OutboxWriter {
  add<C extends EventContract>(tx: EntityManager, contract: C, subject: string, data: EventData<C>): Promise<unknown>;
}

/** Every event a transaction's handlers added, in the order they were added, in one statement. */
const writeDrafts: BatchFlush<OutboxDraft> = async (drafts, { tx, outbox }) => {
  await outbox.addAll(tx, drafts);
};

/**
 * A consumer's outbox writes deferred to the end of its transaction (docs/adr/0049, addendum of
 * 2026-12-06): the events a batch's handlers publish go in one statement at the flush, in the order
 * they were added, each in the trace of the handler that added it, instead of a round trip per
 * event inside the batch. Nothing reads the outbox but the relay, after the commit.
 *
 * For a consumer whose handlers write the outbox only through it: an event written directly after a
 * deferred one would take the earlier place in the outbox, and the relay publishes in that order.
 */
export const batchOutbox = (batch: BatchWrites): OutboxWriter => ({
  add: async (_tx, contract, subject, data) => {
    batch.defer(writeDrafts, outboxDraft(contract, subject, data, { trace: traceCarrierOf() }));
  },
});
