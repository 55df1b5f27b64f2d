import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { TicketAcceptedV1, TicketCreatedV1 } from '@tss/contracts';
import { systemClock } from '@tss/service-kit';
import { waitFor } from '@tss/service-kit/testing';
import { EventConsumer, on } from '../src/consumer/event-consumer';
import { NotYet } from '../src/consumer/not-yet';
import { runDeadLetterCommand } from '../src/dead-letters/dead-letter-command';
import type { DeadLetterRow } from '../src/dead-letters/dead-letter.store';
import { InProcessTransport } from '../src/in-process/in-process-transport';
import { Outbox } from '../src/outbox/outbox';
import { OutboxRelay } from '../src/outbox/outbox-relay';
import { UnitOfWork } from '../src/outbox/unit-of-work';
import { openPipeline, type Pipeline } from './support/test-pipeline';
import { sampleTicketAccepted } from '../src/testing';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const PRODUCER = 'order_producer';
const CONSUMER = 'order_consumer';

class EffectsTable1764900000002 {
  name = 'EffectsTable1764900000002';
  async up(queryRunner: { query(sql: string): Promise<unknown> }) {
    await queryRunner.query(`CREATE TABLE "${CONSUMER}".effects (ticket_id text NOT NULL, sequence int NOT NULL, type text NOT NULL)`);
  }
  async down() {}
}

const accepted = (sequence: number) => sampleTicketAccepted(sequence);

/** Issue #7: a dead-lettered event n used to let n+1 of the same key apply. */
describe('consumers keep per-key order under failure (DESIGN "Order", docs/adr/0013)', () => {
  let pipeline: Pipeline;
  let producerDs: DataSource;
  let consumerDs: DataSource;
  let transport: InProcessTransport;
  let relay: OutboxRelay;
  let consumer: EventConsumer;
  const outbox = new Outbox({ service: 'ticket-intake', schema: PRODUCER, clock: systemClock });
  /** Tickets whose acceptance the projection cannot apply yet (its ticket.created has not "arrived"). */
  const notYetFor = new Set<string>();
  /** Of those, tickets whose acceptance goes ahead without it once the consumer says the wait is spent. */
  const goesAheadFor = new Set<string>();
  const attempts = new Map<string, number>();

  beforeAll(async () => {
    pipeline = await openPipeline('consumer_order', { producer: PRODUCER, consumer: CONSUMER, consumerMigrations: [EffectsTable1764900000002], logger });
    ({ producerDs, consumerDs, transport, relay } = pipeline);
    const record = async (tx: { query(sql: string, p: unknown[]): Promise<unknown> }, ticketId: string, sequence: number, type: string) =>
      tx.query(`INSERT INTO "${CONSUMER}".effects (ticket_id, sequence, type) VALUES ($1, $2, $3)`, [ticketId, sequence, type]);
    consumer = pipeline.consumer({
      group: 'order-projection',
      logger,
      bindings: [
        on(TicketCreatedV1, async (event, { tx }) => void (await record(tx, event.subject, event.data.sequence, 'created'))),
        on(TicketAcceptedV1, async (event, { tx, waitSpent }) => {
          attempts.set(event.subject, (attempts.get(event.subject) ?? 0) + 1);
          if (notYetFor.has(event.subject) && !(waitSpent && goesAheadFor.has(event.subject))) throw new NotYet(`ticket ${event.subject} is not known here yet`);
          await record(tx, event.subject, event.data.sequence, 'accepted');
        }),
      ],
      retryBaseMs: 5,
      maxRetryDelayMs: 20,
      notYetMaxWaitMs: 200,
    });
    await consumer.start();
  });

  afterAll(async () => {
    await consumer?.stop();
    await pipeline?.close();
  });

  const publish = (...events: [string, 'created' | 'accepted', number][]) => pipeline.publishTicketEvents(events);

  const effects = async (ticketId: string) =>
    ((await consumerDs.query(`SELECT sequence, type FROM "${CONSUMER}".effects WHERE ticket_id = $1 ORDER BY ctid`, [ticketId])) as { sequence: number; type: string }[]).map(
      (e) => `${e.sequence}:${e.type}`,
    );

  const deadLetters = (ticketId: string) =>
    consumerDs.query(`SELECT * FROM "${CONSUMER}".dead_letters WHERE message_key = $1 ORDER BY id`, [ticketId]) as Promise<DeadLetterRow[]>;

  /** Every event published before it has been dealt with once this one is applied: one group reads in log order. */
  const drained = async () => {
    const marker = randomUUID();
    await publish([marker, 'created', 1]);
    await waitFor('the marker event', async () => (await effects(marker)).length === 1);
  };

  it('an event answering NotYet is retried, then applied once its prerequisite arrives', async () => {
    const ticketId = randomUUID();
    notYetFor.add(ticketId);
    await publish([ticketId, 'accepted', 2]);
    await waitFor('a retry', () => (attempts.get(ticketId) ?? 0) >= 2);
    notYetFor.delete(ticketId);
    await waitFor('the acceptance applied', async () => (await effects(ticketId)).length === 1);
    expect(await effects(ticketId)).toEqual(['2:accepted']);
    expect(await deadLetters(ticketId)).toEqual([]);
  });

  it('the attempt after which NotYet would not be retried says so (waitSpent): a handler that goes ahead then is applied after the same waits, not dead-lettered', async () => {
    const ticketId = randomUUID();
    notYetFor.add(ticketId);
    goesAheadFor.add(ticketId);
    await publish([ticketId, 'accepted', 2], [ticketId, 'accepted', 3]);
    await drained();
    expect(await effects(ticketId)).toEqual(['2:accepted', '3:accepted']);
    expect(await deadLetters(ticketId)).toEqual([]);
    // Each waited out the 200 ms (5, 10, 20, 20, … ms apart) before going ahead: about a dozen attempts each.
    expect(attempts.get(ticketId)).toBeGreaterThanOrEqual(2 * 10);
  });

  it("a dead-lettered event parks its key's later events, stored with their bytes, while other keys go on", async () => {
    const ticketId = randomUUID();
    const other = randomUUID();
    notYetFor.add(ticketId);
    await publish([ticketId, 'accepted', 1], [ticketId, 'created', 2], [other, 'created', 1], [ticketId, 'accepted', 3]);
    await drained();
    expect(await effects(other)).toEqual(['1:created']);
    expect(await effects(ticketId)).toEqual([]);
    const rows = await deadLetters(ticketId);
    expect(rows.map((r) => [r.kind, r.status, r.event_type])).toEqual([
      ['failed', 'parked', TicketAcceptedV1.type],
      ['held', 'parked', TicketCreatedV1.type],
      ['held', 'parked', TicketAcceptedV1.type],
    ]);
    expect(rows[0].reason).toMatch(/^not yet after \d+ ms of retries: ticket .* is not known here yet/);
    expect(rows[0]).toMatchObject({ consumer_group: 'order-projection', topic: TicketAcceptedV1.topic, message_key: ticketId });
    expect(rows[0].position).toMatch(/@\d+$/);
    expect(rows[0].headers['ce_type']).toBe(TicketAcceptedV1.type);
    expect(JSON.parse(rows[0].value!.toString('utf8'))).toMatchObject({ sequence: 1 });
  });

  it('replaying the dead letter (dead-letters replay <id>) applies it, then releases the parked events in order', async () => {
    const ticketId = randomUUID();
    notYetFor.add(ticketId);
    await publish([ticketId, 'accepted', 1], [ticketId, 'created', 2], [ticketId, 'accepted', 3]);
    await drained();
    const [failed] = await deadLetters(ticketId);
    const listed = await runDeadLetterCommand(consumer.deadLetters, ['list', 'parked']);
    expect(listed.output).toContain(`${failed.id}\tparked\tfailed\t${TicketAcceptedV1.topic}\t${ticketId}`);

    notYetFor.delete(ticketId);
    const replayed = await runDeadLetterCommand(consumer.deadLetters, ['replay', failed.id]);
    expect(replayed).toEqual({ exitCode: 0, output: `dead letter ${failed.id} replayed; 2 parked event(s) of its key released\n` });
    expect(await effects(ticketId)).toEqual(['1:accepted', '2:created', '3:accepted']);
    expect((await deadLetters(ticketId)).map((r) => r.status)).toEqual(['replayed', 'replayed', 'replayed']);

    // The key is no longer parked: its next event applies at once.
    await publish([ticketId, 'accepted', 4]);
    await drained();
    expect(await effects(ticketId)).toEqual(['1:accepted', '2:created', '3:accepted', '4:accepted']);
  });

  it('skipping the dead letter (dead-letters skip <id>) never applies it and releases the parked events in order', async () => {
    const ticketId = randomUUID();
    notYetFor.add(ticketId);
    await publish([ticketId, 'accepted', 1], [ticketId, 'created', 2]);
    await drained();
    const [failed] = await deadLetters(ticketId);
    notYetFor.delete(ticketId);
    const skipped = await runDeadLetterCommand(consumer.deadLetters, ['skip', failed.id]);
    expect(skipped.exitCode).toBe(0);
    expect(await effects(ticketId)).toEqual(['2:created']);
    expect((await deadLetters(ticketId)).map((r) => r.status)).toEqual(['skipped', 'replayed']);
  });

  it('a parked event that fails on release becomes the key dead letter and holds the rest', async () => {
    const ticketId = randomUUID();
    notYetFor.add(ticketId);
    await publish([ticketId, 'accepted', 1], [ticketId, 'created', 2], [ticketId, 'accepted', 3], [ticketId, 'created', 4]);
    await drained();
    const [first, , third] = await deadLetters(ticketId);
    // Still not applicable: the skip releases 2, then 3 fails again and holds 4.
    const skipped = await runDeadLetterCommand(consumer.deadLetters, ['skip', first.id]);
    expect(skipped.output).toBe(`dead letter ${first.id} skipped; 1 parked event(s) of its key released; dead letter ${third.id} of the same key still holds the rest\n`);
    expect(await effects(ticketId)).toEqual(['2:created']);
    expect((await deadLetters(ticketId)).map((r) => [r.kind, r.status])).toEqual([
      ['failed', 'skipped'],
      ['held', 'replayed'],
      ['failed', 'parked'],
      ['held', 'parked'],
    ]);
  });

  it('a redelivered event is parked once, not twice', async () => {
    const ticketId = randomUUID();
    notYetFor.add(ticketId);
    const event = await new UnitOfWork(producerDs, relay).run((tx) => outbox.add(tx, TicketAcceptedV1, ticketId, accepted(1)));
    await drained();
    // The same event again, as after a crash between parking it and committing the offset.
    await transport.publish([{ topic: TicketAcceptedV1.topic, key: ticketId, event }]);
    await drained();
    expect((await deadLetters(ticketId)).map((r) => [r.event_id, r.kind, r.status])).toEqual([[event.id, 'failed', 'parked']]);
  });

  it('refuses to settle an entry while an earlier one of its key is parked, or one already settled', async () => {
    const ticketId = randomUUID();
    notYetFor.add(ticketId);
    await publish([ticketId, 'accepted', 1], [ticketId, 'created', 2]);
    await drained();
    const [first, second] = await deadLetters(ticketId);
    expect(await runDeadLetterCommand(consumer.deadLetters, ['replay', second.id])).toMatchObject({ exitCode: 1, output: expect.stringContaining('not_first') });
    await runDeadLetterCommand(consumer.deadLetters, ['skip', first.id]);
    expect(await runDeadLetterCommand(consumer.deadLetters, ['skip', first.id])).toMatchObject({ exitCode: 1, output: expect.stringContaining('not_parked') });
    expect(await runDeadLetterCommand(consumer.deadLetters, ['replay', 'abc'])).toMatchObject({ exitCode: 64 });
  });
});
