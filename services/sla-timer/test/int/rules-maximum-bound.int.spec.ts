import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { TicketCreatedV1, TicketLevelChangedV1, type EventContract, type EventData, type ServiceLevel } from '@tss/contracts';
import type { EventConsumer } from '@tss/messaging';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import type { TimerWorker } from '@tss/timers';
import { DEFAULT_POLICY, type SlaPolicy } from '../../src/domain/sla-policy';
import { clockPipeline, withoutWorker } from './support/clock-pipeline';
import { gatewayPartners } from './support/gateway-partners';
import { ticketEventMessage } from './support/ticket-event-message';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });


const WEEKDAYS_9_TO_18 = [{ from: '09:00', to: '18:00' }];
/** The outside tester's agreement: the rules' own targets and thresholds, counted on Berlin business hours. */
const BERLIN_OFFICE_HOURS: SlaPolicy = {
  ...DEFAULT_POLICY,
  calendar: { timeZone: 'Europe/Berlin', holidays: [], week: { 1: WEEKDAYS_9_TO_18, 2: WEEKDAYS_9_TO_18, 3: WEEKDAYS_9_TO_18, 4: WEEKDAYS_9_TO_18, 5: WEEKDAYS_9_TO_18 } },
};
/** The same hours with faster business-time targets: standard requests answered within 4 business hours. */
const FAST_OFFICE_HOURS: SlaPolicy = {
  ...BERLIN_OFFICE_HOURS,
  levels: { ...DEFAULT_POLICY.levels, emergency: { targetMs: 2 * HOUR, phoneSupport: true }, standard: { targetMs: 4 * HOUR, phoneSupport: false } },
};

const iso = (ms: number) => new Date(ms).toISOString();

// P5 and docs/adr/0031 (addendum of 2026-12-04, sixth session): the rules' maximum response times
// are calendar time, 24/7; an agreement may promise faster responses, never slower. A business-hours
// calendar makes a clock due at the earlier of its business-time due and that calendar bound.
describe('P5: a clock is never due later than its start plus the rules’ maximum in calendar time', () => {
  const clock = new TestClock('2026-12-04T09:00:00.000Z');
  let sut: ServiceUnderTest;
  let consumer: EventConsumer;
  let worker: TimerWorker;
  let gateway: ReturnType<typeof gatewayPartners>;

  beforeAll(async () => {
    sut = await startServiceUnderTest(withoutWorker, { clock });
    gateway = gatewayPartners(sut, clock);
    ({ consumer, worker } = clockPipeline(sut, clock, logger, 'bound'));
  });

  afterAll(async () => {
    await sut?.stop();
  });

  /** Minted per request: the test clock moves past a token's lifetime. */
  const admin = () => sut.token({ kind: 'staff', sub: 'admin-1', roles: ['admin'], scope: 'admin tickets:read reports:read' });
  const http = () => sut.http();
  const agree = async (policy: SlaPolicy): Promise<string> => {
    const partnerId = await gateway.registered();
    const stored = await http().put(`/v1/partners/${partnerId}/sla-policy`).auth(admin(), { type: 'bearer' }).send(policy);
    expect(stored.status).toBe(200);
    return partnerId;
  };
  const deliver = async <C extends EventContract>(contract: C, ticketId: string, data: EventData<C>) =>
    expect(await consumer.consume(ticketEventMessage(clock, contract, ticketId, data))).toBe('handled');
  const file = async (partnerId: string, level: ServiceLevel = 'standard'): Promise<string> => {
    const ticketId = randomUUID();
    await deliver(TicketCreatedV1, ticketId, {
      partnerId,
      sequence: 1,
      reference: 'TSS-01234-56789',
      channel: 'api',
      product: 'reader',
      level,
      subject: 'EPUB import fails',
      requester: { id: 'cust-1', email: 'reader@example.com' },
      missingDetails: [],
      receivedAt: clock.now().toISOString(),
    });
    return ticketId;
  };
  const view = async (ticketId: string) => {
    const answer = await http().get(`/v1/tickets/${ticketId}/sla`).auth(admin(), { type: 'bearer' });
    expect(answer.status).toBe(200);
    return answer.body.clocks as Record<string, unknown>[];
  };
  const slaEvents = async (ticketId: string): Promise<({ type: string } & Record<string, unknown>)[]> =>
    (
      await sut.query<{ type: string; data: Record<string, unknown> }>(
        `SELECT event_type AS type, event->'data' AS data FROM sla_timer.outbox WHERE event->>'subject' = $1 ORDER BY position`,
        [ticketId],
      )
    ).map((e) => ({ type: e.type, ...e.data }));
  const pendingTimers = async (ticketId: string) =>
    sut.query<{ id: string; due_at: Date }>(
      `SELECT t.id, t.due_at FROM sla_timer.timers t JOIN sla_timer.response_clocks c ON t.id LIKE 'sla:' || c.id || ':%' WHERE c.ticket_id = $1 AND t.status = 'pending'`,
      [ticketId],
    );
  const preview = (body: Record<string, unknown>) => http().post('/v1/sla/preview').auth(admin(), { type: 'bearer' }).send(body);
  const advanceTo = async (at: string) => {
    clock.set(at);
    // Each fired milestone schedules the clock's next one; fire until nothing more is due.
    while ((await worker.runDue()) > 0);
  };

  it('P5: a standard ticket filed on Friday evening under a weekdays 09:00–18:00 Berlin agreement is due within 12 calendar hours; warnings, overdue, the view, the preview and the report agree', async () => {
    const partnerId = await agree(BERLIN_OFFICE_HOURS);
    clock.set('2026-12-04T19:56:00.000Z'); // Friday 20:56 in Berlin, after closing
    const startedAt = clock.now().getTime();
    const ticketId = await file(partnerId);

    // Business time alone would make it Tuesday 11:00 UTC; the rules' 12 hours end Saturday 07:56 UTC.
    const dueAt = iso(startedAt + 12 * HOUR);
    const warnings = [
      { threshold: 0.5, at: iso(startedAt + 6 * HOUR) },
      { threshold: 0.75, at: iso(startedAt + 9 * HOUR) },
      { threshold: 0.9, at: iso(startedAt + 10.8 * HOUR) },
    ];
    const overdueAt = iso(startedAt + 18 * HOUR);
    expect((await slaEvents(ticketId))[0]).toMatchObject({ type: 'sla.clock_started', level: 'standard', dueAt, targetMs: 12 * HOUR, policyScope: partnerId });
    expect(await pendingTimers(ticketId)).toEqual([expect.objectContaining({ due_at: new Date(warnings[0].at) })]);
    expect(await view(ticketId)).toEqual([expect.objectContaining({ status: 'running', dueAt, targetMs: 12 * HOUR, elapsedMs: 0, remainingMs: 12 * HOUR })]);

    // The preview of the partner's terms, and of the same policy given in the request, say the same.
    const expected = { level: 'standard', startedAt: iso(startedAt), dueAt, warnings, overdueAt };
    const ofPartner = await preview({ level: 'standard', startedAt: iso(startedAt), partnerId });
    expect(ofPartner.status).toBe(200);
    expect(ofPartner.body).toMatchObject({ ...expected, basedOn: { scope: partnerId, version: 1 } });
    const ofPolicy = await preview({ level: 'standard', startedAt: iso(startedAt), policy: BERLIN_OFFICE_HOURS });
    expect(ofPolicy.status).toBe(200);
    expect(ofPolicy.body).toMatchObject(expected);

    // Saturday, closed in Berlin: the clock still counts toward the rules' bound, as its due time does.
    await advanceTo(iso(startedAt + 6 * HOUR));
    expect((await slaEvents(ticketId)).find((e) => e.type === 'sla.warning')).toMatchObject({ threshold: 0.5, remainingMs: 6 * HOUR, dueAt });
    expect(await view(ticketId)).toEqual([expect.objectContaining({ elapsedMs: 6 * HOUR, remainingMs: 6 * HOUR })]);

    await advanceTo(dueAt);
    expect((await slaEvents(ticketId)).find((e) => e.type === 'sla.breached')).toMatchObject({ breachedAt: dueAt, dueAt });
    const report = await http().get(`/v1/reports/sla?from=${iso(startedAt)}&to=${iso(startedAt + DAY)}&partner=${partnerId}`).auth(admin(), { type: 'bearer' });
    expect(report.status).toBe(200);
    expect(report.body.levels).toEqual([expect.objectContaining({ level: 'standard', owed: 1, breached: 1, met: 0, open: 0 })]);
  });

  it('P5: a business-hours agreement with a shorter business target still answers sooner when its hours allow', async () => {
    const partnerId = await agree(FAST_OFFICE_HOURS);
    clock.set('2026-12-07T08:30:00.000Z'); // Monday 09:30 in Berlin
    const startedAt = clock.now().getTime();
    const ticketId = await file(partnerId);

    // 4 business hours end at 13:30 Berlin, well before the rules' 12 hours.
    const dueAt = iso(startedAt + 4 * HOUR);
    expect(await view(ticketId)).toEqual([expect.objectContaining({ dueAt, targetMs: 4 * HOUR, remainingMs: 4 * HOUR })]);
    const previewed = await preview({ level: 'standard', startedAt: iso(startedAt), partnerId });
    expect(previewed.body).toMatchObject({ dueAt, targetMs: 4 * HOUR, warnings: [{ threshold: 0.5, at: iso(startedAt + 2 * HOUR) }, { threshold: 0.75, at: iso(startedAt + 3 * HOUR) }, { threshold: 0.9, at: iso(startedAt + 3.6 * HOUR) }] });

    // Filed at 17:00 Berlin: 1 business hour today, 3 on Tuesday (12:00 Berlin) would pass the
    // rules' 12 hours (05:00 Berlin): the bound decides, counted in calendar time.
    clock.set('2026-12-07T16:00:00.000Z');
    const late = clock.now().getTime();
    const lateTicket = await file(partnerId);
    expect(await view(lateTicket)).toEqual([expect.objectContaining({ dueAt: iso(late + 12 * HOUR), targetMs: 12 * HOUR, remainingMs: 12 * HOUR })]);
    // Its 50 % warning: 2 business hours end Tuesday 10:00 Berlin, 6 calendar hours Monday 23:00: the earlier.
    expect((await preview({ level: 'standard', startedAt: iso(late), partnerId })).body).toMatchObject({ dueAt: iso(late + 12 * HOUR), warnings: [{ threshold: 0.5, at: iso(late + 6 * HOUR) }, expect.anything(), expect.anything()] });
  });

  it('P5: a reclassification and a referral re-target from the original start and keep the bound', async () => {
    clock.set('2026-12-04T12:00:00.000Z'); // the agreement is in force when the ticket arrives
    const partnerId = await agree(BERLIN_OFFICE_HOURS);
    clock.set('2026-12-04T19:56:00.000Z');
    const startedAt = clock.now().getTime();
    const ticketId = await file(partnerId);
    clock.set('2026-12-04T20:30:00.000Z');
    await deliver(TicketLevelChangedV1, ticketId, { partnerId, sequence: 2, from: 'standard', to: 'consulting', confirmed: true, changedAt: clock.now().toISOString() });
    expect(await view(ticketId)).toEqual([expect.objectContaining({ level: 'consulting', dueAt: iso(startedAt + DAY), targetMs: DAY })]);
    await deliver(TicketLevelChangedV1, ticketId, { partnerId, sequence: 3, from: 'consulting', to: 'development', confirmed: true, changedAt: clock.now().toISOString() });
    expect(await view(ticketId)).toEqual([expect.objectContaining({ level: 'development', owedBy: 'development', dueAt: iso(startedAt + 7 * DAY), targetMs: 7 * DAY })]);
    expect((await slaEvents(ticketId)).filter((e) => e.type === 'sla.retargeted').map((e) => e.dueAt)).toEqual([iso(startedAt + DAY), iso(startedAt + 7 * DAY)]);
  });
});
