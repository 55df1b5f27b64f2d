import { randomUUID } from 'node:crypto';
import { TicketCreatedV1, TicketRespondedV1 } from '@tss/contracts';
import type { InboundMessage } from '@tss/messaging';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { slaTimerService } from '../../src/index';
import { gatewayPartners } from './support/gateway-partners';
import { ticketEventMessage } from './support/ticket-event-message';

/**
 * docs/adr/0072: during a rolling upgrade a newer intake publishes `ticket.*` types this sla-timer
 * does not know. Each still takes its place in the ticket's sequence, through the service's own
 * hosted consumer, so the ticket's later events are not held behind it until dead-lettered.
 */
describe('ticket event types newer than this release (sla-timer)', () => {
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

  /** An event as a newer intake would write it: a type and contract no catalogue of this release has. */
  const newer = (ticketId: string, type: string, data: unknown): InboundMessage => ({
    topic: TicketCreatedV1.topic,
    key: ticketId,
    event: {
      specversion: '1.0',
      id: randomUUID(),
      source: 'tss/ticket-intake',
      type,
      time: clock.now().toISOString(),
      subject: ticketId,
      datacontenttype: 'application/json',
      dataschema: `urn:tss:event:${type}:v1`,
      data,
    },
    raw: { value: null, headers: {} },
  });

  const file = async (ticketId: string) =>
    sut.host.consumer.consume(
      ticketEventMessage(clock, TicketCreatedV1, ticketId, {
        partnerId,
        sequence: 1,
        reference: 'TSS-01234-56789',
        channel: 'api',
        product: 'reader',
        level: 'standard',
        subject: 'EPUB import fails',
        requester: { id: 'cust-1' },
        missingDetails: [],
        receivedAt: clock.now().toISOString(),
      }),
    );
  const lastSequence = async (ticketId: string) =>
    (await sut.query<{ last_sequence: number }>(`SELECT last_sequence FROM sla_timer.tickets WHERE ticket_id = $1`, [ticketId]))[0]?.last_sequence;

  it('an unknown ticket.* type advances the sequence, and the next known event applies at once', async () => {
    const ticketId = randomUUID();
    expect(await file(ticketId)).toBe('handled');
    const unknown = newer(ticketId, 'ticket.watchers_changed', { partnerId, sequence: 2, watchers: ['ann@example.com'] });
    expect(await sut.host.consumer.consume(unknown)).toBe('handled');
    expect(await lastSequence(ticketId)).toBe(2);
    // Redelivered: the inbox knows it.
    expect(await sut.host.consumer.consume(unknown)).toBe('duplicate');

    const responded = ticketEventMessage(clock, TicketRespondedV1, ticketId, { partnerId, sequence: 3, messageId: randomUUID(), respondedAt: clock.now().toISOString(), authorId: 'agent-1' });
    expect(await sut.host.consumer.consume(responded)).toBe('handled');
    const [clockRow] = await sut.query<{ status: string }>(`SELECT status FROM sla_timer.response_clocks WHERE ticket_id = $1`, [ticketId]);
    expect(clockRow.status).toBe('met');
  });

  it('an unknown type without partnerId and sequence changes nothing; another family is skipped; a broken envelope is dead-lettered', async () => {
    const ticketId = randomUUID();
    expect(await file(ticketId)).toBe('handled');
    expect(await sut.host.consumer.consume(newer(ticketId, 'ticket.watchers_changed', { watchers: [] }))).toBe('handled');
    expect(await sut.host.consumer.consume(newer(ticketId, 'billing.invoice_sent', { partnerId, sequence: 2 }))).toBe('skipped');
    expect(await lastSequence(ticketId)).toBe(1);

    const broken = newer(ticketId, 'ticket.watchers_changed', { partnerId, sequence: 2 });
    (broken.event as { time: string }).time = 'yesterday';
    expect(await sut.host.consumer.consume(broken)).toBe('dead-lettered');
    expect(await lastSequence(ticketId)).toBe(1);
  });
});
