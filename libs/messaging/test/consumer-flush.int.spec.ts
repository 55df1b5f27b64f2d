import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { TicketAcceptedV1, TicketCreatedV1 } from '@tss/contracts';
import { systemClock } from '@tss/service-kit';
import { waitFor } from '@tss/service-kit/testing';
import type { BatchFlush } from '../src/consumer/batch-writes';
import { EventConsumer, on } from '../src/consumer/event-consumer';
import type { DeadLetterRow } from '../src/dead-letters/dead-letter.store';
import { InProcessTransport } from '../src/in-process/in-process-transport';
import { Outbox } from '../src/outbox/outbox';
import { UnitOfWork } from '../src/outbox/unit-of-work';
import { sampleTicketCreated } from '../src/testing';
import { openPipeline, type Pipeline } from './support/test-pipeline';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const PRODUCER = 'flush_producer';
const CONSUMER = 'flush_consumer';

class FlushTables1765400400001 {
  name = 'FlushTables1765400400001';
  async up(queryRunner: { query(sql: string): Promise<unknown> }) {
    await queryRunner.query(`CREATE TABLE "${CONSUMER}".effects (applied bigserial, ticket_id text NOT NULL, sequence int NOT NULL, type text NOT NULL, tx bigint NOT NULL)`);
    await queryRunner.query(`CREATE TABLE "${CONSUMER}".flushed (applied bigserial, ticket_id text NOT NULL, sequence int NOT NULL, type text NOT NULL, tx bigint NOT NULL)`);
  }
  async down() {}
}

interface Deferred {
  ticketId: string;
  sequence: number;
  type: string;
}

/**
 * docs/adr/0049: a handler defers writes to the end of its transaction (`HandlerContext.batch`),
 * and the consumer flushes them once per batch, before commit. The batch's guarantees must stay
 * those of `consumeBatch` without it: a failing flush rolls the batch back and its events go one
 * at a time, each flushed after it; exactly once through the inbox, order per key, dead letters
 * and their replay.
 */
describe('deferred writes are flushed once per consumer batch (docs/adr/0049)', () => {
  let pipeline: Pipeline;
  let producerDs: DataSource;
  let consumerDs: DataSource;
  let transport: InProcessTransport;
  let consumer: EventConsumer;
  const outbox = new Outbox({ service: 'ticket-intake', schema: PRODUCER, clock: systemClock });
  /** Every flush call, with the tickets of its items. */
  const flushCalls: string[][] = [];
  /** Tickets whose flush fails when batched with others (passes alone), or always. */
  const failBatchedFor = new Set<string>();
  const failAlwaysFor = new Set<string>();

  const flush: BatchFlush<Deferred> = async (items, { tx }) => {
    flushCalls.push(items.map((i) => i.ticketId));
    // Written first, so a failure after it must roll it back.
    await tx.query(
      `INSERT INTO "${CONSUMER}".flushed (ticket_id, sequence, type, tx) SELECT t, s, k, txid_current() FROM unnest($1::text[], $2::int[], $3::text[]) WITH ORDINALITY AS i(t, s, k, n) ORDER BY n`,
      [items.map((i) => i.ticketId), items.map((i) => i.sequence), items.map((i) => i.type)],
    );
    if (items.some((i) => failAlwaysFor.has(i.ticketId))) throw new Error('the deferred write cannot be made');
    if (items.length > 1 && items.some((i) => failBatchedFor.has(i.ticketId))) throw new Error('the batched write failed');
  };

  beforeAll(async () => {
    pipeline = await openPipeline('consumer_flush', { producer: PRODUCER, consumer: CONSUMER, consumerMigrations: [FlushTables1765400400001], logger });
    ({ producerDs, consumerDs, transport } = pipeline);
    const record = async (tx: { query(sql: string, p: unknown[]): Promise<unknown> }, ticketId: string, sequence: number, type: string) =>
      tx.query(`INSERT INTO "${CONSUMER}".effects (ticket_id, sequence, type, tx) VALUES ($1, $2, $3, txid_current())`, [ticketId, sequence, type]);
    consumer = pipeline.consumer({
      group: 'flush-projection',
      logger,
      bindings: [
        on(TicketCreatedV1, async (event, { tx, batch }) => {
          await record(tx, event.subject, event.data.sequence, 'created');
          batch.defer(flush, { ticketId: event.subject, sequence: event.data.sequence, type: 'created' });
        }),
        on(TicketAcceptedV1, async (event, { batch }) => batch.defer(flush, { ticketId: event.subject, sequence: event.data.sequence, type: 'accepted' })),
      ],
      maxAttempts: 2,
      retryBaseMs: 5,
      maxRetryDelayMs: 20,
    });
    await consumer.start();
  });

  afterAll(async () => {
    await consumer?.stop();
    await pipeline?.close();
  });

  /** All in one outbox transaction: the relay appends them at once, so the group reads them as one batch. */
  const publish = (...events: [string, 'created' | 'accepted', number][]) => pipeline.publishTicketEvents(events);

  type Row = { sequence: number; type: string; tx: string };
  const rowsOf = async (table: 'effects' | 'flushed', ticketIds: readonly string[]) =>
    (await consumerDs.query(`SELECT ticket_id, sequence, type, tx FROM "${CONSUMER}".${table} WHERE ticket_id = ANY($1::text[]) ORDER BY applied`, [ticketIds])) as (Row & {
      ticket_id: string;
    })[];
  const flushed = async (ticketId: string) => (await rowsOf('flushed', [ticketId])).map((r) => `${r.sequence}:${r.type}`);
  const callsOf = (ticketIds: readonly string[]) => flushCalls.filter((call) => call.some((t) => ticketIds.includes(t)));
  const deadLetters = (ticketId: string) =>
    consumerDs.query(`SELECT * FROM "${CONSUMER}".dead_letters WHERE message_key = $1 ORDER BY id`, [ticketId]) as Promise<DeadLetterRow[]>;
  const marker = async () => {
    const id = randomUUID();
    await publish([id, 'created', 1]);
    await waitFor('the marker event', async () => (await flushed(id)).length === 1);
  };

  it('a batch’s deferred writes are one flush, in its transaction, in the events’ order', async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    await publish([a, 'created', 1], [b, 'created', 1], [c, 'created', 1], [a, 'accepted', 2], [b, 'accepted', 2], [c, 'accepted', 2]);
    await waitFor('every deferred write', async () => (await flushed(c)).length === 2);
    expect(callsOf([a, b, c])).toEqual([[a, b, c, a, b, c]]);
    for (const key of [a, b, c]) expect(await flushed(key)).toEqual(['1:created', '2:accepted']);
    const transactions = new Set([...(await rowsOf('effects', [a, b, c])), ...(await rowsOf('flushed', [a, b, c]))].map((r) => r.tx));
    expect(transactions.size).toBe(1); // the handlers' own writes, the inbox's and the flush commit together
  });

  it('a failing flush rolls the batch back; its events go one at a time, each flushed after it, each once', async () => {
    const [a, failing] = [randomUUID(), randomUUID()];
    failBatchedFor.add(failing);
    await publish([a, 'created', 1], [failing, 'created', 1], [a, 'accepted', 2], [failing, 'accepted', 2]);
    await waitFor('every event alone', async () => (await flushed(failing)).length === 2);
    const calls = callsOf([a, failing]);
    expect(calls[0]).toEqual([a, failing, a, failing]); // the batch's flush, which failed
    expect(calls.slice(1)).toEqual([[a], [failing], [a], [failing]]); // then each event alone, in order
    expect(await flushed(a)).toEqual(['1:created', '2:accepted']); // the failed flush's rows rolled back
    expect(await flushed(failing)).toEqual(['1:created', '2:accepted']);
    // Each event's handler effect and its flush in one transaction of its own; the batch's effects rolled back.
    const effects = await rowsOf('effects', [a, failing]);
    expect(effects.map((e) => `${e.ticket_id === a ? 'a' : 'f'}:${e.type}`)).toEqual(['a:created', 'f:created']);
    const flushedRows = await rowsOf('flushed', [a, failing]);
    expect(flushedRows.filter((r) => r.type === 'created').map((r) => r.tx)).toEqual(effects.map((e) => e.tx));
    expect(new Set(flushedRows.map((r) => r.tx)).size).toBe(4);
    expect(await deadLetters(failing)).toEqual([]);
  });

  it('a flush that always fails for one event dead-letters that event and parks its key; an operator’s replay flushes too', async () => {
    const [b, poisoned] = [randomUUID(), randomUUID()];
    failAlwaysFor.add(poisoned);
    await publish([b, 'created', 1], [poisoned, 'created', 1], [poisoned, 'accepted', 2], [b, 'accepted', 2]);
    await marker();
    expect(await flushed(b)).toEqual(['1:created', '2:accepted']);
    expect(await flushed(poisoned)).toEqual([]);
    expect((await deadLetters(poisoned)).map((r) => [r.kind, r.status, r.event_type])).toEqual([
      ['failed', 'parked', TicketCreatedV1.type],
      ['held', 'parked', TicketAcceptedV1.type],
    ]);
    failAlwaysFor.delete(poisoned);
    const [failed] = await deadLetters(poisoned);
    const replayed = await consumer.deadLetters.replay(String(failed.id));
    expect(replayed.ok).toBe(true);
    expect(await flushed(poisoned)).toEqual(['1:created', '2:accepted']); // the replay and the released event each flushed
  });

  it('no flush for a batch of duplicates or of other consumers’ events', async () => {
    const ticketId = randomUUID();
    const event = await new UnitOfWork(producerDs).run((tx) => outbox.add(tx, TicketCreatedV1, ticketId, sampleTicketCreated(1)));
    const message = { topic: TicketCreatedV1.topic, key: ticketId, event };
    await transport.publish([message]);
    await waitFor('the event flushed', async () => (await flushed(ticketId)).length === 1);
    const calls = flushCalls.length;
    const { duplicate, skipped } = consumer.outcomes;
    await transport.publish([message, message]);
    await waitFor('the redeliveries seen as duplicates', async () => consumer.outcomes.duplicate >= duplicate + 2);
    const foreign = { ...event, id: randomUUID(), type: 'ticket.resolved' };
    await transport.publish([{ ...message, event: foreign }, { ...message, event: { ...foreign, id: randomUUID() } }]);
    await waitFor('another consumer’s events skipped', async () => consumer.outcomes.skipped >= skipped + 2);
    expect(flushCalls.length).toBe(calls);
    expect(await flushed(ticketId)).toEqual(['1:created']);
  });
});
