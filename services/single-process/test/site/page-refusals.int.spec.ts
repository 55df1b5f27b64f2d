import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { expectEncodedFormsArePages, expectOddMethodsArePages, expectPage } from '../support/page-refusals';
import { startTestPlatform, type TestPlatform } from '../support/test-platform';

/**
 * Issue #13, docs/support-site.md and docs/rating.md: every refusal under /support and /rate is an
 * HTML page for a person with the right status, never the API's problem+json, whatever the router,
 * a schema or a body parser thought of the request.
 */
describe('the requester’s pages refuse with pages (issue #13)', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let acme: { partnerId: string; token: string };
  let sitePath: string;
  let rateToken: string;
  /** The platform's address, for requests supertest does not send as named (QUERY, CONNECT) and raw bodies. */
  let baseUrl: string;
  const clock = new TestClock('2026-06-01T09:00:00.000Z');
  const http = () => client.http();

  beforeAll(async () => {
    platform = await startTestPlatform('page_refusals', { clock });
    client = platform.client;
    const admin = await platform.adminToken();
    acme = await client.partner(admin, 'Acme Pages');
    const agent = await client.staff(admin, ['agent'], 'Pat Agent');
    await http().patch(`/v1/partners/${acme.partnerId}`).auth(admin, { type: 'bearer' }).send({ siteEnabled: true }).expect(200);
    const filed = await http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket({ requester: { id: 'cust-ann', email: 'ann@example.com' } }));
    expect(filed.status).toBe(201);
    const minted = await waitFor('a site link', async () => {
      const answer = await http().post(`/v1/tickets/${filed.body.id}/site-links`).auth(acme.token, { type: 'bearer' });
      return answer.status === 503 ? undefined : answer;
    });
    sitePath = new URL(minted.body.url as string).pathname;
    const read = await http().get(`/v1/tickets/${filed.body.id}`).auth(agent.token, { type: 'bearer' });
    await http().patch(`/v1/tickets/${filed.body.id}`).auth(agent.token, { type: 'bearer' }).set('if-match', read.headers.etag as string).send({ status: 'resolved' }).expect(200);
    const requested = await waitFor('the rating link', async () =>
      (
        await platform.query<{ url: string }>('rating', `SELECT event->'data'->>'rateUrl' AS url FROM rating.outbox WHERE event_type = 'rating.requested' AND event->>'subject' = $1`, [
          filed.body.id,
        ])
      )[0],
    );
    rateToken = requested.url.slice(requested.url.lastIndexOf('/') + 1);
    baseUrl = await platform.running.platform.app.listen({ host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('the ticket page: an odd notice in its query is ignored, a malformed link is the 404 page', async () => {
    expectPage(await http().get(`${sitePath}?done=${'x'.repeat(21)}`), 200, 'a long done');
    expectPage(await http().get(`${sitePath}?done=reply&done=reopened`), 200, 'done twice');
    expectPage(await http().get(`${sitePath}?ref=${'R'.repeat(100)}&done=followup`), 200, 'a long ref');
    expectPage(await http().get(`/support/t/${'a'.repeat(5000)}`), 404, 'a token over 4096 characters');
    expectPage(await http().get('/support/t/%ff'), 404, 'a token that is not UTF-8');
    expectPage(await http().get('/support/t/%ff/reply'), 404, 'a token that is not UTF-8, with an action');
  });

  it('the form: a partner named twice, or by a long id, is the 404 page', async () => {
    expectPage(await http().get(`/support/new?partner=${acme.partnerId}&partner=${acme.partnerId}`), 404, 'partner twice');
    expectPage(await http().get(`/support/new?partner=${'a'.repeat(65)}`), 404, 'a long partner id');
    expectPage(await http().post(`/support/new?partner=${'a'.repeat(65)}`).type('form').send({ product: 'reader' }), 404, 'a post to a long partner id');
  });

  it('a form posted as something other than a form is a 415 page', async () => {
    expectPage(await http().post(`${sitePath}/reply`).set('content-type', 'text/plain').send('hello'), 415, 'reply as text/plain');
    expectPage(await http().post(`/support/new?partner=${acme.partnerId}`).set('content-type', 'text/plain').send('hello'), 415, 'new request as text/plain');
    expectPage(await http().post(`/rate/${rateToken}`).set('content-type', 'text/plain').send('hello'), 415, 'rating as text/plain');
    // JSON is no form either (docs/support-site.md, docs/rating.md): never read as an empty form and refused as a forged one (403).
    expectPage(await http().post(`${sitePath}/reply`).set('content-type', 'application/json').send(JSON.stringify({ text: 'hi' })), 415, 'reply as JSON');
    expectPage(await http().post(`/support/new?partner=${acme.partnerId}`).set('content-type', 'application/json').send('{"product":"reader"}'), 415, 'new request as JSON');
    expectPage(await http().post(`/rate/${rateToken}`).set('content-type', 'application/json').send('{"score":5}'), 415, 'rating as JSON');
  });

  // An outside test: `Content-Encoding: gzip` on the reply or rating form was the API's 415
  // problem+json, where a `text/plain` form is the 415 page (docs/adr/0045, addendum of 2026-12-05).
  it('a form in a content coding is the 415 page with Accept-Encoding: identity, in the link’s language or the reader’s', async () => {
    await expectEncodedFormsArePages(baseUrl, [
      { path: `${sitePath}/reply`, linkLanguage: 'en' },
      { path: '/support/t/abc/reply' },
      { path: `/support/new?partner=${acme.partnerId}` },
      { path: `/rate/${rateToken}`, linkLanguage: 'en' },
      { path: '/rate/abc' },
    ]);
  });

  // An outside test: `CONNECT /rate/abc` was a 404 problem+json, `QUERY /rate/abc` the 400 page
  // "could not be read", where PUT gets the 404 page (docs/adr/0045, addendum of 2026-12-05, third session).
  it('a method no page takes is the 404 page PUT gets, QUERY, PROPFIND, TRACE and CONNECT too', async () => {
    await expectOddMethodsArePages(baseUrl, ['/rate/abc', '/support/t/abc', '/support/t/abc/reply', '/support/new']);
  });

  it('the rating page: an address that serves nothing is the 404 page, an over-long link too', async () => {
    expectPage(await http().get(`/rate/${rateToken}/`), 404, 'a trailing slash');
    expectPage(await http().get('/rate/'), 404, '/rate/');
    expectPage(await http().get('/rate'), 404, '/rate');
    expectPage(await http().get(`/rate/${'a'.repeat(3000)}`), 404, 'a 3000-character token');
    expectPage(await http().get('/rate/%ff'), 404, 'a token that is not UTF-8');
    // The page itself still opens.
    expectPage(await http().get(`/rate/${rateToken}`), 200, 'the rating page');
  });

  it('the rating page does not tell to keep its address to yourself as if it opened the request', async () => {
    const page = await http().get(`/rate/${rateToken}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('This page uses no scripts and no tracking.');
    expect(page.text).not.toContain('it opens your request');
  });
});
