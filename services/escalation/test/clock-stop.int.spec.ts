import { randomUUID } from 'node:crypto';
import {
  SlaBreachedV1,
  SlaClockCancelledV1,
  SlaMetV1,
  SlaOverdueV1,
  SlaWarningV1,
  TicketCreatedV1,
} from '@tss/contracts';
import pino from 'pino';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { TimerStore } from '@tss/timers';
import { escalationService } from '../src';
import { raiseNow } from './support/raise-now';
import { publisherToEscalation, ticketCreatedData } from './support/publish-to-escalation';

const MINUTE = 60_000;

interface EscalationRow {
  id: string;
  kind: string;
  rule: string;
  status: string;
  renotices: number;
  resolved_by: string | null;
  outcome: string | null;
  clock_stopped_at: Date | null;
}

// Escalations raised for a response clock stop re-notifying once the clock stops (sla.met,
// sla.clock_cancelled); escalation alone on real PostgreSQL, re-notices in simulated time.
describe('escalations of a response clock that stopped', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  let sut: ServiceUnderTest;
  const partnerId = randomUUID();

  beforeAll(async () => {
    sut = await startServiceUnderTest(escalationService, { clock, env: { ESCALATION_RENOTIFY_AFTER_MS: String(MINUTE) } });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const publish = publisherToEscalation(() => sut, clock);
  const ticket = async (): Promise<string> => {
    const ticketId = randomUUID();
    await publish(TicketCreatedV1, ticketId, ticketCreatedData(partnerId, clock));
    return ticketId;
  };
  const clockBase = (clockId: string) => ({ partnerId, clockId, level: 'standard' as const, dueAt: '2026-03-02T21:00:00.000Z' });
  const lateness = { latenessMs: 0, late: false };
  const escalationsOf = (ticketId: string) => sut.query<EscalationRow>(`SELECT * FROM escalation.escalations WHERE ticket_id = $1 ORDER BY raised_at, rule`, [ticketId]);
  const pendingRenotices = async (ticketId: string) =>
    (
      await sut.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM escalation.timers t JOIN escalation.escalations e ON t.id = 'escalation:' || e.id || ':renotify' WHERE e.ticket_id = $1 AND t.status = 'pending'`,
        [ticketId],
      )
    )[0].n;
  const renoticesSent = async (ticketId: string) =>
    (await sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM escalation.outbox WHERE event_type = 'escalation.renotified' AND message_key = $1`, [ticketId]))[0].n;
  /** Moves the clock one re-notice interval and waits until the worker sent `expected` re-notices in all for the ticket. */
  const oneInterval = async (ticketId: string, expected: number) => {
    clock.advanceMs(MINUTE);
    await waitFor(`${expected} re-notices of ${ticketId}`, async () => (await renoticesSent(ticketId)) === expected);
  };
  /** Several intervals with nothing to send: the worker ran (nothing pending is due) and the count stayed. */
  const quietIntervals = async (ticketId: string, sent: number) => {
    for (let i = 0; i < 5; i += 1) {
      clock.advanceMs(MINUTE);
      await waitFor('no re-notice due', async () => (await sut.query(`SELECT 1 FROM escalation.timers WHERE status = 'pending' AND due_at <= $1`, [clock.now()])).length === 0);
    }
    expect(await renoticesSent(ticketId)).toBe(sent);
  };

  it('about to breach, then answered in time (sla.met): the escalation is resolved as answered in time, and re-notices stop', async () => {
    const ticketId = await ticket();
    const clockId = randomUUID();
    await publish(SlaWarningV1, ticketId, { ...clockBase(clockId), remainingMs: 72 * MINUTE, threshold: 0.9, ...lateness });
    const [raised] = await escalationsOf(ticketId);
    expect(raised).toMatchObject({ rule: 'sla-about-to-breach', kind: 'sla_warning', status: 'open' });
    await oneInterval(ticketId, 1);

    await publish(SlaMetV1, ticketId, { ...clockBase(clockId), respondedAt: clock.now().toISOString() });
    const [after] = await escalationsOf(ticketId);
    expect(after).toMatchObject({ status: 'resolved', resolved_by: null, clock_stopped_at: clock.now() });
    expect(after.outcome).toMatch(/in time/);
    const resolvedEvents = await sut.query<{ data: Record<string, unknown> }>(
      `SELECT event->'data' AS data FROM escalation.outbox WHERE event_type = 'escalation.resolved' AND event->'data'->>'escalationId' = $1`,
      [raised.id],
    );
    expect(resolvedEvents).toEqual([{ data: expect.objectContaining({ escalationId: raised.id, outcome: after.outcome, resolvedAt: clock.now().toISOString() }) }]);
    expect(resolvedEvents[0].data).not.toHaveProperty('resolvedBy');
    expect(await pendingRenotices(ticketId)).toBe(0);
    await quietIntervals(ticketId, 1);
  });

  it('breached and overdue, then answered late (sla.clock_cancelled responded_after_breach): re-notices stop, the escalations stay open for the team leader', async () => {
    const ticketId = await ticket();
    const clockId = randomUUID();
    await publish(SlaWarningV1, ticketId, { ...clockBase(clockId), remainingMs: 72 * MINUTE, threshold: 0.9, ...lateness });
    await publish(SlaBreachedV1, ticketId, { ...clockBase(clockId), breachedAt: clock.now().toISOString(), ...lateness });
    await publish(SlaOverdueV1, ticketId, { ...clockBase(clockId), overdueMs: 0, ...lateness });
    expect((await escalationsOf(ticketId)).map((e) => e.rule).sort()).toEqual(['sla-about-to-breach', 'sla-breach', 'sla-overdue']);
    // The warning was superseded by the breach: the breach and the overdue escalations call.
    await oneInterval(ticketId, 2);

    await publish(SlaClockCancelledV1, ticketId, { ...clockBase(clockId), cancelledAt: clock.now().toISOString(), reason: 'responded_after_breach', respondedAt: clock.now().toISOString() });
    expect((await escalationsOf(ticketId)).map((e) => [e.rule, e.status, e.clock_stopped_at])).toEqual([
      ['sla-about-to-breach', 'resolved', clock.now()],
      ['sla-breach', 'open', clock.now()],
      ['sla-overdue', 'open', clock.now()],
    ]);
    expect(await pendingRenotices(ticketId)).toBe(0);
    await quietIntervals(ticketId, 2);
    // Still there to be taken up: the team leader looks at a breach.
    expect((await escalationsOf(ticketId)).filter((e) => e.rule !== 'sla-about-to-breach').every((e) => e.status === 'open')).toBe(true);
  });

  it('another clock of the same ticket stopping leaves this clock’s escalations calling', async () => {
    const ticketId = await ticket();
    const [breachedClock, otherClock] = [randomUUID(), randomUUID()];
    await publish(SlaBreachedV1, ticketId, { ...clockBase(breachedClock), breachedAt: clock.now().toISOString(), ...lateness });
    await publish(SlaMetV1, ticketId, { ...clockBase(otherClock), respondedAt: clock.now().toISOString() });
    await oneInterval(ticketId, 1);
    expect(await escalationsOf(ticketId)).toEqual([expect.objectContaining({ rule: 'sla-breach', status: 'open', clock_stopped_at: null })]);
    expect(await pendingRenotices(ticketId)).toBe(1);
  });
  const renoticesOf = async (escalationId: string) =>
    (await sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM escalation.outbox WHERE event_type = 'escalation.renotified' AND event->'data'->>'escalationId' = $1`, [escalationId]))[0].n;
  const resolvedEventsOf = (escalationId: string) =>
    sut.query<{ data: Record<string, unknown> }>(`SELECT event->'data' AS data FROM escalation.outbox WHERE event_type = 'escalation.resolved' AND event->'data'->>'escalationId' = $1`, [escalationId]);

  it('a breach supersedes the clock’s about-to-breach escalation: resolved automatically, its re-notices stop; the breach escalation calls on', async () => {
    const ticketId = await ticket();
    const clockId = randomUUID();
    await publish(SlaWarningV1, ticketId, { ...clockBase(clockId), remainingMs: 72 * MINUTE, threshold: 0.9, ...lateness });
    const [warning] = await escalationsOf(ticketId);
    expect(warning).toMatchObject({ rule: 'sla-about-to-breach', status: 'open' });
    await oneInterval(ticketId, 1);

    await publish(SlaBreachedV1, ticketId, { ...clockBase(clockId), breachedAt: clock.now().toISOString(), ...lateness });
    const after = await escalationsOf(ticketId);
    expect(after.map((e) => [e.rule, e.status])).toEqual([
      ['sla-about-to-breach', 'resolved'],
      ['sla-breach', 'open'],
    ]);
    const superseded = after[0];
    expect(superseded).toMatchObject({ resolved_by: null, clock_stopped_at: null });
    expect(superseded.outcome).toMatch(/breach/i);
    expect(await resolvedEventsOf(warning.id)).toEqual([{ data: expect.objectContaining({ escalationId: warning.id, outcome: superseded.outcome, resolvedAt: clock.now().toISOString() }) }]);
    expect(await pendingRenotices(ticketId)).toBe(1);
    // Only the breach escalation re-notifies from now on.
    await oneInterval(ticketId, 2);
    await oneInterval(ticketId, 3);
    expect(await renoticesOf(warning.id)).toBe(1);
    expect(await renoticesOf(after[1].id)).toBe(2);
  });

  it('an acknowledged about-to-breach escalation is superseded by the breach too', async () => {
    const ticketId = await ticket();
    const clockId = randomUUID();
    await publish(SlaWarningV1, ticketId, { ...clockBase(clockId), remainingMs: 72 * MINUTE, threshold: 0.9, ...lateness });
    const [warning] = await escalationsOf(ticketId);
    const lead = sut.token({ kind: 'staff', sub: 'lead-1', roles: ['team_lead'], scope: 'escalations:read escalations:manage' });
    expect((await sut.http().post(`/v1/escalations/${warning.id}/acknowledge`).auth(lead, { type: 'bearer' })).status).toBe(200);
    await publish(SlaBreachedV1, ticketId, { ...clockBase(clockId), breachedAt: clock.now().toISOString(), ...lateness });
    expect((await escalationsOf(ticketId)).map((e) => [e.rule, e.status])).toEqual([
      ['sla-about-to-breach', 'resolved'],
      ['sla-breach', 'open'],
    ]);
  });
  it('upgrade: an about-to-breach escalation still calling beside its clock’s breach escalation (raised by an older release) is superseded at its next re-notice', async () => {
    const ticketId = await ticket();
    const clockId = randomUUID();
    await publish(SlaWarningV1, ticketId, { ...clockBase(clockId), remainingMs: 72 * MINUTE, threshold: 0.9, ...lateness });
    const [warning] = await escalationsOf(ticketId);
    // The breach escalation as an older release raised it: beside the warning, which it left calling.
    const raise = { outbox: sut.host.outbox, timers: new TimerStore({ schema: 'escalation', clock }), logger: pino({ level: 'silent' }), renotifyAfterMs: MINUTE };
    await sut.host.unitOfWork.run((tx) => raiseNow(tx, raise, { type: 'sla.breached', eventId: randomUUID(), ticketId, partnerId, level: 'standard', clockId }, clock.now()));
    expect((await escalationsOf(ticketId)).map((e) => [e.rule, e.status])).toEqual([
      ['sla-about-to-breach', 'open'],
      ['sla-breach', 'open'],
    ]);
    await oneInterval(ticketId, 1);
    expect(await renoticesOf(warning.id)).toBe(0);
    expect((await escalationsOf(ticketId)).map((e) => [e.rule, e.status])).toEqual([
      ['sla-about-to-breach', 'resolved'],
      ['sla-breach', 'open'],
    ]);
    expect(await resolvedEventsOf(warning.id)).toEqual([{ data: expect.objectContaining({ escalationId: warning.id, outcome: expect.stringMatching(/breach/i) }) }]);
  });
});
