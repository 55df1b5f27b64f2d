import { randomUUID } from 'node:crypto';
import type { CloudEvent } from '@tss/contracts';
import type { HandlerBinding } from '@tss/messaging';
import { sampleTicketCreated, ticketCreatedEvent } from '@tss/messaging/testing';
import { handleAsBatch, startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ratingService } from '../src';
import { slaEventHandlers } from '../src/events/sla-events.handlers';
import { ticketEventHandlers } from '../src/events/ticket-events.handlers';

const INSERT = 'INSERT INTO rating.tickets';

// Issue #15: a consumer batch's new tickets go into rating's projection in one statement at its
// end (docs/adr/0049). A later event of the same batch locks its ticket's row: the deferred rows
// are written first (the read-through), so it finds the ticket as one event at a time would.
describe('rating’s ticket projection in a consumer batch, on real PostgreSQL', () => {
  const clock = new TestClock('2026-12-06T19:40:00.000Z');
  let sut: ServiceUnderTest;
  let handlers: HandlerBinding[];

  beforeAll(async () => {
    sut = await startServiceUnderTest(ratingService, { clock });
    handlers = [...ticketEventHandlers({ linkTtlMs: 60_000, publicUrl: 'http://127.0.0.1:1' }), ...slaEventHandlers()];
  });
  afterAll(async () => {
    await sut?.stop();
  });

  const reference = () => `TSS-${randomUUID().slice(0, 5).toUpperCase()}-${randomUUID().slice(0, 5).toUpperCase()}`;
  const created = (ticketId: string, partnerId: string, ref = reference()): CloudEvent<unknown> =>
    ticketCreatedEvent(ticketId, sampleTicketCreated(1, { partnerId, reference: ref, subject: `about ${ref}` }), clock.now().toISOString());
  const later = (ticketId: string, type: string, data: Record<string, unknown>): CloudEvent<unknown> => ({
    ...created(ticketId, String(data.partnerId)),
    id: randomUUID(),
    type,
    dataschema: `urn:tss:event:${type}:v1`,
    data,
  });
  /** The events through their handlers in one transaction, as a batch: how many inserts into the projection it made. */
  const batch = (events: readonly CloudEvent<unknown>[]) => handleAsBatch(sut, handlers, events, { now: clock.now(), counting: INSERT });
  const rowsOf = (ids: readonly string[]) =>
    sut.query<{ ticket_id: string; partner_id: string; reference: string; subject: string; assignee_id: string | null; sla_met: number }>(
      `SELECT ticket_id, partner_id, reference, subject, assignee_id, sla_met FROM rating.tickets WHERE ticket_id = ANY($1::uuid[]) ORDER BY reference`,
      [ids],
    );

  it('a batch’s new tickets in one statement; the same creation again, in the batch or the next, changes nothing', async () => {
    const partnerId = randomUUID();
    const ids = [1, 2, 3].map(() => randomUUID());
    const references = ids.map(() => reference());
    const events = ids.map((id, i) => created(id, partnerId, references[i]));
    expect(await batch([...events, { ...created(ids[0], partnerId, reference()), id: randomUUID() }])).toBe(1);
    const rows = await rowsOf(ids);
    // Of a ticket created twice, the first creation counts.
    expect(rows.map((r) => [r.ticket_id, r.partner_id, r.reference, r.subject]).sort()).toEqual(ids.map((id, i) => [id, partnerId, references[i], `about ${references[i]}`]).sort());

    expect(await batch([{ ...events[1], id: randomUUID() }])).toBe(1);
    expect(await rowsOf([ids[1]])).toEqual(rows.filter((r) => r.ticket_id === ids[1]));
  });

  it('a later ticket event and an sla outcome of the same batch find the new ticket (no wait for its creation)', async () => {
    const partnerId = randomUUID();
    const [first, second] = [randomUUID(), randomUUID()];
    const at = clock.now().toISOString();
    await batch([
      created(first, partnerId),
      later(first, 'ticket.assigned', { partnerId, sequence: 2, assigneeId: 'agent-7', assignedAt: at }),
      created(second, partnerId),
      later(second, 'sla.met', { partnerId, level: 'standard', respondedAt: at }),
    ]);
    const rows = await rowsOf([first, second]);
    expect(Object.fromEntries(rows.map((r) => [r.ticket_id, [r.assignee_id, r.sla_met]]))).toEqual({ [first]: ['agent-7', 0], [second]: [null, 1] });
  });
});
