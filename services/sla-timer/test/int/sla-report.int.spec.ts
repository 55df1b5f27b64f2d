import { randomUUID } from 'node:crypto';
import pino from 'pino';
import {
  TicketCreatedV1,
  TicketLevelChangedV1,
  TicketResolvedV1,
  TicketRespondedV1,
  TicketStatusChangedV1,
  type EventContract,
  type EventData,
} from '@tss/contracts';
import type { EventConsumer } from '@tss/messaging';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { TestClock } from '@tss/service-kit/testing';
import type { TimerWorker } from '@tss/timers';
import { clockPipeline, withoutWorker } from './support/clock-pipeline';
import { ticketEventMessage } from './support/ticket-event-message';

const HOUR = 3_600_000;
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });


// GET /v1/reports/sla (issue #10 "Reports", P5), sla-timer alone on real PostgreSQL.
describe('the SLA report over HTTP', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  let sut: ServiceUnderTest;

  let consumer: EventConsumer;
  let worker: TimerWorker;
  const partnerId = randomUUID();

  beforeAll(async () => {
    sut = await startServiceUnderTest(withoutWorker, { clock });
    ({ consumer, worker } = clockPipeline(sut, clock, logger, 'report'));
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const quality = () => sut.token({ kind: 'staff', sub: 'quality-1', roles: ['quality'], scope: 'reports:read' });
  const report = (query: string, accept = 'application/json') => sut.http().get(`/v1/reports/sla?${query}`).auth(quality(), { type: 'bearer' }).set('accept', accept);

  /** A ticket event as intake's outbox would write it, handed to sla-timer's consumer. */
  const deliver = async <C extends EventContract>(contract: C, ticketId: string, data: EventData<C>) =>
    expect(await consumer.consume(ticketEventMessage(clock, contract, ticketId, data))).toBe('handled');
  const now = () => clock.now().toISOString();
  const file = async (): Promise<string> => {
    const ticketId = randomUUID();
    await deliver(TicketCreatedV1, ticketId, {
      partnerId,
      sequence: 1,
      reference: 'TSS-01234-56789',
      channel: 'api',
      product: 'reader',
      level: 'standard',
      subject: 'EPUB import fails',
      requester: { id: 'cust-1' },
      missingDetails: [],
      receivedAt: now(),
    });
    return ticketId;
  };
  const respond = (ticketId: string) => deliver(TicketRespondedV1, ticketId, { partnerId, sequence: 2, messageId: randomUUID(), respondedAt: now(), authorId: 'agent-1' });
  const advance = async (ms: number) => {
    clock.advanceMs(ms);
    await worker.runDue();
  };

  it('P5: the outcome columns split the responses owed: met + breached + cancelled + open = owed, in JSON and CSV', async () => {
    const from = now();
    // Standard: 12 h to respond. One clock in each state, all started in the period.
    const [met, breachedOpen, breachedAnswered, breachedResolved, cancelled] = [await file(), await file(), await file(), await file(), await file()];
    await advance(1 * HOUR);
    await respond(met); // met: answered in time
    await advance(1 * HOUR);
    await deliver(TicketStatusChangedV1, cancelled, { partnerId, sequence: 2, from: 'open', to: 'awaiting_customer', reason: 'cannot_reproduce', changedAt: now() }); // cancelled before its due time
    await advance(11 * HOUR); // 13 h: the other three breached
    await respond(breachedAnswered); // answered after the breach
    await deliver(TicketResolvedV1, breachedResolved, { partnerId, sequence: 2, resolvedAt: now(), reopenWindowEndsAt: new Date(clock.now().getTime() + 14 * 24 * HOUR).toISOString() });
    const running = await file(); // open: owed, not due yet
    await advance(1 * HOUR);
    const statuses = await sut.query<{ ticket_id: string; status: string; open: boolean }>(
      `SELECT ticket_id, status, stopped_at IS NULL AS open FROM sla_timer.response_clocks WHERE partner_id = $1`,
      [partnerId],
    );
    const of = (ticketId: string) => statuses.find((c) => c.ticket_id === ticketId);
    // The known set: one clock each, as sla-timer recorded them.
    expect([met, breachedOpen, breachedAnswered, breachedResolved, cancelled, running].map((t) => [of(t)?.status, of(t)?.open])).toEqual([
      ['met', false],
      ['breached', true],
      ['breached', false],
      ['breached', false],
      ['cancelled', false],
      ['running', true],
    ]);

    const query = `from=${from}&to=${now()}&partner=${partnerId}`;
    const json = await report(query);
    expect(json.status).toBe(200);
    expect(json.body.levels).toEqual([
      expect.objectContaining({ level: 'standard', owed: 6, met: 1, breached: 3, cancelled: 1, open: 1, compliancePercent: 25, resolved: 1 }),
    ]);
    const [row] = json.body.levels as { owed: number; met: number; breached: number; cancelled: number; open: number }[];
    expect(row.met + row.breached + row.cancelled + row.open).toBe(row.owed);
    const csv = await report(query, 'text/csv');
    expect(csv.status).toBe(200);
    const [header, line] = csv.text.split('\r\n');
    expect(header.split(',').slice(0, 6)).toEqual(['level', 'owed', 'met', 'breached', 'cancelled', 'open']);
    expect(line.split(',').slice(0, 6)).toEqual(['standard', '6', '1', '3', '1', '1']);
  });

  it('docs/adr/0030 addendum (fifth session): a referral after the breach leaves the breach with standard and support; development is judged on its own clock from the referral; a lowered level keeps it too', async () => {
    const from = now();
    const ticket = await file();
    const lowered = await file();
    const filedAt = clock.now().getTime();
    await advance(13 * HOUR); // standard is due at 12 h: its breach timer fired
    const referredAt = now();
    await deliver(TicketLevelChangedV1, ticket, { partnerId, sequence: 2, from: 'standard', to: 'development', confirmed: true, changedAt: referredAt });
    await deliver(TicketStatusChangedV1, ticket, { partnerId, sequence: 3, from: 'new', to: 'referred', changedAt: referredAt });
    await deliver(TicketLevelChangedV1, lowered, { partnerId, sequence: 2, from: 'standard', to: 'consulting', confirmed: true, changedAt: referredAt });
    await advance(1 * HOUR);

    const agent = sut.token({ kind: 'staff', sub: 'agent-1', roles: ['agent'], scope: 'tickets:read' });
    const view = await sut.http().get(`/v1/tickets/${ticket}/sla`).auth(agent, { type: 'bearer' });
    expect(view.status).toBe(200);
    const twelveHours = new Date(filedAt + 12 * HOUR).toISOString();
    expect(view.body.clocks).toEqual([
      expect.objectContaining({ level: 'standard', owedBy: 'support', status: 'breached', open: false, dueAt: twelveHours, breachedAt: twelveHours, breachedLevel: 'standard', stopReason: 'referred' }),
      expect.objectContaining({ level: 'development', owedBy: 'development', startedBy: 'referral', status: 'running', open: true, startedAt: referredAt, dueAt: new Date(Date.parse(referredAt) + 7 * 24 * HOUR).toISOString() }),
    ]);
    const published = await sut.query<{ type: string; level: string | null; reason: string | null }>(
      `SELECT event_type AS type, event->'data'->>'level' AS level, event->'data'->>'reason' AS reason FROM sla_timer.outbox WHERE event->>'subject' = $1 AND event_type <> 'sla.warning' ORDER BY position`,
      [ticket],
    );
    expect(published.map((e) => [e.type, e.level, e.reason])).toEqual([
      ['sla.clock_started', 'standard', null],
      ['sla.breached', 'standard', null],
      ['sla.clock_cancelled', 'standard', 'referred'],
      ['sla.clock_started', 'development', null],
    ]);

    const json = await report(`from=${from}&to=${now()}&partner=${partnerId}`);
    expect(json.status).toBe(200);
    expect(json.body.levels).toEqual([
      expect.objectContaining({ level: 'standard', owed: 2, met: 0, breached: 2, cancelled: 0, open: 0 }),
      expect.objectContaining({ level: 'development', owed: 1, met: 0, breached: 0, cancelled: 0, open: 1 }),
    ]);
  });

  it('a parameter the report does not know is a 400 naming it, never the unfiltered report; its own filters still apply', async () => {
    for (const query of ['foo=bar', 'level=standard&groupBy=level', 'partnerId=00000000-0000-4000-8000-000000000000']) {
      for (const accept of ['application/json', 'text/csv']) {
        const response = await report(query, accept);
        expect(response.status).toBe(400);
        expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
        expect(response.body.errors).toEqual([expect.objectContaining({ in: 'querystring', pointer: '/', additionalProperty: query.split('&').at(-1)?.split('=')[0] })]);
      }
    }
    expect((await report('product=kindle')).status).toBe(400);
    expect((await report('level=standard&product=reader&partner=00000000-0000-4000-8000-000000000000')).status).toBe(200);
  });
});
