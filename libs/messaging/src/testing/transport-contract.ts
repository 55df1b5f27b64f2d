import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { TicketCreatedV1, TicketAcceptedV1, TicketRespondedV1, dataSchemaUri, type CloudEventEnvelope } from '@tss/contracts';
import { createServiceDataSource, initializeAndMigrate } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { systemClock, type Clock } from '@tss/service-kit';
import { logCapture, TestClock, waitFor } from '@tss/service-kit/testing';
import type { BatchFlush } from '../consumer/batch-writes';
import { EventConsumer, on, type EventConsumerOptions, type HandlerBinding } from '../consumer/event-consumer';
import { messagingMigrations } from '../outbox/messaging-migrations';
import { Outbox } from '../outbox/outbox';
import { OutboxRelay } from '../outbox/outbox-relay';
import { UnitOfWork } from '../outbox/unit-of-work';
import { DEAD_LETTER_TOPIC, type BatchProgress, type EventTransport, type InboundMessage } from '../transport';
import { sampleTicketCreated } from './sample-ticket-events';

const PRODUCER_SCHEMA = 'contract_producer';
const CONSUMER_SCHEMA = 'contract_consumer';
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

class EffectsTable1764115299000 {
  name = 'EffectsTable1764115299000';
  async up(queryRunner: { query(sql: string): Promise<unknown> }) {
    await queryRunner.query(`CREATE TABLE ${CONSUMER_SCHEMA}.effects (applied bigserial, event_id text NOT NULL, ticket_id text NOT NULL, sequence int NOT NULL, type text NOT NULL)`);
  }
  async down() {}
}

const ticketCreatedData = (partnerId: string, sequence: number) => sampleTicketCreated(sequence, { partnerId });

/**
 * The messaging contract both transports must meet: outbox → relay → transport → inbox-guarded
 * handler, once per event, in order per key, with dead letters for bad or failing events.
 * `only`: these of its tests, by title (a title the contract does not have is a failing test), for a
 * second connection to a transport whose whole contract runs elsewhere.
 */
export const describeTransportContract = (
  name: string,
  makeTransport: (label: string, databaseUrl: string) => Promise<EventTransport>,
  options: { only?: readonly string[] } = {},
): void => {
  const titles = new Set<string>();
  const contractTest = (title: string, fn: () => Promise<void>, timeoutMs?: number): void => {
    titles.add(title);
    if (!options.only || options.only.includes(title)) it(title, fn, timeoutMs);
  };
  describe(`messaging contract: ${name}`, () => {
    let db: TestDatabase;
    let producerDs: DataSource;
    let consumerDs: DataSource;
    let transport: EventTransport;
    let relay: OutboxRelay;
    let outbox: Outbox;
    let producer: UnitOfWork;
    const running: { stop(): Promise<void> }[] = [];
    const partnerId = randomUUID();

    beforeAll(async () => {
      db = await createTestDatabase(`contract_${name}`);
      producerDs = createServiceDataSource({ url: db.url, schema: PRODUCER_SCHEMA, migrations: messagingMigrations(PRODUCER_SCHEMA) });
      consumerDs = createServiceDataSource({ url: db.url, schema: CONSUMER_SCHEMA, migrations: [...messagingMigrations(CONSUMER_SCHEMA), EffectsTable1764115299000] });
      await initializeAndMigrate(producerDs);
      await initializeAndMigrate(consumerDs);
      transport = await makeTransport(name, db.url);
      outbox = new Outbox({ service: 'ticket-intake', schema: PRODUCER_SCHEMA, clock: systemClock });
      relay = new OutboxRelay({ dataSource: producerDs, schema: PRODUCER_SCHEMA, transport, clock: systemClock, logger, pollIntervalMs: 50 });
      producer = new UnitOfWork(producerDs, relay);
      relay.start();
    });

    afterEach(async () => {
      while (running.length) await running.pop()!.stop();
    });

    afterAll(async () => {
      await relay.stop();
      await transport.close();
      await producerDs.destroy();
      await consumerDs.destroy();
      await db.drop();
    });

    const startConsumer = async (
      group: string,
      bindings: HandlerBinding[],
      options: { maxAttempts?: number; clock?: Clock } & Partial<Pick<EventConsumerOptions, 'logger' | 'newerTypeWaitMs' | 'maxRetryDelayMs'>> = {},
    ) => {
      const clock = options.clock ?? systemClock;
      const consumer = new EventConsumer({
        group,
        schema: CONSUMER_SCHEMA,
        transport,
        unitOfWork: new UnitOfWork(consumerDs),
        outbox: new Outbox({ service: 'sla-timer', schema: CONSUMER_SCHEMA, clock }),
        clock,
        logger: options.logger ?? logger,
        bindings,
        maxAttempts: options.maxAttempts ?? 3,
        retryBaseMs: 5,
        ...(options.newerTypeWaitMs !== undefined ? { newerTypeWaitMs: options.newerTypeWaitMs } : {}),
        ...(options.maxRetryDelayMs !== undefined ? { maxRetryDelayMs: options.maxRetryDelayMs } : {}),
      });
      await consumer.start();
      running.push(consumer);
      return consumer;
    };

    const recordEffect = (group: string) =>
      on(TicketCreatedV1, async (event, { tx }) => {
        await tx.query(`INSERT INTO ${CONSUMER_SCHEMA}.effects (event_id, ticket_id, sequence, type) VALUES ($1, $2, $3, $4)`, [
          event.id,
          event.subject,
          event.data.sequence,
          group,
        ]);
      });

    // In the order they were applied: a key's effects are written one transaction after another,
    // so the serial follows that order (ctid does not: concurrent backends fill different pages).
    const effectsFor = async (group: string, ticketIds: string[]) =>
      (await consumerDs.query(`SELECT event_id, ticket_id, sequence FROM ${CONSUMER_SCHEMA}.effects WHERE type = $1 AND ticket_id = ANY($2::text[]) ORDER BY applied`, [
        group,
        ticketIds,
      ])) as { event_id: string; ticket_id: string; sequence: number }[];

    const watchDeadLetters = async (group: string) => {
      const letters: InboundMessage[] = [];
      const subscription = await transport.subscribe({ group, topics: [DEAD_LETTER_TOPIC], handle: async (m) => void letters.push(m) });
      running.push(subscription);
      return letters;
    };

    contractTest('delivers each committed event once, in order per ticket', async () => {
      const group = `order-${randomUUID().slice(0, 8)}`;
      await startConsumer(group, [recordEffect(group)]);
      const tickets = [randomUUID(), randomUUID()];
      for (let sequence = 1; sequence <= 10; sequence += 1) {
        await producer.run(async (tx) => {
          for (const ticketId of tickets) await outbox.add(tx, TicketCreatedV1, ticketId, ticketCreatedData(partnerId, sequence));
        });
      }
      const effects = await waitFor('20 effects', async () => {
        const rows = await effectsFor(group, tickets);
        return rows.length >= 20 && rows;
      });
      expect(effects).toHaveLength(20);
      for (const ticketId of tickets) {
        expect(effects.filter((e) => e.ticket_id === ticketId).map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      }
      expect(new Set(effects.map((e) => e.event_id)).size).toBe(20);
    });

    const publishedIds = async (eventIds: string[]) =>
      (
        (await producerDs.query(`SELECT event_id FROM ${PRODUCER_SCHEMA}.outbox WHERE published_at IS NOT NULL AND event_id = ANY($1::uuid[])`, [eventIds])) as {
          event_id: string;
        }[]
      ).map((r) => r.event_id);

    contractTest('a group that subscribes after the events were published still gets every one of them, in order', async () => {
      const group = `late-${randomUUID().slice(0, 8)}`;
      const ticketId = randomUUID();
      const events = await producer.run(async (tx) => {
        const written = [];
        for (let sequence = 1; sequence <= 3; sequence += 1) written.push(await outbox.add(tx, TicketCreatedV1, ticketId, ticketCreatedData(partnerId, sequence)));
        return written;
      });
      await waitFor('the relay to publish the three events', async () => (await publishedIds(events.map((e) => e.id))).length === 3);
      await startConsumer(group, [recordEffect(group)]);
      const effects = await waitFor('three effects', async () => {
        const rows = await effectsFor(group, [ticketId]);
        return rows.length >= 3 && rows;
      });
      expect(effects.map((e) => e.sequence)).toEqual([1, 2, 3]);
    });

    contractTest('a stopped group gets what was published while it was stopped, once', async () => {
      const group = `stopped-${randomUUID().slice(0, 8)}`;
      const ticketId = randomUUID();
      const first = await startConsumer(group, [recordEffect(group)]);
      await producer.run((tx) => outbox.add(tx, TicketCreatedV1, ticketId, ticketCreatedData(partnerId, 1)));
      await waitFor('the first effect', async () => (await effectsFor(group, [ticketId])).length === 1);
      await first.stop();
      const whileStopped = await producer.run((tx) => outbox.add(tx, TicketCreatedV1, ticketId, ticketCreatedData(partnerId, 2)));
      await waitFor('the relay to publish while the group is stopped', async () => (await publishedIds([whileStopped.id])).length === 1);
      await startConsumer(group, [recordEffect(group)]);
      const effects = await waitFor('the second effect', async () => {
        const rows = await effectsFor(group, [ticketId]);
        return rows.length >= 2 && rows;
      });
      expect(effects.map((e) => e.sequence)).toEqual([1, 2]);
    });

    contractTest('publishes nothing from a rolled-back transaction', async () => {
      const group = `rollback-${randomUUID().slice(0, 8)}`;
      await startConsumer(group, [recordEffect(group)]);
      const rolledBack = randomUUID();
      const committed = randomUUID();
      await expect(
        producer.run(async (tx) => {
          await outbox.add(tx, TicketCreatedV1, rolledBack, ticketCreatedData(partnerId, 1));
          throw new Error('use case failed after writing its event');
        }),
      ).rejects.toThrow('use case failed');
      await producer.run((tx) => outbox.add(tx, TicketCreatedV1, committed, ticketCreatedData(partnerId, 1)));
      await waitFor('the committed event', async () => (await effectsFor(group, [committed])).length === 1);
      expect(await effectsFor(group, [rolledBack])).toHaveLength(0);
    });

    contractTest('a redelivered event changes nothing (inbox)', async () => {
      const group = `redelivery-${randomUUID().slice(0, 8)}`;
      await startConsumer(group, [recordEffect(group)]);
      const ticketId = randomUUID();
      const event = await producer.run((tx) => outbox.add(tx, TicketCreatedV1, ticketId, ticketCreatedData(partnerId, 1)));
      await waitFor('first delivery', async () => (await effectsFor(group, [ticketId])).length === 1);
      // The same event again, as after a consumer crash before its offset commit.
      await transport.publish([{ topic: TicketCreatedV1.topic, key: ticketId, event }]);
      const marker = randomUUID();
      await producer.run((tx) => outbox.add(tx, TicketCreatedV1, marker, ticketCreatedData(partnerId, 1)));
      await waitFor('a later event', async () => (await effectsFor(group, [marker])).length === 1);
      expect(await effectsFor(group, [ticketId])).toHaveLength(1);
    });

    contractTest('dead-letters an event that breaks its contract, with the reason, and keeps going', async () => {
      const group = `invalid-${randomUUID().slice(0, 8)}`;
      const letters = await watchDeadLetters(`dlq-${group}`);
      await startConsumer(group, [recordEffect(group)]);
      const badTicket = randomUUID();
      const bad: CloudEventEnvelope = {
        specversion: '1.0',
        id: randomUUID(),
        source: 'tss/test',
        type: TicketCreatedV1.type,
        time: '2026-01-01T00:00:00.000Z',
        subject: badTicket,
        datacontenttype: 'application/json',
        dataschema: dataSchemaUri(TicketCreatedV1.type, 1),
        data: { partnerId, sequence: 1, product: 'not-a-product' },
      };
      await transport.publish([{ topic: TicketCreatedV1.topic, key: badTicket, event: bad }]);
      const goodTicket = randomUUID();
      await producer.run((tx) => outbox.add(tx, TicketCreatedV1, goodTicket, ticketCreatedData(partnerId, 1)));
      await waitFor('the valid event after the bad one', async () => (await effectsFor(group, [goodTicket])).length === 1);
      const letter = await waitFor('a dead letter', () => letters.find((l) => l.key === badTicket));
      expect(letter.raw.headers['ce_id']).toBe(bad.id);
      expect(await effectsFor(group, [badTicket])).toHaveLength(0);
      expect(letter.raw.headers['dlq-reason']).toMatch(/data invalid/);
      expect(letter.raw.headers['dlq-group']).toBe(group);
    });

    contractTest('dead-letters an event whose handler keeps failing, after its retries', async () => {
      const group = `failing-${randomUUID().slice(0, 8)}`;
      const letters = await watchDeadLetters(`dlq-${group}`);
      const poison = randomUUID();
      let attempts = 0;
      const consumer = await startConsumer(
        group,
        [
          on(TicketCreatedV1, async (event, ctx) => {
            if (event.subject === poison) {
              attempts += 1;
              throw new Error('handler bug');
            }
            await recordEffect(group).handle(event, ctx);
          }),
        ],
        { maxAttempts: 3 },
      );
      await producer.run((tx) => outbox.add(tx, TicketCreatedV1, poison, ticketCreatedData(partnerId, 1)));
      const after = randomUUID();
      await producer.run((tx) => outbox.add(tx, TicketCreatedV1, after, ticketCreatedData(partnerId, 1)));
      await waitFor('the event after the poison one', async () => (await effectsFor(group, [after])).length === 1);
      await waitFor('the poison event in the dead-letter topic', () => letters.find((l) => l.key === poison));
      expect(attempts).toBe(3);
      expect(letters.filter((l) => l.key === poison)).toHaveLength(1);
      expect(consumer.outcomes['dead-lettered']).toBeGreaterThanOrEqual(1);
    });

    contractTest('a failing event amid others read together: the others are handled exactly once, in order per key; it is tried maxAttempts times', async () => {
      const group = `amid-${randomUUID().slice(0, 8)}`;
      const [a, poison, b] = [randomUUID(), randomUUID(), randomUUID()];
      let attempts = 0;
      // Published before the group exists: a new group reads them in one go from the beginning.
      await producer.run(async (tx) => {
        for (const sequence of [1, 2, 3]) {
          for (const ticketId of [a, poison, b]) await outbox.add(tx, TicketCreatedV1, ticketId, ticketCreatedData(partnerId, sequence));
        }
      });
      await waitFor('the events published', async () => relay.publishedCount > 0 && (await relay.backlog()).events === 0);
      await startConsumer(
        group,
        [
          on(TicketCreatedV1, async (event, ctx) => {
            if (event.subject === poison && event.data.sequence === 2) {
              attempts += 1;
              throw new Error('handler bug');
            }
            await recordEffect(group).handle(event, ctx);
          }),
        ],
        { maxAttempts: 3 },
      );
      await waitFor('the others applied', async () => (await effectsFor(group, [a, b])).length === 6);
      const parked = await waitFor('the poison event and the one after it parked', async () => {
        const rows = (await consumerDs.query(`SELECT kind FROM ${CONSUMER_SCHEMA}.dead_letters WHERE consumer_group = $1 AND message_key = $2 ORDER BY id`, [
          group,
          poison,
        ])) as { kind: string }[];
        return rows.length >= 2 && rows;
      });
      expect(parked.map((r) => r.kind)).toEqual(['failed', 'held']);
      for (const ticketId of [a, b]) expect((await effectsFor(group, [ticketId])).map((e) => e.sequence)).toEqual([1, 2, 3]);
      expect((await effectsFor(group, [poison])).map((e) => e.sequence)).toEqual([1]);
      expect(attempts).toBe(3);
    });

    contractTest('deferred writes: flushed with the batch; a failing flush rolls it back and each event goes alone, once, in order per key (docs/adr/0049)', async () => {
      const group = `flush-${randomUUID().slice(0, 8)}`;
      const [a, b] = [randomUUID(), randomUUID()];
      const flushSizes: number[] = [];
      /** The tickets of the writes of the flushes that committed (every one but the failed one). */
      const committed: string[] = [];
      // Fails the first time it is given more than one event (a batch), then never again.
      let failBatch = true;
      const flush: BatchFlush<{ id: string; ticketId: string; sequence: number }> = async (items, { tx }) => {
        flushSizes.push(items.length);
        for (const i of items) {
          await tx.query(`INSERT INTO ${CONSUMER_SCHEMA}.effects (event_id, ticket_id, sequence, type) VALUES ($1, $2, $3, $4)`, [i.id, i.ticketId, i.sequence, group]);
        }
        if (failBatch && items.length > 1) {
          failBatch = false;
          throw new Error('the batched write failed');
        }
        committed.push(...items.map((i) => i.ticketId));
      };
      // Published before the group exists: a new group reads them in one go from the beginning.
      await producer.run(async (tx) => {
        for (const sequence of [1, 2, 3]) {
          for (const ticketId of [a, b]) await outbox.add(tx, TicketCreatedV1, ticketId, ticketCreatedData(partnerId, sequence));
        }
      });
      await waitFor('the events published', async () => relay.publishedCount > 0 && (await relay.backlog()).events === 0);
      await startConsumer(group, [on(TicketCreatedV1, async (event, { batch }) => batch.defer(flush, { id: event.id, ticketId: event.subject, sequence: event.data.sequence }))]);
      await waitFor('every deferred write', async () => (await effectsFor(group, [a, b])).length === 6);
      for (const ticketId of [a, b]) expect((await effectsFor(group, [ticketId])).map((e) => e.sequence)).toEqual([1, 2, 3]);
      expect(failBatch).toBe(false); // a batch was flushed, and failed: its rows were rolled back
      // Each event's write is committed exactly once: the committed flushes hold a's three and b's three
      // (a new group reads the log from its start: earlier cases' events are flushed too).
      expect(committed.filter((t) => t === a || t === b).length).toBe(6);
      // Its events then go one at a time. On Kafka a rebalance that makes the batch stale meanwhile
      // (eachBatch's isStale) redelivers the rest as a batch instead, so only the in-process
      // transport, which has no rebalances, is held to "each alone" here.
      if (!name.startsWith('kafka')) expect(flushSizes.filter((n) => n === 1).length).toBeGreaterThanOrEqual(2);
      expect(new Set((await effectsFor(group, [a, b])).map((e) => e.event_id)).size).toBe(6);
    });

    contractTest("parks a key's later events behind its dead letter; replaying it releases them in order", async () => {
      const group = `parked-${randomUUID().slice(0, 8)}`;
      const parkedTicket = randomUUID();
      const otherTicket = randomUUID();
      let failing = true;
      const consumer = await startConsumer(group, [
        on(TicketCreatedV1, async (event, ctx) => {
          if (failing && event.subject === parkedTicket && event.data.sequence === 1) throw new Error('handler bug');
          await recordEffect(group).handle(event, ctx);
        }),
      ]);
      await producer.run(async (tx) => {
        await outbox.add(tx, TicketCreatedV1, parkedTicket, ticketCreatedData(partnerId, 1));
        await outbox.add(tx, TicketCreatedV1, otherTicket, ticketCreatedData(partnerId, 1));
        await outbox.add(tx, TicketCreatedV1, parkedTicket, ticketCreatedData(partnerId, 2));
      });
      const parked = await waitFor('the dead letter and the event parked behind it', async () => {
        const rows = (await consumerDs.query(`SELECT id, kind FROM ${CONSUMER_SCHEMA}.dead_letters WHERE consumer_group = $1 AND message_key = $2 ORDER BY id`, [
          group,
          parkedTicket,
        ])) as { id: string; kind: string }[];
        return rows.length >= 2 && rows;
      });
      expect(parked.map((r) => r.kind)).toEqual(['failed', 'held']);
      await waitFor('the other ticket applied', async () => (await effectsFor(group, [otherTicket])).length === 1);
      expect(await effectsFor(group, [parkedTicket])).toEqual([]);

      failing = false;
      const replayed = await consumer.deadLetters.replay(parked[0].id);
      expect(replayed).toEqual({ ok: true, value: { id: parked[0].id, status: 'replayed', released: 1 } });
      expect((await effectsFor(group, [parkedTicket])).map((e) => e.sequence)).toEqual([1, 2]);
    });

    contractTest('a consumer that crashes after its effect, before acknowledging, gets the event again and changes nothing', async () => {
      const group = `crash-${randomUUID().slice(0, 8)}`;
      const ticketId = randomUUID();
      let crashed = false;
      let redelivered = false;
      // The transport as the consumer sees it: acknowledging the first delivery of this event fails,
      // exactly as if the process died between its database commit and the offset commit.
      const crashing: EventTransport = Object.assign(Object.create(transport) as EventTransport, {
        subscribe: (options: Parameters<EventTransport['subscribe']>[0]) =>
          transport.subscribe({
            ...options,
            handle: async (message: InboundMessage) => {
              if (crashed && message.key === ticketId) redelivered = true;
              await options.handle(message);
              if (!crashed && message.key === ticketId) {
                crashed = true;
                throw new Error('crash after the effect, before the acknowledgment');
              }
            },
            // A consumer taking batches: the batch's effects commit, then its acknowledgment is lost.
            handleBatch:
              options.handleBatch &&
              (async (messages: readonly InboundMessage[], progress: BatchProgress) => {
                const ours = messages.some((m) => m.key === ticketId);
                if (crashed && ours) redelivered = true;
                if (crashed || !ours) return options.handleBatch!(messages, progress);
                await options.handleBatch!(messages, { ...progress, handled: () => undefined });
                crashed = true;
                throw new Error('crash after the effect, before the acknowledgment');
              }),
          }),
      });
      const consumer = new EventConsumer({
        group,
        schema: CONSUMER_SCHEMA,
        transport: crashing,
        unitOfWork: new UnitOfWork(consumerDs),
        outbox: new Outbox({ service: 'sla-timer', schema: CONSUMER_SCHEMA, clock: systemClock }),
        clock: systemClock,
        logger,
        bindings: [recordEffect(group)],
        retryBaseMs: 5,
      });
      await consumer.start();
      running.push(consumer);
      await producer.run((tx) => outbox.add(tx, TicketCreatedV1, ticketId, ticketCreatedData(partnerId, 1)));
      await waitFor('the redelivery', () => redelivered, { timeoutMs: 30_000 });
      await waitFor('the redelivery handled', () => consumer.outcomes.duplicate >= 1);
      expect(await effectsFor(group, [ticketId])).toHaveLength(1);
    });

    contractTest("one relay batch larger than a broker's request limit (1 MiB by default) is delivered whole, once, in order", async () => {
      const group = `large-${randomUUID().slice(0, 8)}`;
      const seen: number[] = [];
      await startConsumer(group, [on(TicketRespondedV1, async (event) => void seen.push(event.data.sequence))]);
      const ticketId = randomUUID();
      // 60 replies of 20,000 Cyrillic characters (40 KB each): 2.4 MB on one key, so one partition.
      const body = 'Ответ'.repeat(4_000);
      await producer.run(async (tx) => {
        for (let sequence = 1; sequence <= 60; sequence += 1) {
          await outbox.add(tx, TicketRespondedV1, ticketId, { partnerId, sequence, messageId: randomUUID(), respondedAt: '2026-01-01T00:00:00.000Z', authorId: 'agent-1', body });
        }
      });
      await waitFor('60 large events', () => seen.length >= 60, { timeoutMs: 30_000 });
      expect(seen).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    });

    contractTest('skips event types it does not handle on a shared topic', async () => {
      const group = `skip-${randomUUID().slice(0, 8)}`;
      const letters = await watchDeadLetters(`dlq-${group}`);
      const consumer = await startConsumer(group, [recordEffect(group)]);
      const ticketId = randomUUID();
      await producer.run(async (tx) => {
        await outbox.add(tx, TicketAcceptedV1, ticketId, { partnerId, sequence: 2, acceptedAt: '2026-01-01T00:00:00.000Z', via: 'api' });
        await outbox.add(tx, TicketCreatedV1, ticketId, ticketCreatedData(partnerId, 1));
      });
      await waitFor('the handled event', async () => (await effectsFor(group, [ticketId])).length === 1);
      expect(consumer.outcomes.skipped).toBeGreaterThanOrEqual(1);
      expect(letters.filter((l) => l.key === ticketId)).toEqual([]);
    });

    // docs/adr/0072, addendum of 2026-12-05, third session. Kafka can deliver it again later, to a
    // newer member of the group during a rolling upgrade; the in-process log has one reader per
    // group (one process, one release), so nobody newer could ever take it there.
    contractTest('an event of a type newer than the release, in a family the consumer reads: held while young where another member could take it (Kafka), skipped at once in-process; past the bound skipped, said once', async () => {
      const group = `newer-${randomUUID().slice(0, 8)}`;
      const clock = new TestClock(systemClock.now());
      const log = logCapture();
      const waitMs = 60_000;
      await startConsumer(group, [recordEffect(group)], { clock, logger: pino({ level: 'debug' }, log.stream), newerTypeWaitMs: waitMs, maxRetryDelayMs: 50 });
      const ticketId = randomUUID();
      const newer: CloudEventEnvelope = {
        specversion: '1.0',
        id: randomUUID(),
        source: 'tss/ticket-intake',
        type: 'ticket.handed_over_in_a_later_release',
        time: clock.now().toISOString(),
        subject: ticketId,
        datacontenttype: 'application/json',
        dataschema: dataSchemaUri('ticket.handed_over_in_a_later_release', 1),
        data: { partnerId, sequence: 2 },
      };
      const created: CloudEventEnvelope = { ...newer, id: randomUUID(), type: TicketCreatedV1.type, dataschema: dataSchemaUri(TicketCreatedV1.type, 1), data: ticketCreatedData(partnerId, 3) };
      const held = () => log.lines.filter((l) => /left for a newer member/.test(l.msg) && l.eventId === newer.id).length;
      const skipped = () => log.lines.filter((l) => l.level === 40 && /newer than this release skipped/.test(l.msg) && l.eventId === newer.id);
      // One key: one partition, the later event behind the newer one.
      await transport.publish([newer, created].map((event) => ({ topic: TicketCreatedV1.topic, key: ticketId, event })));

      if (transport.kind === 'kafka') {
        await waitFor('the newer type held, handed back more than once (or gone past)', async () => held() >= 3 || (await effectsFor(group, [ticketId])).length > 0, { timeoutMs: 30_000 });
        expect(await effectsFor(group, [ticketId])).toEqual([]);
        expect(skipped()).toEqual([]);
        clock.advanceMs(waitMs);
      }
      await waitFor('the event behind it handled', async () => (await effectsFor(group, [ticketId])).length === 1, { timeoutMs: 30_000 });
      expect(skipped()).toEqual([expect.objectContaining({ type: newer.type, topic: TicketCreatedV1.topic, position: expect.any(String) })]);
      if (transport.kind === 'in-process') expect(held()).toBe(0);
    });

    // A title the contract does not have would quietly run nothing in its place: a failing test says so.
    const unknown = (options.only ?? []).filter((title) => !titles.has(title));
    if (unknown.length > 0) {
      it('runs only tests the contract has', () => {
        throw new Error(`describeTransportContract: no such test in the contract: ${unknown.join('; ')}`);
      });
    }
  });
};
