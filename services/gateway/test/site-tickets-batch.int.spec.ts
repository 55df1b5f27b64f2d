import { randomUUID } from 'node:crypto';
import type { CloudEvent } from '@tss/contracts';
import { sampleTicketCreated, ticketCreatedEvent } from '@tss/messaging/testing';
import { handleAsBatch, startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { gatewayService } from '../src';
import { onTicketCreated } from '../src/events/on-ticket-created.handler';

const INSERT = 'INSERT INTO gateway.site_tickets';

// Issue #15: the support site's projection of a consumer batch's tickets is one statement at the
// batch's end (docs/adr/0049), not a round trip per ticket; nothing in gateway's consumer reads it.
describe('site tickets of a consumer batch, on real PostgreSQL', () => {
  const clock = new TestClock('2026-12-06T14:00:00.000Z');
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    sut = await startServiceUnderTest(gatewayService, { clock });
  });
  afterAll(async () => {
    await sut?.stop();
  });

  const created = (ticketId: string, n: number, requester: { id?: string; email?: string } = {}): CloudEvent<unknown> =>
    ticketCreatedEvent(
      ticketId,
      sampleTicketCreated(1, { reference: `TSS-SITE-${n}`, requester, ...(n % 2 === 0 ? { language: 'ru' } : {}) }),
      new Date(clock.now().getTime() + n * 1_000).toISOString(),
    );
  const batch = (events: readonly CloudEvent<unknown>[]) => handleAsBatch(sut, [onTicketCreated], events, { now: clock.now(), counting: INSERT });
  const rows = (ids: readonly string[]) =>
    sut.query<{ ticket_id: string; partner_id: string; reference: string; requester: string | null; language: string | null; created_at: Date }>(
      `SELECT ticket_id, partner_id, reference, requester, language, created_at FROM gateway.site_tickets WHERE ticket_id = ANY($1::uuid[]) ORDER BY reference`,
      [ids],
    );

  it('five tickets in one statement, each as its event says; a redelivery in the next batch changes nothing', async () => {
    const ids = [1, 2, 3, 4, 5].map(() => randomUUID());
    const events = ids.map((id, i) => created(id, i + 1, i === 0 ? { id: 'req-1', email: 'ada@client.example' } : {}));
    expect(await batch(events)).toBe(1);

    const stored = await rows(ids);
    expect(stored.map((r) => [r.ticket_id, r.reference, r.requester, r.language])).toEqual(
      ids.map((id, i) => [id, `TSS-SITE-${i + 1}`, i === 0 ? 'req-1' : null, (i + 1) % 2 === 0 ? 'ru' : null]),
    );
    expect(stored.map((r) => r.partner_id)).toEqual(events.map((e) => (e.data as { partnerId: string }).partnerId));
    expect(stored.map((r) => r.created_at.toISOString())).toEqual(events.map((e) => e.time));

    // The first one again, beside a new ticket, with other data: the stored row stays as it was.
    const again = { ...events[0], id: randomUUID(), data: { ...(events[0].data as object), reference: 'TSS-SITE-CHANGED' } };
    const another = randomUUID();
    expect(await batch([again, created(another, 6)])).toBe(1);
    expect((await rows([ids[0]])).map((r) => r.reference)).toEqual(['TSS-SITE-1']);
    expect((await rows([another])).map((r) => r.reference)).toEqual(['TSS-SITE-6']);
  });

  it('a batch with no ticket.created writes nothing', async () => {
    expect(await batch([])).toBe(0);
  });
});
