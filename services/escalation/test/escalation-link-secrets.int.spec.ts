import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { escalationService } from '../src';

// docs/adr/0040 (addenda of 2026-12-04, fifth session): the requester's rating and support-site
// links are bearer secrets; staff read escalations, which quote the requester's words.
describe('escalation views withhold link credentials the requester wrote', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  const TOKEN = 'rt_Secret-Token_0123456789abcdef';
  const SITE = 'v1.eph-abc.def.ghi';
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    sut = await startServiceUnderTest(escalationService, { clock });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  it('GET /v1/escalations and /v1/escalations/{id} show `[withheld]` in place of the tokens; the row keeps what was written', async () => {
    const id = randomUUID();
    const quote = `Not solved. The link https://support.example/rate/${TOKEN} and https://support.example/support/t/${SITE} do not work.`;
    await sut.query(
      `INSERT INTO escalation.escalations (id, ticket_id, partner_id, kind, level, rule, cause_key, cause_event_id, cause_type, target_role, target_staff_ids, quote, summary, status, raised_at, last_notified_at)
       VALUES ($1::uuid, $2, $3, 'low_rating', 1, 'low-rating', $1::text, $4, 'rating.submitted', 'team_leader', '{}', $5, $6, 'open', now(), now())`,
      [id, randomUUID(), randomUUID(), randomUUID(), quote, `TSS-0000: ${quote}`],
    );
    const lead = sut.token({ kind: 'staff', sub: 'lead-1', roles: ['team_lead'], scope: 'escalations:read escalations:manage' });
    const one = await sut.http().get(`/v1/escalations/${id}`).auth(lead, { type: 'bearer' });
    expect(one.status).toBe(200);
    expect(one.body.quote).toBe('Not solved. The link https://support.example/rate/[withheld] and https://support.example/support/t/[withheld] do not work.');
    expect(one.body.summary).toBe(`TSS-0000: ${one.body.quote}`);
    const list = await sut.http().get('/v1/escalations').auth(lead, { type: 'bearer' });
    expect(JSON.stringify(list.body)).not.toContain(TOKEN);
    expect(JSON.stringify(list.body)).not.toContain(SITE);
    expect((await sut.query(`SELECT quote FROM escalation.escalations WHERE id = $1`, [id]))[0].quote).toBe(quote);
  });
});
