import { randomUUID } from 'node:crypto';
import { TicketCreatedV1, TicketMessageReceivedV1, TicketReopenedV1, TicketResolvedV1, TicketStatusChangedV1, type EventContract, type EventData } from '@tss/contracts';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { DEFAULT_POLICY, type SlaPolicy } from '../../src/domain/sla-policy';
import { slaTimerService } from '../../src/index';
import { gatewayPartners } from './support/gateway-partners';

const HOUR = 3_600_000;
/** An agreement: emergencies answered in 1 h, standard requests in 2 h. */
const AGREEMENT: SlaPolicy = {
  ...DEFAULT_POLICY,
  levels: { ...DEFAULT_POLICY.levels, emergency: { targetMs: HOUR, phoneSupport: true }, standard: { targetMs: 2 * HOUR, phoneSupport: true } },
};

interface ClockRow {
  started_by: string;
  started_at: Date;
  policy_scope: string;
  policy_version: number;
  target_ms: string;
}

// docs/adr/0031 ("a clock keeps the policy version it started under", addendum of 2026-12-04,
// fifth session): a clock runs on the terms in force at the instant it starts (the ticket's
// receipt, the message's, the reopening's), not on those in force when sla-timer handles the
// event: a broker or consumer backlog must not decide which contract governs a ticket.
describe('SLA terms in force when a clock starts, however late its event is handled', () => {
  const clock = new TestClock('2026-12-04T17:04:01.859Z');
  let sut: ServiceUnderTest;
  let gateway: ReturnType<typeof gatewayPartners>;

  beforeAll(async () => {
    sut = await startServiceUnderTest(slaTimerService, { clock });
    gateway = gatewayPartners(sut, clock);
  });
  afterAll(async () => {
    await sut?.stop();
  });

  const http = () => sut.http();
  /** Minted per request: the test clock moves past a token's lifetime. */
  const admin = () => sut.token({ kind: 'staff', sub: 'admin-1', roles: ['admin'], scope: 'admin tickets:read' });
  const agree = async (partnerId: string) => expect((await http().put(`/v1/partners/${partnerId}/sla-policy`).auth(admin(), { type: 'bearer' }).send(AGREEMENT)).status).toBe(200);
  const drop = async (partnerId: string) => expect((await http().delete(`/v1/partners/${partnerId}/sla-policy`).auth(admin(), { type: 'bearer' })).status).toBe(204);
  /** Intake's event, handled by sla-timer (now, on the test clock) before this resolves. */
  const deliver = async <E extends EventContract>(contract: E, ticketId: string, data: EventData<E>) => gateway.handled(await gateway.publish(contract, ticketId, data));
  const file = async (partnerId: string, receivedAt: Date): Promise<string> => {
    const ticketId = randomUUID();
    await deliver(TicketCreatedV1, ticketId, {
      partnerId,
      sequence: 1,
      reference: 'TSS-K7QM2-ZC4XD',
      channel: 'api',
      product: 'reader',
      level: 'standard',
      subject: 'Reader crashes on start',
      requester: { id: 'cust-1' },
      missingDetails: [],
      receivedAt: receivedAt.toISOString(),
    });
    return ticketId;
  };
  const clocksOf = (ticketId: string) =>
    sut.query<ClockRow>(`SELECT started_by, started_at, policy_scope, policy_version, target_ms FROM sla_timer.response_clocks WHERE ticket_id = $1 ORDER BY started_at, id`, [ticketId]);
  const terms = (scope: string, version: number, targetMs: number) => ({ policy_scope: scope, policy_version: version, target_ms: String(targetMs) });
  const later = (ms: number): Date => clock.advanceMs(ms);

  it('a ticket received before an agreement was stored, handled after it, runs on the earlier terms; one received after runs on the agreement', async () => {
    const partnerId = await gateway.registered();
    const receivedBefore = clock.now();
    later(3_043);
    await agree(partnerId); // version 1, stored after the first ticket arrived
    const before = await file(partnerId, receivedBefore);
    const after = await file(partnerId, later(1_000));

    expect(await clocksOf(before)).toEqual([{ started_by: 'created', started_at: receivedBefore, ...terms('default', 1, 12 * HOUR) }]);
    expect(await clocksOf(after)).toEqual([expect.objectContaining(terms(partnerId, 1, 2 * HOUR))]);
    const view = await http().get(`/v1/tickets/${before}/sla`).auth(admin(), { type: 'bearer' });
    expect(view.body.clocks[0]).toMatchObject({ startedAt: receivedBefore.toISOString(), targetMs: 12 * HOUR, policy: { scope: 'default', version: 1 } });
  });

  it('an agreement dropped between a ticket’s receipt and its handling still governs that ticket; one received after the drop runs on the default', async () => {
    const partnerId = await gateway.registered();
    await agree(partnerId);
    const received = later(60_000);
    later(60_000);
    await drop(partnerId); // version 2: the removal
    const before = await file(partnerId, received);
    const after = await file(partnerId, later(1_000));

    expect(await clocksOf(before)).toEqual([expect.objectContaining(terms(partnerId, 1, 2 * HOUR))]);
    expect(await clocksOf(after)).toEqual([expect.objectContaining(terms('default', 1, 12 * HOUR))]);
  });

  it('later clocks run on the terms in force at the message or the reopening, not at their handling', async () => {
    const partnerId = await gateway.registered();
    const ticketId = await file(partnerId, clock.now());
    // Waiting for the requester: nothing owed.
    await deliver(TicketStatusChangedV1, ticketId, { partnerId, sequence: 2, from: 'new', to: 'awaiting_customer', reason: 'more_information', changedAt: later(60_000).toISOString() });
    const messageAt = later(60_000);
    later(60_000);
    await agree(partnerId);
    // The requester's message arrived before the agreement; sla-timer handles it after.
    await deliver(TicketMessageReceivedV1, ticketId, { partnerId, sequence: 3, messageId: randomUUID(), channel: 'api', receivedAt: messageAt.toISOString(), attachmentIds: [] });
    const resolvedAt = later(60_000);
    await deliver(TicketResolvedV1, ticketId, { partnerId, sequence: 4, resolvedAt: resolvedAt.toISOString(), reopenWindowEndsAt: new Date(resolvedAt.getTime() + 7 * 24 * HOUR).toISOString() });
    const reopenedAt = later(60_000);
    later(60_000);
    await drop(partnerId);
    // Reopened while the agreement was in force; handled after it was dropped.
    await deliver(TicketReopenedV1, ticketId, { partnerId, sequence: 5, reopenedAt: reopenedAt.toISOString() });

    expect(await clocksOf(ticketId)).toEqual([
      expect.objectContaining({ started_by: 'created', ...terms('default', 1, 12 * HOUR) }),
      expect.objectContaining({ started_by: 'requester_message', started_at: messageAt, ...terms('default', 1, 12 * HOUR) }),
      expect.objectContaining({ started_by: 'reopened', started_at: reopenedAt, ...terms(partnerId, 1, 2 * HOUR) }),
    ]);
  });

  it('the default’s versions too: a partner without an agreement runs on the default version in force when its ticket was received', async () => {
    const partnerId = await gateway.registered();
    const received = clock.now();
    later(60_000);
    const stricter: SlaPolicy = { ...DEFAULT_POLICY, levels: { ...DEFAULT_POLICY.levels, standard: { targetMs: 6 * HOUR, phoneSupport: false } } };
    const put = await http().put('/v1/sla/policies').auth(admin(), { type: 'bearer' }).send(stricter);
    expect(put.status).toBe(200);
    const before = await file(partnerId, received);
    const after = await file(partnerId, later(1_000));

    expect(await clocksOf(before)).toEqual([expect.objectContaining(terms('default', 1, 12 * HOUR))]);
    expect(await clocksOf(after)).toEqual([expect.objectContaining(terms('default', put.body.version, 6 * HOUR))]);
  });
});
