import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { TicketCreatedV1, TicketLevelChangedV1, TicketRespondedV1, TicketStatusChangedV1, type EventContract, type EventData } from '@tss/contracts';
import type { EventConsumer } from '@tss/messaging';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import type { TimerWorker } from '@tss/timers';
import { DEFAULT_POLICY } from '../../src/domain/sla-policy';
import { clockPipeline, withoutWorker } from './support/clock-pipeline';
import { gatewayPartners } from './support/gateway-partners';
import { ticketEventMessage } from './support/ticket-event-message';

const MINUTE = 60_000;
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

// docs/adr/0029 and 0030, addenda of 2026-12-05: a referred ticket handed back to support
// (`PATCH {"status":"open","level":"standard"}`: intake publishes `ticket.level_changed`, then
// `ticket.status_changed`), sla-timer alone on real PostgreSQL, its routes over HTTP.
describe('a referred ticket handed back to support', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  let sut: ServiceUnderTest;
  let consumer: EventConsumer;
  let worker: TimerWorker;
  const partnerId = randomUUID();

  beforeAll(async () => {
    sut = await startServiceUnderTest(withoutWorker, { clock });
    ({ consumer, worker } = clockPipeline(sut, clock, logger, 'hand-back'));
    await gatewayPartners(sut, clock).registered(partnerId);
    // The outside tester's agreement: standard 10 min, development 20 min.
    const level = (minutes: number) => ({ targetMs: minutes * MINUTE, phoneSupport: false });
    const agreement = { ...DEFAULT_POLICY, levels: { emergency: level(5), standard: level(10), consulting: level(15), development: level(20) } };
    const put = await sut.http().put(`/v1/partners/${partnerId}/sla-policy`).auth(admin(), { type: 'bearer' }).send(agreement);
    expect(put.status).toBe(200);
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const admin = () => sut.token({ kind: 'staff', sub: 'admin-1', roles: ['admin'], scope: 'admin tickets:read queue:read reports:read' });
  const now = () => clock.now().toISOString();
  const deliver = async <C extends EventContract>(contract: C, ticketId: string, data: EventData<C>) =>
    expect(await consumer.consume(ticketEventMessage(clock, contract, ticketId, data))).toBe('handled');
  const advance = async (ms: number) => {
    clock.advanceMs(ms);
    while ((await worker.runDue()) > 0);
  };
  const slaEvents = async (ticketId: string) =>
    (
      await sut.query<{ type: string; data: Record<string, unknown> }>(
        `SELECT event_type AS type, event->'data' AS data FROM sla_timer.outbox WHERE event->>'subject' = $1 AND event_type LIKE 'sla.%' ORDER BY position`,
        [ticketId],
      )
    ).map((e) => ({ type: e.type, ...e.data }));

  /** Filed and answered (nothing owed), then referred at t0: development owes a response from the referral. */
  const referredAnswered = async (): Promise<{ ticketId: string; t0: number }> => {
    const ticketId = randomUUID();
    await deliver(TicketCreatedV1, ticketId, {
      partnerId, sequence: 1, reference: 'TSS-01234-56789', channel: 'api', product: 'reader', level: 'standard',
      subject: 'EPUB import fails', requester: { id: 'cust-1' }, missingDetails: [], receivedAt: now(),
    });
    await advance(MINUTE);
    await deliver(TicketRespondedV1, ticketId, { partnerId, sequence: 2, messageId: randomUUID(), respondedAt: now(), authorId: 'agent-1' });
    await advance(MINUTE);
    const t0 = clock.now().getTime();
    await deliver(TicketLevelChangedV1, ticketId, { partnerId, sequence: 3, from: 'standard', to: 'development', confirmed: true, changedAt: now() });
    await deliver(TicketStatusChangedV1, ticketId, { partnerId, sequence: 4, from: 'open', to: 'referred', changedAt: now() });
    return { ticketId, t0 };
  };
  const handBack = async (ticketId: string, level: 'standard' | 'consulting') => {
    await deliver(TicketLevelChangedV1, ticketId, { partnerId, sequence: 5, from: 'development', to: level, confirmed: true, changedAt: now() });
    await deliver(TicketStatusChangedV1, ticketId, { partnerId, sequence: 6, from: 'referred', to: 'open', changedAt: now() });
  };

  it('at t0+12 min, within development’s 20 min: development’s clock ends returned_to_support, no breach; support owes standard’s 10 min from the hand-back', async () => {
    const from = now();
    const { ticketId, t0 } = await referredAnswered();
    await advance(12 * MINUTE);
    await handBack(ticketId, 'standard');
    await advance(0);
    const events = await slaEvents(ticketId);
    // Development's 50 % warning (t0+10 min) went out while it had the ticket.
    expect(events.map((e) => e.type)).toEqual(['sla.clock_started', 'sla.met', 'sla.clock_started', 'sla.warning', 'sla.clock_cancelled', 'sla.clock_started']);
    expect(events[2]).toMatchObject({ level: 'development', owedBy: 'development', dueAt: new Date(t0 + 20 * MINUTE).toISOString() });
    expect(events[4]).toMatchObject({ level: 'development', reason: 'returned_to_support', cancelledAt: new Date(t0 + 12 * MINUTE).toISOString() });
    expect(events[5]).toMatchObject({ level: 'standard', owedBy: 'support', startedAt: new Date(t0 + 12 * MINUTE).toISOString(), dueAt: new Date(t0 + 22 * MINUTE).toISOString(), targetMs: 10 * MINUTE });

    const view = await sut.http().get(`/v1/tickets/${ticketId}/sla`).auth(admin(), { type: 'bearer' });
    expect(view.status).toBe(200);
    expect(view.body.clocks.map((c: Record<string, unknown>) => [c.level, c.owedBy, c.startedBy, c.status, c.stopReason ?? null])).toEqual([
      ['standard', 'support', 'created', 'met', 'responded'],
      ['development', 'development', 'referral', 'cancelled', 'returned_to_support'],
      ['standard', 'support', 'returned_to_support', 'running', null],
    ]);
    // `to` is exclusive: a minute on, so the clock started at the hand-back is in.
    const to = new Date(clock.now().getTime() + MINUTE).toISOString();
    const report = await sut.http().get(`/v1/reports/sla?from=${from}&to=${to}&partner=${partnerId}`).auth(admin(), { type: 'bearer' });
    expect(report.status).toBe(200);
    expect(report.body.levels).toEqual([
      expect.objectContaining({ level: 'standard', owed: 2, met: 1, breached: 0, open: 1 }),
      expect.objectContaining({ level: 'development', owed: 1, breached: 0, cancelled: 1 }),
    ]);

    // Support's own time runs from the hand-back: its breach at t0+22 min is support's.
    await advance(10 * MINUTE);
    expect((await slaEvents(ticketId)).at(-1)).toMatchObject({ type: 'sla.breached', level: 'standard', breachedAt: new Date(t0 + 22 * MINUTE).toISOString() });
  });

  it('past development’s own 20 min the breach was development’s and stays so; support’s clock starts fresh at the hand-back', async () => {
    const { ticketId, t0 } = await referredAnswered();
    await advance(25 * MINUTE); // development's breach timer fired at t0+20 min
    await handBack(ticketId, 'consulting');
    await advance(0);
    const events = await slaEvents(ticketId);
    // Its warnings were passed over in the one step to 25 min (docs/adr/0030).
    expect(events.map((e) => e.type)).toEqual(['sla.clock_started', 'sla.met', 'sla.clock_started', 'sla.breached', 'sla.clock_cancelled', 'sla.clock_started']);
    expect(events[3]).toMatchObject({ level: 'development', breachedAt: new Date(t0 + 20 * MINUTE).toISOString() });
    expect(events[4]).toMatchObject({ level: 'development', reason: 'returned_to_support' });
    expect(events[5]).toMatchObject({ level: 'consulting', owedBy: 'support', startedAt: new Date(t0 + 25 * MINUTE).toISOString(), dueAt: new Date(t0 + 40 * MINUTE).toISOString() });
  });
});
