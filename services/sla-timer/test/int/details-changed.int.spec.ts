import { randomUUID } from 'node:crypto';
import { TicketCreatedV1, TicketDetailsChangedV1 } from '@tss/contracts';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { slaTimerService } from '../../src/index';
import { gatewayPartners } from './support/gateway-partners';
import { ticketEventMessage } from './support/ticket-event-message';

/**
 * P2 (docs/adr/0069, addendum of 2026-12-04, fifth session): staff complete a mail ticket's
 * product; sla-timer's report counts the ticket's clocks under it from then on.
 */
describe('ticket.details_changed in sla-timer', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  const partnerId = randomUUID();
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    sut = await startServiceUnderTest(slaTimerService, { clock });
    await gatewayPartners(sut, clock).registered(partnerId);
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const report = (query: string) =>
    sut
      .http()
      .get(`/v1/reports/sla?${query}`)
      .auth(sut.token({ kind: 'staff', sub: 'quality-1', roles: ['quality'], scope: 'reports:read' }), { type: 'bearer' });

  it('a product completed later moves the ticket and its clock under it; a redelivery changes nothing', async () => {
    const ticketId = randomUUID();
    const from = clock.now().toISOString();
    const created = ticketEventMessage(clock, TicketCreatedV1, ticketId, {
      partnerId,
      sequence: 1,
      reference: 'TSS-01234-56789',
      channel: 'email',
      level: 'standard',
      subject: 'Reader crashes',
      requester: { email: 'ann@client.example' },
      missingDetails: ['product', 'productVersion'],
      receivedAt: from,
    });
    expect(await sut.host.consumer.consume(created)).toBe('handled');
    clock.advanceMs(60_000);
    const owedUnder = async (product: string) => ((await report(`product=${product}&from=${from}`)).body.levels as { owed: number }[]).reduce((n, l) => n + l.owed, 0);
    expect(await owedUnder('player')).toBe(0);

    const changed = ticketEventMessage(clock, TicketDetailsChangedV1, ticketId, {
      partnerId,
      sequence: 2,
      changed: ['product', 'productVersion'],
      product: 'player',
      productVersion: '2.1',
      missingDetails: [],
      changedAt: clock.now().toISOString(),
    });
    expect(await sut.host.consumer.consume(changed)).toBe('handled');
    expect(await sut.query(`SELECT product FROM sla_timer.tickets WHERE ticket_id = $1`, [ticketId])).toEqual([{ product: 'player' }]);
    expect(await sut.query(`SELECT product FROM sla_timer.response_clocks WHERE ticket_id = $1`, [ticketId])).toEqual([{ product: 'player' }]);
    expect(await owedUnder('player')).toBe(1);
    expect(await sut.host.consumer.consume(changed)).toBe('duplicate');
  });
});
