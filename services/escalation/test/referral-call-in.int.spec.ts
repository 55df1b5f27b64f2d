import { randomBytes, randomUUID } from 'node:crypto';
import { generateReference, StaffCreatedV1, TicketCreatedV1, TicketReferralAppliedV1, type ReferralTarget, type StaffRole } from '@tss/contracts';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { escalationService } from '../src';
import { publisherToEscalation } from './support/publish-to-escalation';

const MINUTE = 60_000;

// P5, P7 (docs/adr/0039): an applied referral calls the department in: its active staff, by their
// staff role (developer, quality), are the targets notification mails. Escalation alone on PostgreSQL.
describe('an applied referral calls the department’s staff in', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  let sut: ServiceUnderTest;
  const partnerId = randomUUID();
  const staff = {
    dev: `dev-${randomUUID()}`,
    devAndLead: `lead-dev-${randomUUID()}`,
    devGone: `dev-gone-${randomUUID()}`,
    quality: `quality-${randomUUID()}`,
    agent: `agent-${randomUUID()}`,
  };

  beforeAll(async () => {
    sut = await startServiceUnderTest(escalationService, { clock, env: { ESCALATION_RENOTIFY_AFTER_MS: String(MINUTE) } });
    const member = (staffId: string, roles: StaffRole[], active = true) => ({ staffId, roles, displayName: staffId, email: `${staffId}@support.example`, active, changedAt: clock.now().toISOString() });
    await publish(StaffCreatedV1, staff.dev, member(staff.dev, ['developer']));
    await publish(StaffCreatedV1, staff.devAndLead, member(staff.devAndLead, ['team_lead', 'developer']));
    await publish(StaffCreatedV1, staff.devGone, member(staff.devGone, ['developer'], false));
    await publish(StaffCreatedV1, staff.quality, member(staff.quality, ['quality']));
    await publish(StaffCreatedV1, staff.agent, member(staff.agent, ['agent']));
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const publish = publisherToEscalation(() => sut, clock);
  const agentToken = () => sut.token({ kind: 'staff', sub: staff.agent, roles: ['agent'], scope: 'tickets:read tickets:write escalations:read' });
  const raisedFor = (escalationId: string) =>
    sut.query<{ data: Record<string, unknown> }>(`SELECT event->'data' AS data FROM escalation.outbox WHERE event_type = 'escalation.raised' AND event->'data'->>'escalationId' = $1`, [escalationId]);

  /** Files a ticket, refers it and has intake apply the referral; the referral's id. */
  const referAndApply = async (target: ReferralTarget) => {
    const ticketId = randomUUID();
    await publish(TicketCreatedV1, ticketId, {
      partnerId,
      sequence: 1,
      reference: generateReference(randomBytes),
      channel: 'api',
      product: 'reader',
      level: 'standard',
      subject: 'EPUB import fails',
      requester: { id: 'cust-1' },
      missingDetails: [],
      receivedAt: clock.now().toISOString(),
    });
    const created = await sut.http().post(`/v1/tickets/${ticketId}/referrals`).auth(agentToken(), { type: 'bearer' }).send({ target, reason: `To ${target}: the test.` });
    expect(created.status).toBe(202);
    const referralId = created.body.id as string;
    await publish(TicketReferralAppliedV1, ticketId, { partnerId, sequence: 2, referralId, target, appliedAt: clock.now().toISOString() });
    return referralId;
  };

  it('P5: a development referral targets every active developer (a team lead who is one too), not the inactive one', async () => {
    const referralId = await referAndApply('development');
    expect(await raisedFor(referralId)).toEqual([
      { data: expect.objectContaining({ kind: 'development', targetRole: 'developer', targetStaffIds: [staff.devAndLead, staff.dev].sort() }) },
    ]);
  });

  it('P7: a quality referral targets the quality department’s active staff', async () => {
    const referralId = await referAndApply('quality');
    expect(await raisedFor(referralId)).toEqual([{ data: expect.objectContaining({ kind: 'quality', targetRole: 'quality', targetStaffIds: [staff.quality] }) }]);
  });

  it('P6: a design referral calls no one in', async () => {
    expect(await raisedFor(await referAndApply('design'))).toEqual([]);
  });

  it('a referral notice is sent once: no re-notice timer, no escalation record (docs/adr/0039, seventh session)', async () => {
    const referralId = await referAndApply('quality');
    expect(await sut.query(`SELECT id FROM escalation.timers WHERE id LIKE $1`, [`%${referralId}%`])).toEqual([]);
    expect(await sut.query(`SELECT id FROM escalation.escalations WHERE id = $1`, [referralId])).toEqual([]);
  });
});
