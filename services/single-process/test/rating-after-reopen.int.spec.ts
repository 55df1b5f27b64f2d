import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { waitFor } from '@tss/service-kit/testing';
import { ratingHelpers } from './rating-support';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

// Outside re-test of 2026-12-05: a rating sent just after a reopening found rating's survey still
// open (rating had not yet read `ticket.reopened`) and was taken: 201, a low-rating escalation, and
// a survey the reopening should have withdrawn marked rated. docs/rating.md: 409 "not resolved
// (reopened since its last resolution)". The gateway asks intake first (docs/adr/0068 addendum).
describe('a ticket reopened a moment ago: its rating is the 409 "not resolved", even while rating has not heard of the reopening', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let h: ReturnType<typeof ratingHelpers>;

  beforeAll(async () => {
    platform = await startTestPlatform('rating_after_reopen');
    client = platform.client;
    h = ratingHelpers(platform);
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('resolved, surveyed, reopened while rating’s consumer is held: 409, nothing recorded; a resolved ticket is still rated', async () => {
    const admin = await platform.adminToken();
    const acme = await client.partner(admin, 'Acme Reopen Lag');
    const agent = await client.staff(admin, ['agent'], 'Lena Agent');
    const reopened = await h.file(acme.token, sampleTicket());
    const kept = await h.file(acme.token, sampleTicket());
    for (const ticket of [reopened, kept]) await h.resolve(agent.token, ticket.id);
    for (const ticket of [reopened, kept]) {
      await waitFor(`rating has ${ticket.reference}'s survey`, async () => {
        const survey = (await client.http().get(`/v1/tickets/${ticket.id}/rating`).auth(acme.token, { type: 'bearer' })).body.survey as { state: string } | undefined;
        return survey?.state === 'open';
      });
    }
    await platform.running.platform.host('rating').consumer.stop();
    const reopen = await client.http().post(`/v1/tickets/${reopened.id}/reopen`).auth(acme.token, { type: 'bearer' }).send({ reason: 'Still broken' });
    expect(reopen.status).toBe(200);

    const refused = await client.http().post(`/v1/tickets/${reopened.id}/rating`).auth(acme.token, { type: 'bearer' }).send({ score: 1, solved: false });
    expect({ status: refused.status, type: refused.body.type }).toEqual({ status: 409, type: 'https://tss.dev/problems/conflict' });
    expect(refused.body.detail).toMatch(/not resolved/);
    expect(await h.ratingEvents(reopened.id, 'rating.submitted')).toEqual([]);

    const rated = await client.http().post(`/v1/tickets/${kept.reference}/rating`).auth(acme.token, { type: 'bearer' }).send({ score: 5, solved: true });
    expect(rated.status).toBe(201);
  });
});
