import { randomUUID } from 'node:crypto';
import type { CloudEvent } from '@tss/contracts';
import type { HandlerBinding } from '@tss/messaging';
import { sampleTicketCreated, ticketCreatedEvent } from '@tss/messaging/testing';
import { handleAsBatch, startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { TimerStore } from '@tss/timers';
import { mailTicketHandlers } from '../src/events/mail-ticket-events.handlers';
import { onTicketClosed } from '../src/events/on-ticket-closed.handler';
import { onTicketCreated } from '../src/events/on-ticket-created.handler';
import { NOTIFICATION_SCHEMA } from '../src/store/acknowledgment.store';
import { mailAttemptTimerId } from '../src/use-cases/mail-queue';
import { notificationWithoutWorkers } from './support/webhook-fixtures';

const MAIL_INSERT = 'INSERT INTO "notification".mail_messages';

// Issue #15: a consumer batch's acknowledgments (P3) go in at its end, in one statement: each
// ticket's acknowledgment, its mail and that mail's first timer, the requester's contact. A later
// event of the same batch that reads what they write (the contact, the ticket's mail line, the
// acknowledgment) has them written first, so it finds the ticket as one event at a time would.
describe('notification’s acknowledgments in a consumer batch, on real PostgreSQL', () => {
  const clock = new TestClock('2026-12-06T23:10:00.000Z');
  let sut: ServiceUnderTest;
  let handlers: HandlerBinding[];

  beforeAll(async () => {
    sut = await startServiceUnderTest(notificationWithoutWorkers, { clock });
    const timers = new TimerStore({ schema: NOTIFICATION_SCHEMA, clock });
    const siteLinks = { urlFor: () => 'https://support.tss.test/s/token' };
    handlers = [
      onTicketCreated({ timers, messageIdDomain: 'tss.test', siteLinks }),
      onTicketClosed(),
      ...mailTicketHandlers({ timers, messageIdDomain: 'tss.test', ratingWaitMs: 60_000, siteLinks }).handlers,
    ];
  });
  afterAll(async () => {
    await sut?.stop();
  });

  const reference = () => `TSS-${randomUUID().slice(0, 5).toUpperCase()}-${randomUUID().slice(0, 5).toUpperCase()}`;
  const created = (ticketId: string, partnerId: string, more: Partial<ReturnType<typeof sampleTicketCreated>> = {}): CloudEvent<unknown> =>
    ticketCreatedEvent(ticketId, sampleTicketCreated(1, { partnerId, reference: reference(), ...more }), clock.now().toISOString());
  const later = (ticketId: string, type: string, data: Record<string, unknown>): CloudEvent<unknown> => ({
    ...created(ticketId, String(data.partnerId)),
    id: randomUUID(),
    type,
    dataschema: `urn:tss:event:${type}:v1`,
    data,
  });
  const batch = (events: readonly CloudEvent<unknown>[]) => handleAsBatch(sut, handlers, events, { now: clock.now(), counting: MAIL_INSERT });
  const mailsOf = (ticketId: string) =>
    sut.query<{ id: string; kind: string; subject: string; text_body: string; queue_seq: string | null; held: boolean; message_id: string }>(
      `SELECT id, kind, subject, text_body, queue_seq, held, message_id FROM notification.mail_messages WHERE ticket_id = $1 ORDER BY queue_seq NULLS LAST, created_at`,
      [ticketId],
    );

  it('five tickets’ acknowledgments in one statement, each with its mail, first timer and contact; one without an address recorded with them', async () => {
    const partnerId = randomUUID();
    const mailed = Array.from({ length: 5 }, () => randomUUID());
    const unmailed = randomUUID();
    const events = [...mailed.map((id, i) => created(id, partnerId, { requester: { email: `r${i}@client.example`, name: `Requester ${i}` } })), created(unmailed, partnerId)];
    expect(await batch(events)).toBe(1);

    const acknowledgments = await sut.query<{ ticket_id: string; reference: string; delivery: string }>(
      `SELECT ticket_id, reference, delivery FROM notification.acknowledgments WHERE ticket_id = ANY($1::uuid[])`,
      [[...mailed, unmailed]],
    );
    expect(acknowledgments).toHaveLength(6);
    expect(acknowledgments.find((a) => a.ticket_id === unmailed)?.delivery).not.toBe('email');
    for (const [i, ticketId] of mailed.entries()) {
      const [mail, ...more] = await mailsOf(ticketId);
      expect(more).toEqual([]);
      expect(mail).toMatchObject({ kind: 'acknowledgment', held: false });
      expect(mail.queue_seq).not.toBeNull();
      expect(mail.text_body).toContain((events[i].data as { reference: string }).reference);
      expect(await sut.query(`SELECT kind, due_at FROM notification.timers WHERE id = $1 AND status = 'pending'`, [mailAttemptTimerId(mail.id, 1)])).toEqual([{ kind: 'mail.send', due_at: clock.now() }]);
      expect(await sut.query(`SELECT email, thread_root_id, requester_name FROM notification.mail_contacts WHERE ticket_id = $1`, [ticketId])).toEqual([
        { email: `r${i}@client.example`, thread_root_id: mail.message_id, requester_name: `Requester ${i}` },
      ]);
    }
    expect(await mailsOf(unmailed)).toEqual([]);
    await sut.query(`DELETE FROM notification.timers WHERE kind = 'mail.send'`); // not sent by anything later
  });

  it('later events of the same batch find what it acknowledged: a status mail behind the acknowledgment, a follow-up naming its request, a closure recorded', async () => {
    const partnerId = randomUUID();
    const [asked, closed, followUp] = [randomUUID(), randomUUID(), randomUUID()];
    const askedEvent = created(asked, partnerId, { requester: { email: 'asked@client.example' } });
    const at = clock.now().toISOString();
    await batch([
      askedEvent,
      later(asked, 'ticket.status_changed', { partnerId, sequence: 2, from: 'open', to: 'awaiting_customer', reason: 'Waiting for the log file', changedAt: at, question: 'Please send the log.' }),
      created(closed, partnerId, { requester: { email: 'closed@client.example' } }),
      later(closed, 'ticket.closed', { partnerId, sequence: 2, closedAt: at, reason: 'duplicate' }),
      created(followUp, partnerId, { requester: { email: 'asked@client.example' }, linkedTicketId: asked }),
    ]);

    // The status mail took the place after the acknowledgment, held behind it, as one event at a time leaves it.
    const [ack, status] = await mailsOf(asked);
    expect([ack.kind, status.kind, status.held]).toEqual(['acknowledgment', 'information_requested', true]);
    expect(BigInt(status.queue_seq!)).toBeGreaterThan(BigInt(ack.queue_seq!));
    expect(await sut.query(`SELECT ticket_closed_at FROM notification.acknowledgments WHERE ticket_id = $1`, [closed])).toEqual([{ ticket_closed_at: clock.now() }]);
    const [followUpAck] = await mailsOf(followUp);
    expect(followUpAck.text_body).toContain((askedEvent.data as { reference: string }).reference);
    await sut.query(`DELETE FROM notification.timers WHERE kind = 'mail.send'`);
  });

  it('a ticket created twice in one batch fails the batch’s statement (its contact, its acknowledgment), so nothing of the batch is written; the consumer then goes one event at a time', async () => {
    const partnerId = randomUUID();
    const [once, twice] = [randomUUID(), randomUUID()];
    const first = created(twice, partnerId, { requester: { email: 'twice@client.example' } });
    await expect(batch([created(once, partnerId, { requester: { email: 'once@client.example' } }), first, { ...first, id: randomUUID() }])).rejects.toThrow(/cannot affect row a second time|acknowledgments_pkey/);
    expect(await mailsOf(once)).toEqual([]);
    expect(await mailsOf(twice)).toEqual([]);
  });
});
