import { randomUUID } from 'node:crypto';
import type { CloudEvent } from '@tss/contracts';
import { NotificationAcknowledgmentSentV1 } from '@tss/contracts';
import type { HandlerBinding, InboundMessage } from '@tss/messaging';
import { handleInTransaction } from '@tss/messaging/testing';
import { countedStatements } from '@tss/persistence/testing';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { onSlaClockCancelled, onSlaClockStarted, onSlaMet, onSlaRetargeted } from '../../src/events/sla-projection.handler';
import { ticketIntakeService } from '../../src/index';
import { insertTicketRow } from './support/ticket-rows';

const START = new Date('2026-03-02T08:00:00.000Z');
const HOUR = 3_600_000;
const at = (offsetMs: number) => new Date(START.getTime() + offsetMs);

/**
 * Issue #11: intake's statements per consumed event (docs/adr/0049). A consumer batch's sla.*
 * events project the queue's due times in one statement, with the effect of applying them one by
 * one; an API ticket's acknowledgment (accepted by its 201 at filing) costs no statement at all.
 */
describe('intake’s statements per consumed event (issue #11)', () => {
  let sut: ServiceUnderTest;
  const clock = new TestClock(START.toISOString());
  const partnerId = randomUUID();
  const seed = () => insertTicketRow((sql, p) => sut.query(sql, p), { partnerId, receivedAt: START });
  const dueOf = async (ticketId: string) =>
    (await sut.query<{ response_due_at: Date | null; response_clock_id: string | null }>(`SELECT response_due_at, response_clock_id FROM ticket_intake.tickets WHERE id = $1`, [ticketId]))[0];

  const eventOf = (binding: HandlerBinding, ticketId: string, data: unknown): CloudEvent<unknown> => ({
    specversion: '1.0',
    id: randomUUID(),
    source: 'sla-timer',
    type: binding.contract.type,
    time: clock.now().toISOString(),
    subject: ticketId,
    datacontenttype: 'application/json',
    dataschema: `urn:tss:event:${binding.contract.type}:v1`,
    data,
  });
  const started = (ticketId: string, clockId: string, dueAt: Date, p = partnerId) =>
    eventOf(onSlaClockStarted, ticketId, { partnerId: p, clockId, level: 'standard', startedAt: START.toISOString(), dueAt: dueAt.toISOString(), sequence: 1 });
  const retargeted = (ticketId: string, clockId: string, dueAt: Date) =>
    eventOf(onSlaRetargeted, ticketId, { partnerId, clockId, fromLevel: 'standard', toLevel: 'emergency', dueAt: dueAt.toISOString(), sequence: 2 });
  const met = (ticketId: string, clockId: string) => eventOf(onSlaMet, ticketId, { partnerId, clockId, metAt: START.toISOString(), sequence: 3 });
  const cancelled = (ticketId: string, clockId: string) => eventOf(onSlaClockCancelled, ticketId, { partnerId, clockId, reason: 'closed', sequence: 3 });

  const bindingOf = new Map<string, HandlerBinding>([onSlaClockStarted, onSlaRetargeted, onSlaMet, onSlaClockCancelled].map((b) => [b.contract.type, b]));
  /** Handles the events as one consumer batch: one transaction, its deferred writes flushed after the last; returns its statements. */
  const batch = (events: readonly CloudEvent<unknown>[]) =>
    sut.host.unitOfWork.run(async (tx) => {
      const c = countedStatements(tx);
      await handleInTransaction(
        { tx: c.tx, outbox: sut.host.outbox, now: clock.now(), logger: sut.host.logger },
        events.map((e) => [(bindingOf.get(e.type) as HandlerBinding).handle, e] as const),
      );
      return c.statements;
    });

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, { clock });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  it('a batch of sla.* events for many tickets is one statement, as if applied one by one', async () => {
    const [a, b, c, d, foreign] = [await seed(), await seed(), await seed(), await seed(), await seed()];
    const [ca, cb, cb2, cc, cd] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    // c and d already show a clock, projected by an earlier batch.
    expect(await batch([started(c, cc, at(12 * HOUR)), started(d, cd, at(6 * HOUR))])).toHaveLength(1);
    const statements = await batch([
      started(a, ca, at(12 * HOUR)),
      started(b, cb, at(12 * HOUR)),
      met(a, ca), // a: set, then its clock met: no due time
      retargeted(b, cb, at(6 * HOUR)),
      cancelled(b, randomUUID()), // another clock's end: b keeps its due time
      met(c, randomUUID()), // c's projected clock is another: stays
      met(d, cd), // d's projected clock: cleared
      started(b, cb2, at(24 * HOUR)), // a newer clock of b wins
      started(foreign, randomUUID(), at(HOUR), randomUUID()), // another partner's event touches nothing
    ]);
    expect(statements).toHaveLength(1);
    expect(await dueOf(a)).toEqual({ response_due_at: null, response_clock_id: null });
    expect(await dueOf(b)).toEqual({ response_due_at: at(24 * HOUR), response_clock_id: cb2 });
    expect(await dueOf(c)).toEqual({ response_due_at: at(12 * HOUR), response_clock_id: cc });
    expect(await dueOf(d)).toEqual({ response_due_at: null, response_clock_id: null });
    expect(await dueOf(foreign)).toEqual({ response_due_at: null, response_clock_id: null });
  });

  it('an acknowledgment of an API ticket changes nothing and reads nothing; of an e-mailed ticket it accepts the ticket', async () => {
    const [api, mailed] = [await seed(), await seed()];
    await sut.query(`UPDATE ticket_intake.tickets SET accepted_at = received_at WHERE id = $1`, [api]);
    await sut.query(`UPDATE ticket_intake.tickets SET channel = 'email' WHERE id = $1`, [mailed]);
    const ack = (ticketId: string, channel: string): InboundMessage => ({
      topic: NotificationAcknowledgmentSentV1.topic,
      key: ticketId,
      raw: { value: null, headers: {} },
      event: {
        specversion: '1.0',
        id: randomUUID(),
        source: 'notification',
        type: NotificationAcknowledgmentSentV1.type,
        time: clock.now().toISOString(),
        subject: ticketId,
        datacontenttype: 'application/json',
        dataschema: `urn:tss:event:${NotificationAcknowledgmentSentV1.type}:v1`,
        data: { partnerId, reference: 'TSS-00000-00000', channel, sentAt: at(HOUR).toISOString() },
      },
    });
    const applied = (message: InboundMessage) =>
      sut.host.unitOfWork.run(async (tx) => {
        const c = countedStatements(tx);
        const outcome = await sut.host.consumer.applyOnce(c.tx, message);
        return { outcome, statements: c.statements };
      });
    const forApi = await applied(ack(api, 'api'));
    expect(forApi.outcome).toEqual({ ok: true, value: 'handled' });
    expect(forApi.statements).toHaveLength(1); // the inbox row only
    const forMail = await applied(ack(mailed, 'email'));
    expect(forMail.outcome).toEqual({ ok: true, value: 'handled' });
    expect((await sut.query<{ accepted_at: Date | null }>(`SELECT accepted_at FROM ticket_intake.tickets WHERE id = $1`, [mailed]))[0].accepted_at).toEqual(at(HOUR));
  });
});
