import { randomUUID } from 'node:crypto';
import { StaffCreatedV1, TicketCreatedV1, TicketReferralAppliedV1 } from '@tss/contracts';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { escalationService } from '../src';
import { publisherToEscalation, ticketCreatedData } from './support/publish-to-escalation';

const REMOVED = '[access particulars removed]';

/** Every value in escalation's schema as one string: what a dump (or a backup) of it would show. */
const everythingStored = async (sut: ServiceUnderTest): Promise<string> => {
  const tables = await sut.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'escalation' AND table_type = 'BASE TABLE'`);
  const dumps = await Promise.all(tables.map((t) => sut.query<{ dump: string }>(`SELECT coalesce(string_agg(row_to_json(t)::text, E'\\n'), '') AS dump FROM escalation."${t.table_name}" t`)));
  return dumps.map(([row]) => row.dump).join('\n');
};

// P9 (docs/adr/0026, addendum of 2026-12-05, fourth session): an outside privacy test found the
// texts staff write in escalation kept and published as written: a referral's reason (its row,
// escalation's outbox, the event log, intake's history, the department's notice, webhooks), and
// the outcomes. Escalation has no vault: it removes the particulars before anything is stored or
// published, and the answer tells the author where particulars go instead.
describe('P9: texts staff write in escalation keep no access particulars', () => {
  const clock = new TestClock('2026-12-05T09:00:00.000Z');
  let sut: ServiceUnderTest;
  const partnerId = randomUUID();
  const agentId = `agent-${randomUUID()}`;
  const qualityId = `quality-${randomUUID()}`;

  beforeAll(async () => {
    sut = await startServiceUnderTest(escalationService, { clock });
    const member = (staffId: string, roles: ('agent' | 'quality' | 'developer')[]) => ({ staffId, roles, displayName: staffId, email: `${staffId}@support.example`, active: true, changedAt: clock.now().toISOString() });
    await publish(StaffCreatedV1, agentId, member(agentId, ['agent']));
    await publish(StaffCreatedV1, qualityId, member(qualityId, ['quality']));
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const publish = publisherToEscalation(() => sut, clock);
  const agentToken = () => sut.token({ kind: 'staff', sub: agentId, roles: ['agent'], scope: 'tickets:read tickets:write escalations:read' });
  const qualityToken = () => sut.token({ kind: 'staff', sub: qualityId, roles: ['quality'], scope: 'tickets:read escalations:read' });
  const newTicket = async () => {
    const ticketId = randomUUID();
    await publish(TicketCreatedV1, ticketId, ticketCreatedData(partnerId, clock, { reference: `TSS-${ticketId.slice(0, 5).toUpperCase()}-00000` }));
    return ticketId;
  };
  const eventsOf = (type: string, field: string, id: string) =>
    sut.query<{ data: Record<string, unknown> }>(`SELECT event->'data' AS data FROM escalation.outbox WHERE event_type = $1 AND event->'data'->>${field} = $2`, [type, id]);

  it('P9: a referral’s reason: the 202, the row, escalation.referral_requested and the department’s notice hold it masked; the answer tells the author', async () => {
    const SECRET = 'SECRETMARK-63-Referral#';
    const ticketId = await newTicket();
    const created = await sut.http().post(`/v1/tickets/${ticketId}/referrals`).auth(agentToken(), { type: 'bearer' }).send({ target: 'development', reason: `Needs a fix; admin password: ${SECRET}` });

    expect(created.status).toBe(202);
    expect(created.body.reason).toBe(`Needs a fix; admin ${REMOVED}`);
    expect(created.body.notes).toEqual([expect.stringContaining(`POST /v1/tickets/${ticketId}/credentials`)]);
    expect(JSON.stringify(created.body)).not.toContain(SECRET);
    const referralId = created.body.id as string;
    const [row] = await sut.query<{ reason: string }>(`SELECT reason FROM escalation.referrals WHERE id = $1`, [referralId]);
    expect(row.reason).toBe(`Needs a fix; admin ${REMOVED}`);
    expect(await eventsOf('escalation.referral_requested', "'referralId'", referralId)).toEqual([{ data: expect.objectContaining({ reason: `Needs a fix; admin ${REMOVED}` }) }]);
    const read = await sut.http().get(`/v1/tickets/${ticketId}/referrals/${referralId}`).auth(agentToken(), { type: 'bearer' });
    expect(read.body.reason).toBe(`Needs a fix; admin ${REMOVED}`);
    expect(read.body).not.toHaveProperty('notes');

    // Applied by intake: the department's notice quotes the masked reason.
    await publish(TicketReferralAppliedV1, ticketId, { partnerId, sequence: 2, referralId, target: 'development', appliedAt: clock.now().toISOString() });
    expect(await eventsOf('escalation.raised', "'escalationId'", referralId)).toEqual([
      {
        data: expect.objectContaining({
          summary: `Referred to development: Needs a fix; admin ${REMOVED}`,
          // What notification words in each reader's language (docs/adr/0042, addendum of 2026-12-05, fifth session): the reason masked alike.
          summaryFacts: { on: 'ticket.referral_applied', referredTo: 'development', reason: `Needs a fix; admin ${REMOVED}` },
        }),
      },
    ]);
    expect(await everythingStored(sut)).not.toContain(SECRET);
  });

  it('P9: a reason without particulars is kept as written, and the answer has no notes', async () => {
    const ticketId = await newTicket();
    const reason = 'The password reset page fails for every user: needs a code fix.';
    const created = await sut.http().post(`/v1/tickets/${ticketId}/referrals`).auth(agentToken(), { type: 'bearer' }).send({ target: 'development', reason });
    expect(created.status).toBe(202);
    expect(created.body.reason).toBe(reason);
    expect(created.body).not.toHaveProperty('notes');
  });

  it('P9: a quality referral’s outcome: the 200, the row and escalation.resolved hold it masked; the answer tells the author', async () => {
    const SECRET = 'SECRETMARK-65-Outcome#';
    const ticketId = await newTicket();
    const created = await sut.http().post(`/v1/tickets/${ticketId}/referrals`).auth(agentToken(), { type: 'bearer' }).send({ target: 'quality', reason: 'Review the first answer.' });
    const referralId = created.body.id as string;
    await publish(TicketReferralAppliedV1, ticketId, { partnerId, sequence: 2, referralId, target: 'quality', appliedAt: clock.now().toISOString() });

    const recorded = await sut
      .http()
      .post(`/v1/tickets/${ticketId}/referrals/${referralId}/outcome`)
      .auth(qualityToken(), { type: 'bearer' })
      .send({ outcome: `Checked with login: qa-check password: ${SECRET}` });
    expect(recorded.status).toBe(200);
    expect(recorded.body.outcome).toMatchObject({ text: `Checked with ${REMOVED}` });
    expect(recorded.body.notes).toEqual([expect.stringContaining(`POST /v1/tickets/${ticketId}/credentials`)]);
    const [row] = await sut.query<{ outcome: unknown }>(`SELECT to_jsonb(r) AS outcome FROM escalation.referrals r WHERE id = $1`, [referralId]);
    expect(JSON.stringify(row.outcome)).toContain(`Checked with ${REMOVED}`);
    expect(await eventsOf('escalation.resolved', "'escalationId'", referralId)).toEqual([{ data: expect.objectContaining({ outcome: `Checked with ${REMOVED}` }) }]);
    expect(await everythingStored(sut)).not.toContain(SECRET);
  });

  const leadToken = () => sut.token({ kind: 'staff', sub: agentId, roles: ['team_lead'], scope: 'escalations:read escalations:manage' });

  it('P9: an escalation’s outcome: the 200, the row, GET and escalation.resolved hold it masked; the answer tells the author', async () => {
    const SECRET = 'SECRETMARK-64-EscOutcome#';
    const ticketId = randomUUID();
    await publish(TicketCreatedV1, ticketId, ticketCreatedData(partnerId, clock, { level: 'emergency', reference: `TSS-${ticketId.slice(0, 5).toUpperCase()}-00001` }));
    const [raised] = await sut.query<{ id: string }>(`SELECT id::text AS id FROM escalation.escalations WHERE ticket_id = $1`, [ticketId]);

    const resolved = await sut.http().post(`/v1/escalations/${raised.id}/resolve`).auth(leadToken(), { type: 'bearer' }).send({ outcome: `Handled, password: ${SECRET}` });
    expect(resolved.status).toBe(200);
    expect(resolved.body.outcome).toBe(`Handled, ${REMOVED}`);
    expect(resolved.body.notes).toEqual([expect.stringContaining(`POST /v1/tickets/${ticketId}/credentials`)]);
    const [row] = await sut.query<{ outcome: string }>(`SELECT outcome FROM escalation.escalations WHERE id = $1`, [raised.id]);
    expect(row.outcome).toBe(`Handled, ${REMOVED}`);
    const read = await sut.http().get(`/v1/escalations/${raised.id}`).auth(leadToken(), { type: 'bearer' });
    expect(read.body.outcome).toBe(`Handled, ${REMOVED}`);
    expect(read.body).not.toHaveProperty('notes');
    expect(await eventsOf('escalation.resolved', "'escalationId'", raised.id)).toEqual([{ data: expect.objectContaining({ outcome: `Handled, ${REMOVED}` }) }]);
    expect(await everythingStored(sut)).not.toContain(SECRET);
  });

  it('P9: a roster override’s note is kept masked; the answer tells the author', async () => {
    const SECRET = 'SECRETMARK-66-Roster#';
    const override = { staffId: agentId, role: 'agent', from: '2026-12-31T06:00:00Z', to: '2027-01-02T06:00:00Z', duty: 'on' };
    const put = await sut
      .http()
      .put('/v1/escalation/roster')
      .auth(leadToken(), { type: 'bearer' })
      .send({ shifts: [], overrides: [{ ...override, note: `covers; VPN password: ${SECRET}` }, { ...override, note: 'holiday cover' }] });
    expect(put.status).toBe(200);
    expect(put.body.overrides.map((o: { note?: string }) => o.note)).toEqual([`covers; VPN ${REMOVED}`, 'holiday cover']);
    expect(put.body.notes).toEqual([expect.stringContaining('POST /v1/tickets/{id}/credentials')]);
    const read = await sut.http().get('/v1/escalation/roster').auth(leadToken(), { type: 'bearer' });
    expect(read.body.overrides[0].note).toBe(`covers; VPN ${REMOVED}`);
    expect(read.body).not.toHaveProperty('notes');
    expect(await everythingStored(sut)).not.toContain(SECRET);
  });

  it('P9: a rule’s comment phrase (or id) holding access particulars is refused, naming it and never repeating it; the rules in force stay', async () => {
    const SECRET = 'SECRETMARK-67-Phrase#';
    const before = await sut.http().get('/v1/escalation/rules').auth(leadToken(), { type: 'bearer' });
    const refused = await sut
      .http()
      .put('/v1/escalation/rules')
      .auth(leadToken(), { type: 'bearer' })
      .send({
        rules: [
          { id: 'asks', on: 'rating.submitted', kind: 'team_leader', target: 'team_leader', when: { commentPhrases: ['supervisor', `password: ${SECRET}`] } },
          { id: `password:${SECRET.replace(/[^A-Za-z0-9-]/g, '')}`, on: 'rating.submitted', kind: 'low_rating', target: 'team_leader', when: { maxScore: 1 } },
        ],
      });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      expect.objectContaining({ in: 'body', pointer: '/rules/0/when/commentPhrases/1' }),
      expect.objectContaining({ in: 'body', pointer: '/rules/1/id' }),
    ]);
    expect(JSON.stringify(refused.body)).not.toContain(SECRET.replace(/[^A-Za-z0-9-]/g, ''));
    expect(JSON.stringify(refused.body)).not.toContain(SECRET);
    const after = await sut.http().get('/v1/escalation/rules').auth(leadToken(), { type: 'bearer' });
    expect(after.body).toEqual(before.body);
    expect(await everythingStored(sut)).not.toContain(SECRET);
  });
});
