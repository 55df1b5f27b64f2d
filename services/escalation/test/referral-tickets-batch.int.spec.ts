import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { CloudEvent } from '@tss/contracts';
import type { HandlerBinding } from '@tss/messaging';
import { sampleTicketCreated, ticketCreatedEvent } from '@tss/messaging/testing';
import { handleAsBatch, startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { escalationService } from '../src';
import { referralHandlers } from '../src/events/referral-answers.handlers';

const INSERT = 'INSERT INTO escalation.referral_tickets';

// Issue #15: the tickets a referral may name are remembered for a consumer batch in one statement
// at its end (docs/adr/0049); only the referral routes read them, never escalation's consumer.
describe('referral tickets of a consumer batch, on real PostgreSQL', () => {
  const clock = new TestClock('2026-12-06T14:00:00.000Z');
  let sut: ServiceUnderTest;
  let onCreated: HandlerBinding;

  beforeAll(async () => {
    sut = await startServiceUnderTest(escalationService, { clock });
    onCreated = referralHandlers({ logger: pino({ level: 'silent' }) }).find((h) => h.contract.type === 'ticket.created')!;
  });
  afterAll(async () => {
    await sut?.stop();
  });

  const created = (ticketId: string, reference: string): CloudEvent<unknown> => ticketCreatedEvent(ticketId, sampleTicketCreated(1, { reference }), clock.now().toISOString());
  const batch = (events: readonly CloudEvent<unknown>[]) => handleAsBatch(sut, [onCreated], events, { now: clock.now(), counting: INSERT });
  const remembered = (ids: readonly string[]) =>
    sut.query<{ ticket_id: string; partner_id: string; reference: string }>(
      `SELECT ticket_id, partner_id, reference FROM escalation.referral_tickets WHERE ticket_id = ANY($1::uuid[]) ORDER BY reference`,
      [ids],
    );
  const reference = () => `TSS-${randomUUID().slice(0, 5).toUpperCase()}-${randomUUID().slice(0, 5).toUpperCase()}`;

  it('four tickets in one statement; a redelivery, in the same batch or the next, changes nothing', async () => {
    const ids = [1, 2, 3, 4].map(() => randomUUID());
    const references = ids.map(() => reference());
    const events = ids.map((id, i) => created(id, references[i]));
    // The first ticket's event twice in the batch (under another id): one row.
    expect(await batch([...events, { ...events[0], id: randomUUID() }])).toBe(1);
    const rows = await remembered(ids);
    expect(rows.map((r) => [r.ticket_id, r.reference, r.partner_id]).sort()).toEqual(
      events.map((e, i) => [ids[i], references[i], (e.data as { partnerId: string }).partnerId]).sort(),
    );

    expect(await batch([{ ...events[1], id: randomUUID() }])).toBe(1);
    expect(await remembered([ids[1]])).toEqual([rows.find((r) => r.ticket_id === ids[1])]);
  });
});
