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

  // An outside test: a roster of 1,000 bad shifts answered a 400 of 307,507 bytes, 2,000 errors and no
  // errorCount. A validation problem the service builds is bounded as a schema's is (docs/adr/0036).
  it('a roster with thousands of faults is a small 400: the first 10 errors, errorCount all of them', async () => {
    const shift = (n: number) => ({ staffId: `stf_nobody_${n}`, role: 'agent', timeZone: 'Mars/Base', weekdays: [1], start: '09:00', end: '17:00' });
    const response = await sut.http().put('/v1/escalation/roster').auth(lead, { type: 'bearer' }).send({ shifts: Array.from({ length: 1_000 }, (_, n) => shift(n)) });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body).toMatchObject({ type: 'https://tss.dev/problems/validation', errorCount: 2_000 });
    expect(response.body.errors).toHaveLength(10);
    expect(response.body.errors[0]).toMatchObject({ in: 'body', pointer: '/shifts/0/timeZone', message: expect.stringContaining('Mars/Base') });
    expect(response.body.detail.length).toBeLessThanOrEqual(501);
    expect(response.text.length).toBeLessThan(10_000);
  });

  it('a rule set of 100 bad rules is a small 400: the first 10 errors, errorCount 100', async () => {
    const response = await put({ rules: Array.from({ length: 100 }, (_, n) => ({ id: `bad-${n}`, on: 'sla.breached', kind: 'race_1', target: 'team_leader' })) });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ type: 'https://tss.dev/problems/validation', errorCount: 100 });
    expect(response.body.errors).toHaveLength(10);
    expect(response.body.errors[0]).toMatchObject({ in: 'body', pointer: '/rules/0/kind', message: expect.stringContaining('race_1') });
    expect(response.body.detail.length).toBeLessThanOrEqual(501);
  });
});
