import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { CloudEvent, ServiceLevel } from '@tss/contracts';
import type { HandlerBinding } from '@tss/messaging';
import { sampleTicketCreated, ticketCreatedEvent } from '@tss/messaging/testing';
import { handleAsBatch, startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { TimerStore } from '@tss/timers';
import { escalationService } from '../src';
import { ticketEventHandlers } from '../src/events/ticket-events.handlers';

const INSERT = 'INSERT INTO escalation.tickets';

// Issue #15: a consumer batch's new tickets go into escalation's projection in one statement at
// its end (docs/adr/0049). Its rules and later events of the same batch read those rows: they
// write the deferred rows first (the read-through), so each sees what one event at a time would.
describe('escalation’s ticket projection in a consumer batch, on real PostgreSQL', () => {
  const clock = new TestClock('2026-12-06T19:30:00.000Z');
  let sut: ServiceUnderTest;
  let handlers: HandlerBinding[];

  beforeAll(async () => {
    sut = await startServiceUnderTest(escalationService, { clock });
    handlers = ticketEventHandlers({ outbox: sut.host.outbox, timers: new TimerStore({ schema: 'escalation', clock }), logger: pino({ level: 'silent' }), renotifyAfterMs: 60_000 });
  });
  afterAll(async () => {
    await sut?.stop();
  });

  const reference = () => `TSS-${randomUUID().slice(0, 5).toUpperCase()}-${randomUUID().slice(0, 5).toUpperCase()}`;
  const created = (ticketId: string, partnerId: string, level: ServiceLevel, ref = reference()): CloudEvent<unknown> =>
    ticketCreatedEvent(ticketId, sampleTicketCreated(1, { partnerId, level, reference: ref }), clock.now().toISOString());
  const levelChanged = (ticketId: string, partnerId: string, from: ServiceLevel, to: ServiceLevel): CloudEvent<unknown> => ({
    ...created(ticketId, partnerId, from),
    id: randomUUID(),
    type: 'ticket.level_changed',
    dataschema: 'urn:tss:event:ticket.level_changed:v1',
    data: { partnerId, sequence: 2, from, to, confirmed: true, changedAt: clock.now().toISOString() },
  });
  /** The events through their handlers in one transaction, as a batch: how many inserts into the projection it made. */
  const batch = (events: readonly CloudEvent<unknown>[]) => handleAsBatch(sut, handlers, events, { now: clock.now(), counting: INSERT });
  const rowsOf = (ids: readonly string[]) =>
    sut.query<{ ticket_id: string; partner_id: string; reference: string; level: string; status: string }>(
      `SELECT ticket_id, partner_id, reference, level, status FROM escalation.tickets WHERE ticket_id = ANY($1::uuid[]) ORDER BY reference`,
      [ids],
    );

  it('a batch’s new tickets in one statement; the same creation again, in the batch or the next, changes nothing', async () => {
    const partnerId = randomUUID();
    const ids = [1, 2, 3, 4].map(() => randomUUID());
    const references = ids.map(() => reference());
    const events = ids.map((id, i) => created(id, partnerId, 'standard', references[i]));
    expect(await batch([...events, { ...events[0], id: randomUUID() }])).toBe(1);
    const rows = await rowsOf(ids);
    expect(rows.map((r) => [r.ticket_id, r.partner_id, r.reference, r.level, r.status]).sort()).toEqual(
      ids.map((id, i) => [id, partnerId, references[i], 'standard', 'new']).sort(),
    );

    expect(await batch([{ ...events[1], id: randomUUID() }])).toBe(1);
    expect(await rowsOf([ids[1]])).toEqual(rows.filter((r) => r.ticket_id === ids[1]));
  });

  it('a rule that needs its ticket reads the batch’s new row: the emergency page quotes the reference', async () => {
    const partnerId = randomUUID();
    const [quiet, urgent] = [randomUUID(), randomUUID()];
    const urgentReference = reference();
    // The standard ticket's row waits; the emergency's rule reads its ticket, which writes both first.
    expect(await batch([created(quiet, partnerId, 'standard'), created(urgent, partnerId, 'emergency', urgentReference)])).toBe(1);
    const raised = await sut.query<{ rule: string; summary: string }>(`SELECT rule, summary FROM escalation.escalations WHERE ticket_id = $1`, [urgent]);
    expect(raised.map((r) => r.rule)).toEqual(['emergency-page']);
    expect(raised[0].summary.startsWith(`${urgentReference}: `)).toBe(true);
    expect((await rowsOf([quiet, urgent])).map((r) => [r.ticket_id, r.level])).toEqual(expect.arrayContaining([[quiet, 'standard'], [urgent, 'emergency']]));
  });

  it('a later event of the same batch changes the created row, as one event at a time would', async () => {
    const partnerId = randomUUID();
    const ticketId = randomUUID();
    const ref = reference();
    await batch([created(ticketId, partnerId, 'standard', ref), levelChanged(ticketId, partnerId, 'standard', 'emergency')]);
    // The creation's status and reference, the change's level (not a row made by the change and
    // only renamed by a creation written after it).
    expect(await rowsOf([ticketId])).toEqual([{ ticket_id: ticketId, partner_id: partnerId, reference: ref, level: 'emergency', status: 'new' }]);
  });
});
