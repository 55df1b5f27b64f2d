import { randomUUID } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { dataSchemaUri, TicketCreatedV1, type CloudEventEnvelope } from '@tss/contracts';
import { createServiceDataSource, initializeAndMigrate } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { logCapture, TestClock, waitFor } from '@tss/service-kit/testing';
import { EventConsumer, on, onNewerTypes, type NewerTypeBinding } from '../src/consumer/event-consumer';
import { KafkaTransport } from '../src/kafka/kafka-transport';
import { messagingMigrations } from '../src/outbox/messaging-migrations';
import { Outbox } from '../src/outbox/outbox';
import { UnitOfWork } from '../src/outbox/unit-of-work';
import { sampleTicketCreated } from '../src/testing';

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',');
const SCHEMA = 'newer_types_consumer';
const PARTITIONS = 3;
/** A type no contract of this release names, in the `ticket.` family: what the newer release added. */
const NEWER_TYPE = 'ticket.handed_over_in_a_later_release';
const WAIT_MS = 60_000;

class NewerTypesTables1764960000001 {
  name = 'NewerTypesTables1764960000001';
  async up(queryRunner: { query(sql: string): Promise<unknown> }) {
    await queryRunner.query(`CREATE TABLE "${SCHEMA}".effects (applied bigserial, event_id text NOT NULL, ticket_id text NOT NULL, type text NOT NULL, member text NOT NULL)`);
  }
  async down() {}
}

/** The partition the producer puts a key in (kafkajs's default partitioner, as the transport's). */
const partitionOf = (key: string): number =>
  Partitioners.DefaultPartitioner()({ topic: 'any', partitionMetadata: Array.from({ length: PARTITIONS }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] })), message: { key, value: null } });

/** Two ticket ids whose events go to different partitions. */
const ticketsInTwoPartitions = (): [string, string] => {
  const first = randomUUID();
  for (;;) {
    const second = randomUUID();
    if (partitionOf(second) !== partitionOf(first)) return [first, second];
  }
};

/**
 * The outside tester's rolling upgrade (docs/adr/0072, addendum of 2026-12-05, third session): a
 * notification replica of the older release and one of the newer share a consumer group. The older
 * one met `ticket.credentials_stored_after_resolution`, skipped it and committed past it, and the
 * newer one never saw it. Now the older member holds that partition while the event is young, goes
 * on with its others, and a newer member that takes the partition over handles it.
 */
describe('a newer type during a rolling upgrade on Kafka (docs/adr/0072)', () => {
  const prefix = `n${randomUUID().slice(0, 8)}.`;
  let db: TestDatabase;
  let ds: DataSource;
  const clock = new TestClock(new Date());
  const running: { stop(): Promise<void> }[] = [];
  const transports: KafkaTransport[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('newer_types_kafka');
    ds = createServiceDataSource({ url: db.url, schema: SCHEMA, migrations: [...messagingMigrations(SCHEMA), NewerTypesTables1764960000001] });
    await initializeAndMigrate(ds);
  });

  afterEach(async () => {
    while (running.length) await running.pop()!.stop();
  });

  afterAll(async () => {
    for (const t of transports) await t.close();
    await ds?.destroy();
    await db?.drop();
  });

  const record = (tx: { query(sql: string, p: unknown[]): Promise<unknown> }, event: { id: string; subject: string; type: string }, member: string) =>
    tx.query(`INSERT INTO "${SCHEMA}".effects (event_id, ticket_id, type, member) VALUES ($1, $2, $3, $4)`, [event.id, event.subject, event.type, member]);

  /** A member of `group`: the older release binds `ticket.created` only; the newer one handles the newer type too. */
  const member = async (group: string, name: string, newerTypes: (member: string) => NewerTypeBinding[] = () => []) => {
    const capture = logCapture();
    const transport = new KafkaTransport({ brokers, clientId: `${group}-${name}`, logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), topicPrefix: prefix, partitions: PARTITIONS });
    transports.push(transport);
    const consumer = new EventConsumer({
      group,
      schema: SCHEMA,
      transport,
      unitOfWork: new UnitOfWork(ds),
      outbox: new Outbox({ service: 'notification', schema: SCHEMA, clock }),
      clock,
      logger: pino({ level: 'debug' }, capture.stream),
      bindings: [on(TicketCreatedV1, async (event, { tx }) => void (await record(tx, event, name)))],
      newerTypes: newerTypes(name),
      newerTypeWaitMs: WAIT_MS,
      // The held partition is looked at again often, so the test need not wait for it.
      maxRetryDelayMs: 200,
    });
    await consumer.start();
    running.push(consumer);
    return { consumer, transport, lines: capture.lines };
  };

  const envelope = (type: string, subject: string, data: unknown): CloudEventEnvelope => ({
    specversion: '1.0',
    id: randomUUID(),
    source: 'tss/ticket-intake',
    type,
    time: clock.now().toISOString(),
    subject,
    datacontenttype: 'application/json',
    dataschema: dataSchemaUri(type, 1),
    data,
  });

  const effectsOf = async (ticketId: string) =>
    (await ds.query(`SELECT event_id, type, member FROM "${SCHEMA}".effects WHERE ticket_id = $1 ORDER BY applied`, [ticketId])) as { event_id: string; type: string; member: string }[];

  it('the older member holds the newer type’s partition and goes on with its others; the newer member that takes the partition over handles it, then what came after it', async () => {
    const group = `notification-${randomUUID().slice(0, 8)}`;
    const [heldTicket, otherTicket] = ticketsInTwoPartitions();
    const older = await member(group, 'older');
    const newer = envelope(NEWER_TYPE, heldTicket, { partnerId: randomUUID(), sequence: 5, credentialId: randomUUID() });
    const behind = envelope(TicketCreatedV1.type, heldTicket, sampleTicketCreated(6));
    const elsewhere = envelope(TicketCreatedV1.type, otherTicket, sampleTicketCreated(1));
    await older.transport.publish([newer, behind, elsewhere].map((event) => ({ topic: TicketCreatedV1.topic, key: event.subject, event })));

    const holds = () => older.lines.filter((l) => /left for a newer member/.test(l.msg) && l.eventId === newer.id).length;
    await waitFor(
      'the other partition handled, and the newer type held more than once (or gone past)',
      async () => (await effectsOf(otherTicket)).length === 1 && (holds() >= 3 || (await effectsOf(heldTicket)).length > 0),
      { timeoutMs: 30_000 },
    );
    expect(await effectsOf(heldTicket)).toEqual([]);

    // The rollout replaces the older pod: its partitions go to the newer member, from the last committed offset.
    await running.pop()!.stop();
    await member(group, 'newer', (name) => [onNewerTypes('ticket.', async (event, { tx }) => void (await record(tx, event, name)))]);

    await waitFor('the held partition handled by the newer member', async () => (await effectsOf(heldTicket)).length === 2, { timeoutMs: 60_000 });
    expect(await effectsOf(heldTicket)).toEqual([
      { event_id: newer.id, type: NEWER_TYPE, member: 'newer' },
      { event_id: behind.id, type: TicketCreatedV1.type, member: 'newer' },
    ]);
    expect(await effectsOf(otherTicket)).toEqual([{ event_id: elsewhere.id, type: TicketCreatedV1.type, member: 'older' }]);
    expect(older.lines.filter((l) => l.level >= 40 && /skipped/.test(l.msg))).toEqual([]);
    expect(older.consumer.outcomes.skipped).toBe(0);
  }, 120_000);
});
