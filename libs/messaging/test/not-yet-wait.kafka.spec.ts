import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { dataSchemaUri, SlaMetV1, TicketCreatedV1, type CloudEventEnvelope, type EventContract, type EventData } from '@tss/contracts';
import { createServiceDataSource, initializeAndMigrate } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { systemClock } from '@tss/service-kit';
import { logCapture, waitFor, type LogLine } from '@tss/service-kit/testing';
import { EventConsumer, on } from '../src/consumer/event-consumer';
import { NotYet } from '../src/consumer/not-yet';
import { KafkaTransport } from '../src/kafka/kafka-transport';
import { fixKafkajsRequestQueue } from '../src/kafka/request-queue-fix';
import { messagingMigrations } from '../src/outbox/messaging-migrations';
import { Outbox } from '../src/outbox/outbox';
import { UnitOfWork } from '../src/outbox/unit-of-work';
import { sampleTicketCreated } from '../src/testing';

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',');
const SCHEMA = 'wait_consumer';
/** The broker's least session timeout (group.min.session.timeout.ms): each wait below outlasts it. */
const SESSION_TIMEOUT_MS = 6_000;

class WaitTables1764950000001 {
  name = 'WaitTables1764950000001';
  async up(queryRunner: { query(sql: string): Promise<unknown> }) {
    await queryRunner.query(`CREATE TABLE "${SCHEMA}".effects (event_id text NOT NULL, ticket_id text NOT NULL, type text NOT NULL, member text NOT NULL)`);
  }
  async down() {}
}

const envelope = <C extends EventContract>(contract: C, subject: string, data: EventData<C>): CloudEventEnvelope => ({
  specversion: '1.0',
  id: randomUUID(),
  source: `tss/${contract.owner}`,
  type: contract.type,
  time: systemClock.now().toISOString(),
  subject,
  datacontenttype: 'application/json',
  dataschema: dataSchemaUri(contract.type, contract.version),
  data,
});

/**
 * Rating's case (docs/adr/0013, addendum of 2026-12-05, second session): `sla.met` (topic tss.sla)
 * reached the consumer before its ticket's `ticket.created` (tss.ticket). The handler answers
 * `NotYet` until the other topic has delivered it. The wait must hold the one partition, not the
 * member's group membership and not its other partitions, and must end without a dead letter.
 */
describe('a NotYet wait on Kafka holds its partition, not the group (docs/adr/0013, 0020)', () => {
  const prefix = `w${randomUUID().slice(0, 8)}.`;
  let db: TestDatabase;
  let ds: DataSource;
  const partnerId = randomUUID();
  const running: { stop(): Promise<void> }[] = [];
  const transports: KafkaTransport[] = [];
  // As every KafkaTransport does before its first client (docs/adr/0057).
  fixKafkajsRequestQueue();
  const admin = new Kafka({ clientId: 'not-yet-wait-admin', brokers, logLevel: logLevel.NOTHING }).admin();

  beforeAll(async () => {
    db = await createTestDatabase('not_yet_wait_kafka');
    ds = createServiceDataSource({ url: db.url, schema: SCHEMA, migrations: [...messagingMigrations(SCHEMA), WaitTables1764950000001] });
    await initializeAndMigrate(ds);
    await admin.connect();
  });

  afterEach(async () => {
    while (running.length) await running.pop()!.stop();
  });

  afterAll(async () => {
    for (const t of transports) await t.close();
    await admin.disconnect();
    await ds?.destroy();
    await db?.drop();
  });

  const transport = (clientId: string) => {
    const capture = logCapture();
    const t = new KafkaTransport({
      brokers,
      clientId,
      logger: pino({ level: 'debug' }, capture.stream),
      topicPrefix: prefix,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: 1_000,
    });
    transports.push(t);
    return { transport: t, lines: capture.lines };
  };

  /**
   * A member of `group`: `ticket.created` records the ticket; `sla.met` waits (NotYet) until its
   * ticket is recorded. `attempts`: how often this member ran the `sla.met` handler.
   */
  const member = async (group: string, name: string) => {
    const { transport: t, lines } = transport(`${group}-${name}`);
    let attempts = 0;
    const record = (tx: { query(sql: string, p: unknown[]): Promise<unknown> }, eventId: string, ticketId: string, type: string) =>
      tx.query(`INSERT INTO "${SCHEMA}".effects (event_id, ticket_id, type, member) VALUES ($1, $2, $3, $4)`, [eventId, ticketId, type, name]);
    const consumer = new EventConsumer({
      group,
      schema: SCHEMA,
      transport: t,
      unitOfWork: new UnitOfWork(ds),
      outbox: new Outbox({ service: 'rating', schema: SCHEMA, clock: systemClock }),
      clock: systemClock,
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }).child({ member: name }),
      bindings: [
        on(TicketCreatedV1, async (event, { tx }) => void (await record(tx, event.id, event.subject, event.type))),
        on(SlaMetV1, async (event, { tx }) => {
          attempts += 1;
          const [known] = (await tx.query(`SELECT 1 FROM "${SCHEMA}".effects WHERE ticket_id = $1 AND type = 'ticket.created'`, [event.subject])) as unknown[];
          if (!known) throw new NotYet(`ticket ${event.subject}: sla.met waits for ticket.created`);
          await record(tx, event.id, event.subject, event.type);
        }),
      ],
      // Long enough that only the awaited event can end the wait in time.
      notYetMaxWaitMs: 30_000,
    });
    await consumer.start();
    running.push(consumer);
    return { consumer, lines, transport: t, attempts: () => attempts };
  };

  const effectsOf = async (ticketId: string) =>
    (await ds.query(`SELECT event_id, type FROM "${SCHEMA}".effects WHERE ticket_id = $1 ORDER BY type`, [ticketId])) as { event_id: string; type: string }[];
  const deadLettersOf = async (group: string) =>
    (await ds.query(`SELECT reason FROM "${SCHEMA}".dead_letters WHERE consumer_group = $1`, [group])) as { reason: string }[];
  /** What a member's kafkajs said about losing its group membership (its session timed out). */
  const lostMembership = (lines: readonly LogLine[]) => lines.filter((l) => /not aware of this member/i.test(l.msg)).map((l) => l.msg);
  /**
   * What it said about the group or the broker at all: a lone member that keeps its session says
   * nothing. (On a fresh broker, CI's, the first look-up of a new group's coordinator may be
   * answered "not available" while the offsets topic is made: that is "Kafka broker settling", no
   * outage, since docs/adr/0020's addendum of 2026-12-05, third session.)
   */
  const membershipTrouble = (lines: readonly LogLine[]) => lines.filter((l) => /not aware of this member|Kafka unreachable|rebalanc/i.test(l.msg)).map((l) => l.msg);

  const publishTo = async (t: KafkaTransport, contract: EventContract, event: CloudEventEnvelope) => {
    await t.publish([{ topic: contract.topic, key: event.subject as string, event }]);
  };

  it('a wait longer than the session timeout keeps the member, and the awaited event on the other topic arrives during it', async () => {
    const group = `rating-${randomUUID().slice(0, 8)}`;
    const ticketId = randomUUID();
    const met = envelope(SlaMetV1, ticketId, { partnerId, clockId: randomUUID(), level: 'standard', dueAt: '2026-12-05T12:00:00.000Z', respondedAt: '2026-12-05T10:00:00.000Z' });
    const created = envelope(TicketCreatedV1, ticketId, sampleTicketCreated(1, { partnerId }));
    const only = await member(group, 'only');

    await publishTo(only.transport, SlaMetV1, met);
    // Retried with backoff 200, 400, 800, 1600, 3200 ms: by the sixth attempt the wait has lasted
    // past the session timeout.
    await waitFor('sla.met waiting longer than the session timeout', () => only.attempts() >= 6, { timeoutMs: 30_000 });
    await publishTo(only.transport, TicketCreatedV1, created);

    await waitFor('both events applied, or one dead-lettered', async () => (await effectsOf(ticketId)).length >= 2 || (await deadLettersOf(group)).length > 0, { timeoutMs: 40_000 });
    expect(await deadLettersOf(group)).toEqual([]);
    expect((await effectsOf(ticketId)).map((e) => e.event_id).sort()).toEqual([created.id, met.id].sort());
    expect(membershipTrouble(only.lines)).toEqual([]);
  }, 90_000);

  it('a member joining during the wait rebalances the group: the wait ends without a dead letter and each event is applied once', async () => {
    const group = `rating-${randomUUID().slice(0, 8)}`;
    const ticketId = randomUUID();
    const met = envelope(SlaMetV1, ticketId, { partnerId, clockId: randomUUID(), level: 'standard', dueAt: '2026-12-05T12:00:00.000Z', respondedAt: '2026-12-05T10:00:00.000Z' });
    const created = envelope(TicketCreatedV1, ticketId, sampleTicketCreated(1, { partnerId }));
    const first = await member(group, 'first');

    await publishTo(first.transport, SlaMetV1, met);
    await waitFor('sla.met waiting', () => first.attempts() >= 3, { timeoutMs: 30_000 });
    const second = await member(group, 'second');
    await publishTo(first.transport, TicketCreatedV1, created);

    await waitFor('both events applied, or one dead-lettered', async () => (await effectsOf(ticketId)).length >= 2 || (await deadLettersOf(group)).length > 0, { timeoutMs: 60_000 });
    expect(await deadLettersOf(group)).toEqual([]);
    expect((await effectsOf(ticketId)).map((e) => e.event_id).sort()).toEqual([created.id, met.id].sort());
    // A rebalance, not a lost membership: each member still heartbeats through the wait, and the
    // group settles with both.
    const settled = await waitFor('the group stable', async () => {
      const { groups } = await admin.describeGroups([`${prefix}${group}`]);
      return groups[0]?.state === 'Stable' && groups[0];
    });
    expect(settled.members.map((m) => m.clientId).sort()).toEqual([`${group}-first`, `${group}-second`]);
    expect(lostMembership(first.lines)).toEqual([]);
    expect(lostMembership(second.lines)).toEqual([]);
    // Nor is the rebalance an outage of the broker (ADR 0020, addendum of 2026-12-05, second session).
    expect([...first.lines, ...second.lines].filter((l) => /Kafka unreachable/.test(l.msg) || l.outage !== undefined).map((l) => l.msg)).toEqual([]);
    expect(first.transport.brokerStatus.reachable && second.transport.brokerStatus.reachable).toBe(true);
    expect(first.consumer.outcomes['dead-lettered'] + second.consumer.outcomes['dead-lettered']).toBe(0);
  }, 120_000);

  // docs/adr/0087: the fetch's partitions come as one batch. The waiting event pauses its own
  // partition; the other partitions' events in that batch are applied, each once, and do not wait.
  it('in a fetch of several partitions handled as one batch, the waiting event holds its partition alone', async () => {
    const group = `rating-${randomUUID().slice(0, 8)}`;
    const { transport: publisher } = transport(`${group}-publisher`);
    const waiting = randomUUID();
    const met = envelope(SlaMetV1, waiting, { partnerId, clockId: randomUUID(), level: 'standard', dueAt: '2026-12-05T12:00:00.000Z', respondedAt: '2026-12-05T10:00:00.000Z' });
    const others = Array.from({ length: 9 }, (_, i) => envelope(TicketCreatedV1, randomUUID(), sampleTicketCreated(i + 2, { partnerId })));
    // All in the log before the member joins: its first fetch brings the sla topic's partition and the ticket topic's.
    await publishTo(publisher, SlaMetV1, met);
    for (const created of others) await publishTo(publisher, TicketCreatedV1, created);
    const only = await member(group, 'only');

    await waitFor('the other tickets recorded while sla.met waits', async () => {
      const rows = (await ds.query(`SELECT count(*)::int AS n FROM "${SCHEMA}".effects WHERE ticket_id = ANY($1)`, [others.map((e) => e.subject)])) as { n: number }[];
      return rows[0].n >= others.length;
    }, { timeoutMs: 30_000 });
    expect(only.attempts()).toBeGreaterThanOrEqual(1);
    expect(await effectsOf(waiting)).toEqual([]);
    const created = envelope(TicketCreatedV1, waiting, sampleTicketCreated(1, { partnerId }));
    await publishTo(publisher, TicketCreatedV1, created);

    await waitFor('sla.met applied, or dead-lettered', async () => (await effectsOf(waiting)).length >= 2 || (await deadLettersOf(group)).length > 0, { timeoutMs: 40_000 });
    expect(await deadLettersOf(group)).toEqual([]);
    expect((await effectsOf(waiting)).map((e) => e.event_id).sort()).toEqual([created.id, met.id].sort());
    // Each of the others applied once: none was handled again behind the wait.
    for (const other of others) expect((await effectsOf(other.subject as string)).map((e) => e.event_id)).toEqual([other.id]);
  }, 90_000);
});
