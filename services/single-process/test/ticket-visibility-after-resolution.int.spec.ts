import { randomUUID } from 'node:crypto';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { waitFor } from '@tss/service-kit/testing';
import { CsrfTokens } from '@tss/web-pages';
import type { Response } from 'supertest';
import { ratingHelpers } from './rating-support';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const MARKERS = ['tss-ticket-behind', 'tss-unknown-ticket'];

// docs/adr/0068, addendum of 2026-12-05: a ticket an agent resolved a moment ago is rated as soon
// as rating has its survey; until then, a rating is a 503 to retry, never the final 409 "not
// resolved" rating's own projection would answer. Here rating's consumer is held back, so its
// projection lags behind intake's `ticket.resolved` for as long as the test says.
describe('a ticket resolved a moment ago: its rating answers 503 ticket-not-yet-visible until rating has its survey, then 201', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let h: ReturnType<typeof ratingHelpers>;
  let acme: { partnerId: string; token: string };
  let rival: { token: string };
  let agent: { token: string };
  let resolved: { id: string; reference: string };
  let open: { id: string; reference: string };
  const ratingKey = randomUUID();
  const body = { score: 4, solved: true };

  beforeAll(async () => {
    platform = await startTestPlatform('rating_after_resolution');
    client = platform.client;
    h = ratingHelpers(platform);
    const admin = await platform.adminToken();
    acme = await client.partner(admin, 'Acme Resolution Lag');
    rival = await client.partner(admin, 'Rival Resolution Lag');
    agent = await client.staff(admin, ['agent'], 'Lena Agent');
    await client.http().patch(`/v1/partners/${acme.partnerId}`).auth(admin, { type: 'bearer' }).send({ siteEnabled: true }).expect(200);
    const forAnn = () => sampleTicket({ requester: { id: 'cust-ann', email: 'ann@example.com' } });
    resolved = await h.file(acme.token, forAnn());
    open = await h.file(acme.token, forAnn());
    for (const ticket of [resolved, open]) {
      await waitFor(`rating knows ${ticket.reference}`, async () => (await get(`/v1/tickets/${ticket.id}/rating`, acme.token)).status === 200);
    }
    await platform.running.platform.host('rating').consumer.stop();
    await h.resolve(agent.token, resolved.id);
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const get = (path: string, token: string) => client.http().get(path).auth(token, { type: 'bearer' });
  const rate = (ticket: string, token: string, key?: string) => {
    const request = client.http().post(`/v1/tickets/${ticket}/rating`).auth(token, { type: 'bearer' });
    return (key ? request.set('idempotency-key', key) : request).send(body);
  };
  const expectNoMarker = (response: Response) => {
    for (const marker of MARKERS) expect({ marker, value: response.headers[marker] }).toEqual({ marker, value: undefined });
  };
  const expectResolutionNotYetVisible = (response: Response) => {
    expect({ status: response.status, retryAfter: response.headers['retry-after'], type: response.body.type }).toEqual({
      status: 503,
      retryAfter: '1',
      type: 'https://tss.dev/problems/ticket-not-yet-visible',
    });
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body.detail).toMatch(/resolved a moment ago/);
    expectNoMarker(response);
  };

  it('intake shows the ticket resolved; rating has no survey of it yet', async () => {
    expect((await get(`/v1/tickets/${resolved.id}`, acme.token)).body.status).toBe('resolved');
    expect((await get(`/v1/tickets/${resolved.id}/rating`, acme.token)).body.survey).toBeUndefined();
  });

  it('the partner’s rating, with an Idempotency-Key and again with it, and the requester’s, by id and by reference: 503 with Retry-After: 1', async () => {
    expectResolutionNotYetVisible(await rate(resolved.id, acme.token, ratingKey));
    expectResolutionNotYetVisible(await rate(resolved.id, acme.token, ratingKey));
    const ann = await client.requester(acme.token, 'cust-ann');
    expectResolutionNotYetVisible(await rate(resolved.reference, ann));
  });

  it('a ticket intake shows not resolved: rating’s 409 goes out unchanged, without the marker or Retry-After', async () => {
    const response = await rate(open.id, acme.token);
    expect({ status: response.status, type: response.body.type, detail: response.body.detail }).toEqual({
      status: 409,
      type: 'https://tss.dev/problems/conflict',
      detail: 'The ticket has not been resolved: there is no survey to answer yet.',
    });
    expect(response.headers['retry-after']).toBeUndefined();
    expectNoMarker(response);
  });

  it('another partner gets the 404 of a ticket id nobody has', async () => {
    const theirs = await rate(resolved.id, rival.token);
    const nobodys = await rate(randomUUID(), rival.token);
    expect([theirs.status, nobodys.status]).toEqual([404, 404]);
    expect({ ...theirs.body, instance: undefined }).toEqual({ ...nobodys.body, instance: undefined });
    expectNoMarker(theirs);
  });

  it('the support site’s rating form, posted meanwhile, is the "could not confirm" page (503), not "not resolved"', async () => {
    const minted = await client.http().post(`/v1/tickets/${resolved.id}/site-links`).auth(acme.token, { type: 'bearer' });
    expect(minted.status).toBe(201);
    const { linkId, url } = minted.body as { linkId: string; url: string };
    const path = new URL(url).pathname;
    const [row] = await platform.query<{ secret: Buffer }>('gateway', `SELECT secret FROM gateway.site_secrets WHERE name = 'csrf'`);
    const csrf = new CsrfTokens(row.secret).issue({ form: 'rate', binding: `link:${linkId}` }, platform.clock.now());
    const posted = await client.http().post(`${path}/rate`).type('form').send({ _csrf: csrf, score: '4', solved: 'yes' });
    expect(posted.status).toBe(503);
    expect(posted.text).toContain('We could not confirm this');
    expectNoMarker(posted);
  });

  it('once rating has caught up: the rating sent again with its Idempotency-Key is recorded (201, not a replay)', async () => {
    await platform.running.platform.host('rating').consumer.start();
    await waitFor('rating has the survey', async () => (await get(`/v1/tickets/${resolved.id}/rating`, acme.token)).body.survey?.state === 'open');
    const rated = await rate(resolved.id, acme.token, ratingKey);
    expect(rated.status).toBe(201);
    expect(rated.headers['idempotent-replayed']).toBeUndefined();
    expect(rated.body).toMatchObject({ ticketId: resolved.id, score: 4, solved: true, via: 'api' });
  });

  it('the OpenAPI document says why rateTicket may answer 503: a resolution a moment old', async () => {
    type Operation = { responses: Record<string, { description?: string; headers?: Record<string, unknown> }> };
    const document = (await client.http().get('/openapi.json')).body as { paths: Record<string, Record<string, Operation>> };
    const answer503 = document.paths['/v1/tickets/{id}/rating'].post.responses['503'];
    expect(answer503.description).toContain('`ticket-not-yet-visible`');
    expect(answer503.description).toMatch(/resolved a moment ago/);
    expect(answer503.headers?.['Retry-After']).toEqual({ $ref: '#/components/headers/Retry-After' });
  });
});
