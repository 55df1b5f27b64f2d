import { randomBytes, randomUUID } from 'node:crypto';
import {
  generateReference,
  RatingSubmittedV1,
  RatingWithdrawnV1,
  SlaBreachedV1,
  SlaMetV1,
  SlaRetargetedV1,
  SlaWarningV1,
  TicketCreatedV1,
  TicketReferralAppliedV1,
  TicketTeamLeaderRequestedV1,
} from '@tss/contracts';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { escalationService } from '../src';
import { publisherToEscalation, ticketCreatedData } from './support/publish-to-escalation';

const MINUTE = 60_000;

/** What an escalation event says of what it follows: its type, `ticketSequence`, and the cause it names (`causeEventId`, `causeType`). */
type Follows = [type: string, ticketSequence: unknown, causeEventId: unknown, causeType: unknown];

// docs/adr/0066, addendum of 2026-12-05, third session: every escalation event names the ticket
// event it follows (`ticketSequence`), and one a consumed event caused names that event, so
// notification can queue its webhook deliveries after theirs. Escalation alone on real PostgreSQL.
describe('escalation events name the ticket event they follow', () => {
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
  const lead = () => sut.token({ kind: 'staff', sub: 'lead-1', roles: ['team_lead'], scope: 'escalations:read escalations:manage' });
  const fileTicket = async (level: 'standard' | 'emergency' = 'standard') => {
    const ticketId = randomUUID();
    const eventId = await publish(TicketCreatedV1, ticketId, ticketCreatedData(partnerId, clock, { level, reference: generateReference(randomBytes) }));
    return { ticketId, eventId };
  };
  const clockData = (clockId: string, ticketSequence?: number) => ({
    partnerId,
    clockId,
    level: 'standard' as const,
    dueAt: '2026-03-02T21:00:00.000Z',
    ...(ticketSequence === undefined ? {} : { ticketSequence }),
  });
  const lateness = { latenessMs: 0, late: false };
  const escalationOf = async (ticketId: string, rule: string) =>
    (await sut.query<{ id: string }>(`SELECT id FROM escalation.escalations WHERE ticket_id = $1 AND rule = $2`, [ticketId, rule]))[0].id;
  /** The escalation's published events, in the order escalation wrote them. */
  const eventsOf = async (escalationId: string): Promise<Follows[]> =>
    (
      await sut.query<{ type: string; data: Record<string, unknown> }>(
        `SELECT event_type AS type, event->'data' AS data FROM escalation.outbox WHERE event->'data'->>'escalationId' = $1 ORDER BY position`,
        [escalationId],
      )
    ).map(({ type, data }) => [type, data.ticketSequence, data.causeEventId, data.causeType]);

  it('raised by a ticket event: its sequence; by an sla event: the sla event’s ticketSequence; by a cause naming none (an older sla-timer, a rating): none', async () => {
    const { ticketId, eventId: created } = await fileTicket('emergency');
    expect(await eventsOf(await escalationOf(ticketId, 'emergency-page'))).toEqual([['escalation.raised', 1, created, 'ticket.created']]);

    const asked = await publish(TicketTeamLeaderRequestedV1, ticketId, { partnerId, sequence: 3, messageId: randomUUID(), requestedAt: clock.now().toISOString(), quote: 'Team leader, please.' });
    expect(await eventsOf(await escalationOf(ticketId, 'team-leader-requested'))).toEqual([['escalation.raised', 3, asked, 'ticket.team_leader_requested']]);

    const breached = await publish(SlaBreachedV1, ticketId, { ...clockData(randomUUID(), 2), breachedAt: clock.now().toISOString(), ...lateness });
    expect(await eventsOf(await escalationOf(ticketId, 'sla-breach'))).toEqual([['escalation.raised', 2, breached, 'sla.breached']]);

    const older = await fileTicket();
    const olderBreach = await publish(SlaBreachedV1, older.ticketId, { ...clockData(randomUUID()), breachedAt: clock.now().toISOString(), ...lateness });
    expect(await eventsOf(await escalationOf(older.ticketId, 'sla-breach'))).toEqual([['escalation.raised', undefined, olderBreach, 'sla.breached']]);

    const rated = await publish(RatingSubmittedV1, older.ticketId, { partnerId, surveyId: randomUUID(), score: 1, solved: true, submittedAt: clock.now().toISOString() });
    expect(await eventsOf(await escalationOf(older.ticketId, 'low-rating'))).toEqual([['escalation.raised', undefined, rated, 'rating.submitted']]);
  });

  it('raised by a re-target to emergency: the re-target’s ticketSequence', async () => {
    const { ticketId } = await fileTicket();
    const retargeted = await publish(SlaRetargetedV1, ticketId, {
      ...clockData(randomUUID(), 4),
      level: 'emergency',
      previousLevel: 'standard',
      startedAt: clock.now().toISOString(),
      phoneSupport: false,
    });
    expect(await eventsOf(await escalationOf(ticketId, 'emergency-page'))).toEqual([['escalation.raised', 4, retargeted, 'sla.retargeted']]);
  });

  it('re-notified, acknowledged and resolved by a person: the sequence kept when it was raised, and no cause', async () => {
    const { ticketId } = await fileTicket();
    const breached = await publish(SlaBreachedV1, ticketId, { ...clockData(randomUUID(), 2), breachedAt: clock.now().toISOString(), ...lateness });
    const id = await escalationOf(ticketId, 'sla-breach');
    clock.advanceMs(MINUTE);
    await waitFor('a re-notice', async () => (await eventsOf(id)).length === 2);
    expect((await sut.http().post(`/v1/escalations/${id}/acknowledge`).auth(lead(), { type: 'bearer' })).status).toBe(200);
    expect((await sut.http().post(`/v1/escalations/${id}/resolve`).auth(lead(), { type: 'bearer' }).send({ outcome: 'Answered.' })).status).toBe(200);
    expect(await eventsOf(id)).toEqual([
      ['escalation.raised', 2, breached, 'sla.breached'],
      ['escalation.renotified', 2, undefined, undefined],
      ['escalation.acknowledged', 2, undefined, undefined],
      ['escalation.resolved', 2, undefined, undefined],
    ]);
  });

  it('resolved by an event (sla.met, sla.breached, rating.withdrawn): that event as its cause, and the later of its ticket event and the kept one', async () => {
    const met = await fileTicket();
    const metClock = randomUUID();
    const warned = await publish(SlaWarningV1, met.ticketId, { ...clockData(metClock, 1), remainingMs: 72 * MINUTE, threshold: 0.9, ...lateness });
    // Met by the response of sequence 3.
    const metEvent = await publish(SlaMetV1, met.ticketId, { ...clockData(metClock, 3), respondedAt: clock.now().toISOString() });
    expect(await eventsOf(await escalationOf(met.ticketId, 'sla-about-to-breach'))).toEqual([
      ['escalation.raised', 1, warned, 'sla.warning'],
      ['escalation.resolved', 3, metEvent, 'sla.met'],
    ]);

    const superseded = await fileTicket();
    const breachClock = randomUUID();
    const warning = await publish(SlaWarningV1, superseded.ticketId, { ...clockData(breachClock, 1), remainingMs: 72 * MINUTE, threshold: 0.9, ...lateness });
    // Re-targeted by the ticket event of sequence 2 since the warning.
    const breach = await publish(SlaBreachedV1, superseded.ticketId, { ...clockData(breachClock, 2), breachedAt: clock.now().toISOString(), ...lateness });
    expect(await eventsOf(await escalationOf(superseded.ticketId, 'sla-about-to-breach'))).toEqual([
      ['escalation.raised', 1, warning, 'sla.warning'],
      ['escalation.resolved', 2, breach, 'sla.breached'],
    ]);

    const rated = await fileTicket();
    const surveyId = randomUUID();
    const rating = await publish(RatingSubmittedV1, rated.ticketId, { partnerId, surveyId, score: 1, solved: true, submittedAt: clock.now().toISOString() });
    const withdrawn = await publish(RatingWithdrawnV1, rated.ticketId, {
      partnerId,
      surveyId,
      reason: 'reopened_before_rating',
      reopenedAt: clock.now().toISOString(),
      withdrawnAt: clock.now().toISOString(),
      ticketSequence: 5,
    });
    expect(await eventsOf(await escalationOf(rated.ticketId, 'low-rating'))).toEqual([
      ['escalation.raised', undefined, rating, 'rating.submitted'],
      ['escalation.resolved', 5, withdrawn, 'rating.withdrawn'],
    ]);
  });

  it('a referral’s call-in: the ticket.referral_applied’s sequence; its outcome’s resolution: the same', async () => {
    const { ticketId } = await fileTicket();
    const agent = sut.token({ kind: 'staff', sub: 'agent-1', roles: ['agent'], scope: 'tickets:read tickets:write escalations:read' });
    const requested = await sut.http().post(`/v1/tickets/${ticketId}/referrals`).auth(agent, { type: 'bearer' }).send({ target: 'quality', reason: 'Check the first answer.' });
    expect(requested.status).toBe(202);
    const referralId = requested.body.id as string;
    const applied = await publish(TicketReferralAppliedV1, ticketId, { partnerId, sequence: 2, referralId, target: 'quality', appliedAt: clock.now().toISOString() });
    const quality = sut.token({ kind: 'staff', sub: 'quality-1', roles: ['quality'], scope: 'escalations:read escalations:manage' });
    expect((await sut.http().post(`/v1/tickets/${ticketId}/referrals/${referralId}/outcome`).auth(quality, { type: 'bearer' }).send({ outcome: 'Saved reply corrected.' })).status).toBe(200);
    expect(await eventsOf(referralId)).toEqual([
      ['escalation.raised', 2, applied, 'ticket.referral_applied'],
      ['escalation.resolved', 2, undefined, undefined],
    ]);
  });
});
