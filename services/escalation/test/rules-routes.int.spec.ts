import { escalationService } from '../src';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { TestClock } from '@tss/service-kit/testing';

// PUT /v1/escalation/rules over HTTP, escalation alone on real PostgreSQL.
describe('escalation rules over HTTP', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  let sut: ServiceUnderTest;
  let lead: string;

  beforeAll(async () => {
    sut = await startServiceUnderTest(escalationService, { clock });
    lead = sut.token({ kind: 'staff', sub: 'lead-1', roles: ['team_lead'], scope: 'escalations:read escalations:manage' });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const rules = () => sut.http().get('/v1/escalation/rules').auth(lead, { type: 'bearer' });
  const put = (body: unknown) => sut.http().put('/v1/escalation/rules').auth(lead, { type: 'bearer' }).send(body as object);

  it.each([
    ['commentPhrases', { id: 'asks', on: 'rating.submitted', kind: 'team_leader', target: 'team_leader', when: { commentPhrases: [] } }],
    ['levels', { id: 'breach', on: 'sla.breached', kind: 'sla_breach', target: 'team_leader', when: { levels: [] } }],
  ])('a rule whose %s list is empty can never fire: a 400 naming the field, and the rules in force stay', async (field, rule) => {
    const before = await rules();
    expect(before.status).toBe(200);
    const response = await put({ rules: [{ id: 'fine', on: 'sla.breached', kind: 'sla_breach', target: 'team_leader' }, rule] });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body.errors).toEqual([expect.objectContaining({ in: 'body', pointer: `/rules/1/when/${field}`, message: expect.stringContaining('fewer than 1') })]);
    const after = await rules();
    expect(after.body).toEqual(before.body);
    expect(after.headers.etag).toBe(before.headers.etag);
  });

  it('one phrase or one level is a rule in force (a new version)', async () => {
    const before = await rules();
    const response = await put({
      rules: [
        { id: 'asks', on: 'rating.submitted', kind: 'team_leader', target: 'team_leader', when: { commentPhrases: ['supervisor'] } },
        { id: 'breach', on: 'sla.breached', kind: 'sla_breach', target: 'team_leader', when: { levels: ['emergency'] } },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body.version).toBe(before.body.version + 1);
  });
});
