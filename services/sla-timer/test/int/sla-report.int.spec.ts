import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { TestClock } from '@tss/service-kit/testing';
import { slaTimerService } from '../../src/index';

// GET /v1/reports/sla (issue #10 "Reports", P5), sla-timer alone on real PostgreSQL.
describe('the SLA report over HTTP', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    sut = await startServiceUnderTest(slaTimerService, { clock });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const quality = () => sut.token({ kind: 'staff', sub: 'quality-1', roles: ['quality'], scope: 'reports:read' });
  const report = (query: string, accept = 'application/json') => sut.http().get(`/v1/reports/sla?${query}`).auth(quality(), { type: 'bearer' }).set('accept', accept);

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
