import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { TicketAcceptedV1, TicketCreatedV1 } from '@tss/contracts';
import { systemClock } from '@tss/service-kit';
import { waitFor } from '@tss/service-kit/testing';
import { EventConsumer, on } from '../src/consumer/event-consumer';
import { NotYet } from '../src/consumer/not-yet';
import type { DeadLetterRow } from '../src/dead-letters/dead-letter.store';
import { InProcessTransport } from '../src/in-process/in-process-transport';
import { Outbox } from '../src/outbox/outbox';
import { UnitOfWork } from '../src/outbox/unit-of-work';
import { openPipeline, type Pipeline } from './support/test-pipeline';
import { sampleTicketCreated, ticketCreatedEvent } from '../src/testing';
import { countedDataSource } from '@tss/persistence/testing';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const PRODUCER = 'batch_producer';
const CONSUMER = 'batch_consumer';

class EffectsTable1764900000003 {
  name = 'EffectsTable1764900000003';
  async up(queryRunner: { query(sql: string): Promise<unknown> }) {
    await queryRunner.query(`CREATE TABLE "${CONSUMER}".effects (applied bigserial, ticket_id text NOT NULL, sequence int NOT NULL, type text NOT NULL, tx bigint NOT NULL)`);
  }
  async down() {}
}

const created = (sequence: number) => sampleTicketCreated(sequence);

/**
 * Issue #8: consumers handle a read (in-process) or a fetched partition batch (Kafka) in one
 * transaction. A failing event in a batch must not cost the others their exactly-once effect or a
 * key its order: the batch falls back to one event at a time, so the failure is isolated.
 */
describe('consumers handle events in batches (docs/performance.md, docs/adr/0013)', () => {
  let pipeline: Pipeline;
  let producerDs: DataSource;
  let consumerDs: DataSource;
  let transport: InProcessTransport;
  let consumer: EventConsumer;
  const outbox = new Outbox({ service: 'ticket-intake', schema: PRODUCER, clock: systemClock });
  /** Tickets whose acceptance always fails (a poison event), or is not applicable yet. */
  const poisonFor = new Set<string>();
  const notYetFor = new Set<string>();
  const attempts = new Map<string, number>();

  beforeAll(async () => {
    pipeline = await openPipeline('consumer_batch', { producer: PRODUCER, consumer: CONSUMER, consumerMigrations: [EffectsTable1764900000003], logger });
    ({ producerDs, consumerDs, transport } = pipeline);
    const record = async (tx: { query(sql: string, p: unknown[]): Promise<unknown> }, ticketId: string, sequence: number, type: string) =>
      tx.query(`INSERT INTO "${CONSUMER}".effects (ticket_id, sequence, type, tx) VALUES ($1, $2, $3, txid_current())`, [ticketId, sequence, type]);
    consumer = pipeline.consumer({
      group: 'batch-projection',
      logger,
      bindings: [
        on(TicketCreatedV1, async (event, { tx }) => void (await record(tx, event.subject, event.data.sequence, 'created'))),
        on(TicketAcceptedV1, async (event, { tx }) => {
          // The effect is written first, so a failure after it must roll it back.
          attempts.set(event.subject, (attempts.get(event.subject) ?? 0) + 1);
          await record(tx, event.subject, event.data.sequence, 'accepted');
          if (poisonFor.has(event.subject)) throw new Error(`acceptance of ${event.subject} cannot be applied`);
          if (notYetFor.has(event.subject)) throw new NotYet(`ticket ${event.subject} is not known here yet`);
        }),
      ],
      maxAttempts: 2,
      retryBaseMs: 5,
      maxRetryDelayMs: 20,
      notYetMaxWaitMs: 30_000,
    });
    await consumer.start();
  });

  afterAll(async () => {
    await consumer?.stop();
    await pipeline?.close();
  });

  /** All in one outbox transaction: the relay appends them at once, so the group reads them as one batch. */
  const publish = (...events: [string, 'created' | 'accepted', number][]) => pipeline.publishTicketEvents(events);

  const effects = async (ticketId: string) =>
    (await consumerDs.query(`SELECT sequence, type, tx FROM "${CONSUMER}".effects WHERE ticket_id = $1 ORDER BY applied`, [ticketId])) as { sequence: number; type: string; tx: string }[];
  const applied = async (ticketId: string) => (await effects(ticketId)).map((e) => `${e.sequence}:${e.type}`);
  const deadLetters = (ticketId: string) =>
    consumerDs.query(`SELECT * FROM "${CONSUMER}".dead_letters WHERE message_key = $1 ORDER BY id`, [ticketId]) as Promise<DeadLetterRow[]>;
  const inboxed = async (ticketIds: string[]) =>
    Number(
      (
        (await consumerDs.query(
          `SELECT count(*) AS n FROM "${CONSUMER}".inbox i JOIN "${PRODUCER}".outbox o ON o.event_id::text = i.event_id WHERE o.message_key = ANY($1::text[])`,
          [ticketIds],
        )) as { n: string }[]
      )[0].n,
    );
  const marker = async () => {
    const id = randomUUID();
    await publish([id, 'created', 1]);
    await waitFor('the marker event', async () => (await effects(id)).length === 1);
  };

  it('handles a clean batch in one transaction, each key in order, each event once', async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    await publish([a, 'created', 1], [b, 'created', 1], [c, 'created', 1], [a, 'accepted', 2], [b, 'accepted', 2], [c, 'accepted', 2]);
    await waitFor('every effect', async () => (await effects(c)).length === 2);
    for (const key of [a, b, c]) expect(await applied(key)).toEqual(['1:created', '2:accepted']);
    const transactions = new Set([...(await effects(a)), ...(await effects(b)), ...(await effects(c))].map((e) => e.tx));
    expect(transactions.size).toBe(1);
    expect(await inboxed([a, b, c])).toBe(6);
  });

  it('a failing event in the middle of a batch: the others are handled exactly once, its key parked behind it, order per key kept', async () => {
    const [a, poisoned, c] = [randomUUID(), randomUUID(), randomUUID()];
    poisonFor.add(poisoned);
    await publish(
      [a, 'created', 1],
      [poisoned, 'created', 1],
      [c, 'created', 1],
      [poisoned, 'accepted', 2], // fails every time: dead-lettered after its attempts
      [a, 'accepted', 2],
      [poisoned, 'created', 3], // parked behind it
      [c, 'accepted', 2],
    );
    await marker();
    expect(await applied(a)).toEqual(['1:created', '2:accepted']);
    expect(await applied(c)).toEqual(['1:created', '2:accepted']);
    expect(await applied(poisoned)).toEqual(['1:created']); // the failed attempts' effects rolled back
    expect((await deadLetters(poisoned)).map((r) => [r.kind, r.status, r.event_type])).toEqual([
      ['failed', 'parked', TicketAcceptedV1.type],
      ['held', 'parked', TicketCreatedV1.type],
    ]);
    expect(await inboxed([a, c])).toBe(4);
    expect(await inboxed([poisoned])).toBe(1);
  });

  it('an event not applicable yet in a batch is retried on its own, then applied once, before what came after it', async () => {
    const [a, waiting] = [randomUUID(), randomUUID()];
    notYetFor.add(waiting);
    await publish([a, 'created', 1], [waiting, 'accepted', 1], [a, 'accepted', 2]);
    await waitFor('a retry of the event on its own', () => (attempts.get(waiting) ?? 0) >= 3);
    expect(await applied(a)).toEqual(['1:created']); // what came before it is in; what came after waits
    notYetFor.delete(waiting);
    await waitFor('the rest applied', async () => (await effects(a)).length === 2);
    expect(await applied(waiting)).toEqual(['1:accepted']);
    expect(await applied(a)).toEqual(['1:created', '2:accepted']);
    const [acceptedWaiting] = await effects(waiting);
    const [, acceptedA] = await effects(a);
    expect(BigInt(acceptedWaiting.tx)).toBeLessThan(BigInt(acceptedA.tx));
    expect(await deadLetters(waiting)).toEqual([]);
  });

  // Issue #15: the batch's parking check rides on its inbox insert, under the key locks: two
  // statements before the handlers, not three. A key found parked still rolls the batch back.
  describe('what a batch sends before its handlers', () => {
    const statementsOf = async (group: string, events: readonly { subject: string; sequence: number }[]) => {
      const counted = countedDataSource(consumerDs);
      const direct = new EventConsumer({
        schema: CONSUMER,
        transport,
        unitOfWork: new UnitOfWork(counted.dataSource),
        outbox: new Outbox({ service: 'sla-timer', schema: CONSUMER, clock: systemClock }),
        clock: systemClock,
        group,
        logger,
        bindings: [on(TicketCreatedV1, async (event, { tx }) => void (await tx.query(`INSERT INTO "${CONSUMER}".effects (ticket_id, sequence, type, tx) VALUES ($1, $2, 'created', txid_current())`, [event.subject, event.data.sequence])))],
        maxAttempts: 1,
      });
      let handled = 0;
      const messages = events.map(({ subject, sequence }) => {
        const event = ticketCreatedEvent(subject, created(sequence), new Date().toISOString());
        return { topic: TicketCreatedV1.topic, key: subject, event, raw: { value: Buffer.from(JSON.stringify(event)), headers: {} } };
      });
      await direct.consumeBatch(messages, { handled: (n) => (handled = n), isRunning: () => true, heartbeat: async () => undefined });
      return { handled, transactions: counted.transactions, messages };
    };

    it('the key locks, then the parking check and the inbox rows in one statement', async () => {
      const [a, b] = [randomUUID(), randomUUID()];
      const { handled, transactions } = await statementsOf('batch-statements', [
        { subject: a, sequence: 1 },
        { subject: b, sequence: 1 },
      ]);
      expect(handled).toBe(2);
      expect(transactions).toHaveLength(1);
      const [lock, recorded, ...rest] = transactions[0];
      expect(lock).toContain('pg_advisory_xact_lock');
      expect(recorded).toMatch(/dead_letters[\s\S]*INSERT INTO "batch_consumer"\.inbox/);
      expect(rest).toHaveLength(2); // the two handlers' inserts
      expect(await applied(a)).toEqual(['1:created']);
      expect(await applied(b)).toEqual(['1:created']);
    });

    // A read of one event (a steady trickle) goes the batch's way too: one statement fewer than
    // the one-event path's key lock, parking check and inbox insert (docs/adr/0087).
    it('a batch of one event: the key lock, then the parking check and the inbox row in one statement', async () => {
      const a = randomUUID();
      const { handled, transactions } = await statementsOf('batch-of-one-statements', [{ subject: a, sequence: 1 }]);
      expect(handled).toBe(1);
      expect(transactions).toHaveLength(1);
      const [lock, recorded, ...rest] = transactions[0];
      expect(lock).toContain('pg_advisory_xact_lock');
      expect(recorded).toMatch(/dead_letters[\s\S]*INSERT INTO "batch_consumer"\.inbox/);
      expect(rest).toHaveLength(1); // the handler's insert
      expect(await applied(a)).toEqual(['1:created']);
    });

    it('a batch with an event of a parked key: the others handled once, it parked behind the key, nothing of the rolled-back batch kept', async () => {
      const [a, parked, b] = [randomUUID(), randomUUID(), randomUUID()];
      const group = 'batch-parked-key';
      await consumerDs.query(
        `INSERT INTO "${CONSUMER}".dead_letters (consumer_group, topic, message_key, reason, kind, status, headers, dead_lettered_at) VALUES ($1, $2, $3, 'an earlier failure', 'failed', 'parked', '{}', now())`,
        [group, TicketCreatedV1.topic, parked],
      );
      const { handled, transactions, messages } = await statementsOf(group, [
        { subject: a, sequence: 1 },
        { subject: parked, sequence: 7 },
        { subject: b, sequence: 1 },
      ]);
      expect(handled).toBe(3);
      // The first try of all three rolled back at the parked key; then a before it as a batch, it alone, b after.
      expect(transactions.length).toBeGreaterThanOrEqual(3);
      expect(await applied(a)).toEqual(['1:created']);
      expect(await applied(b)).toEqual(['1:created']);
      expect(await applied(parked)).toEqual([]);
      expect((await deadLetters(parked)).map((r) => [r.kind, r.status, r.event_id])).toEqual([
        ['failed', 'parked', null],
        ['held', 'parked', messages[1].event.id],
      ]);
      const inboxOf = async (id: string) => (await consumerDs.query(`SELECT event_id FROM "${CONSUMER}".inbox WHERE consumer_group = $1 AND event_id = $2`, [group, id])) as unknown[];
      expect(await inboxOf(messages[0].event.id)).toHaveLength(1);
      expect(await inboxOf(messages[1].event.id)).toHaveLength(0);
      expect(await inboxOf(messages[2].event.id)).toHaveLength(1);
    });
  });

  it('an event delivered twice in one batch (a relay republishing) is handled once', async () => {
    const ticketId = randomUUID();
    const event = await new UnitOfWork(producerDs).run((tx) => outbox.add(tx, TicketCreatedV1, ticketId, created(1)));
    const message = { topic: TicketCreatedV1.topic, key: ticketId, event };
    await transport.publish([message, message, message]);
    await marker();
    expect(await applied(ticketId)).toEqual(['1:created']);
    expect(consumer.outcomes.duplicate).toBeGreaterThanOrEqual(2);
  });
});
