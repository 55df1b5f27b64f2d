import type { EntityManager } from 'typeorm';
import pino from 'pino';
import { TicketAcceptedV1, TicketCreatedV1 } from '@tss/contracts';
import { batchOutbox } from '../src/consumer/batch-outbox';
import { TransactionWrites } from '../src/consumer/batch-writes';
import type { Outbox, OutboxDraft } from '../src/outbox/outbox';
import { sampleTicketCreated } from '../src/testing';

/** docs/adr/0049, addendum of 2026-12-06: a consumer's events written once, at its batch's end, in order. */
describe('batchOutbox', () => {
  const tx = {} as EntityManager;
  const written: OutboxDraft[][] = [];
  const outbox = { addAll: async (_tx: EntityManager, drafts: readonly OutboxDraft[]) => void written.push([...drafts]) } as unknown as Outbox;
  const flushContext = { tx, outbox, now: new Date('2026-12-06T11:00:00.000Z'), logger: pino({ level: 'silent' }) };

  beforeEach(() => {
    written.length = 0;
  });

  it('writes nothing while the handlers run, then every event of the batch in one call, in the order added', async () => {
    const batch = new TransactionWrites(flushContext);
    const events = batchOutbox(batch);
    await events.add(tx, TicketCreatedV1, 'ticket-1', sampleTicketCreated(1));
    await events.add(tx, TicketAcceptedV1, 'ticket-1', { partnerId: 'p', sequence: 2, acceptedAt: '2026-12-06T11:00:00.000Z', via: 'api' });
    // Another handler of the same batch, with its own writer: the same flush.
    await batchOutbox(batch).add(tx, TicketCreatedV1, 'ticket-2', sampleTicketCreated(1));
    expect(written).toEqual([]);

    await batch.flushAll();
    expect(written).toHaveLength(1);
    expect(written[0].map((d) => [d.contract.type, d.subject])).toEqual([
      ['ticket.created', 'ticket-1'],
      ['ticket.accepted', 'ticket-1'],
      ['ticket.created', 'ticket-2'],
    ]);
    expect(written[0][1].data).toEqual({ partnerId: 'p', sequence: 2, acceptedAt: '2026-12-06T11:00:00.000Z', via: 'api' });
  });

  it('a batch whose handlers published nothing writes nothing', async () => {
    const batch = new TransactionWrites(flushContext);
    batchOutbox(batch);
    await batch.flushAll();
    expect(written).toEqual([]);
  });
});
