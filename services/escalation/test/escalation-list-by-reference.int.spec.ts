import { randomBytes, randomUUID } from 'node:crypto';
import { generateReference, SlaBreachedV1, TicketCreatedV1 } from '@tss/contracts';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { escalationService } from '../src';
import { publisherToEscalation, ticketCreatedData } from './support/publish-to-escalation';

// docs/api.md §3: "Every route that takes a ticket id also takes its reference, in any case, with
// or without dashes"; the escalation list's `ticketId` filter included (escalation alone on PostgreSQL).
describe('GET /v1/escalations?ticketId=<id or reference>', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  let sut: ServiceUnderTest;
  const partnerId = randomUUID();

  beforeAll(async () => {
    sut = await startServiceUnderTest(escalationService, { clock });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const publish = publisherToEscalation(() => sut, clock);
  const lead = () => sut.token({ kind: 'staff', sub: 'lead-1', roles: ['team_lead'], scope: 'escalations:read escalations:manage' });
  const list = (ticketId: string) => sut.http().get(`/v1/escalations?ticketId=${encodeURIComponent(ticketId)}`).auth(lead(), { type: 'bearer' });
  /** A ticket escalation knows, with a breach escalated. */
  const breachedTicket = async () => {
    const ticketId = randomUUID();
    const reference = generateReference(randomBytes);
    await publish(TicketCreatedV1, ticketId, ticketCreatedData(partnerId, clock, { reference }));
    const at = clock.now().toISOString();
    await publish(SlaBreachedV1, ticketId, { partnerId, clockId: randomUUID(), level: 'standard', dueAt: at, breachedAt: at, latenessMs: 0, late: false });
    return { ticketId, reference };
  };

  it('the reference filters as the id does, in any case, with or without dashes', async () => {
    const ticket = await breachedTicket();
    await breachedTicket();
    const byId = await list(ticket.ticketId);
    expect(byId.status).toBe(200);
    expect(byId.body.items).toEqual([expect.objectContaining({ ticketId: ticket.ticketId, kind: 'sla_breach' })]);
    for (const reference of [ticket.reference, ticket.reference.toLowerCase(), ticket.reference.replace(/-/g, '')]) {
      const byReference = await list(reference);
      expect({ reference, status: byReference.status, body: byReference.body }).toEqual({ reference, status: 200, body: byId.body });
    }
  });

  it('a reference escalation does not know filters to nothing; one with a wrong check character is a 400 invalid-reference', async () => {
    const unknown = await list(generateReference(randomBytes));
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual({ items: [] });
    const { reference } = await breachedTicket();
    const last = reference[reference.length - 1];
    const mistyped = `${reference.slice(0, -1)}${last === '0' ? '1' : '0'}`;
    const refused = await list(mistyped);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ type: 'https://tss.dev/problems/invalid-reference' });
  });
});
