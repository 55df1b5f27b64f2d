import type { ServiceUrls } from '@tss/gateway';
import { InProcessTransport } from '@tss/messaging';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { ratingService } from '@tss/rating';
import { expectEncodedFormsArePages, expectOddMethodsArePages } from '../support/page-refusals';
import { ServiceInstances, startForwardingGateway } from '../support/service-instances';

/**
 * Services mode as `npm run start:services` runs it: the gateway with its edge and forwarding (the
 * support site is its own; `/rate` goes to rating), rating behind it. docs/rating.md and
 * docs/support-site.md: every refusal under `/rate` and `/support` is a plain page here too, the
 * ones the gateway makes before it forwards included.
 */
describe('services mode: the requester’s pages refuse with pages, at the gateway as behind it', () => {
  let db: TestDatabase;
  let services: ServiceInstances;
  let gatewayUrl: string;

  beforeAll(async () => {
    db = await createTestDatabase('page_refusals_services');
    services = new ServiceInstances(db.url);
    const urls = {} as Record<keyof ServiceUrls, string>;
    gatewayUrl = (await startForwardingGateway(services, urls)).url;
    const ratingUrl = await services.listen(await services.start(ratingService, { transport: new InProcessTransport() }));
    // Only rating is asked here (`/rate`); the rest are never reached.
    Object.assign(urls, { 'ticket-intake': ratingUrl, 'sla-timer': ratingUrl, escalation: ratingUrl, notification: ratingUrl, rating: ratingUrl });
  }, 120_000);

  afterAll(async () => {
    await services?.stopAll();
    await db?.drop();
  });

  // An outside test: `Content-Encoding: gzip` on the reply or rating form was the gateway's 415
  // problem+json (docs/adr/0045, addendum of 2026-12-05, third session).
  it('a form in a content coding is the 415 page with Accept-Encoding: identity, in the reader’s language', async () => {
    await expectEncodedFormsArePages(gatewayUrl, [{ path: '/support/t/abc/reply' }, { path: '/rate/abc' }]);
  });

  // An outside test: `QUERY /rate/abc` was a 400 problem+json (`bad-request`), PROPFIND, TRACE and
  // CONNECT there a 404 problem+json, where PUT, forwarded to rating, gets its 404 page.
  it('a method no page takes is the 404 page PUT gets, QUERY, PROPFIND, TRACE and CONNECT too', async () => {
    await expectOddMethodsArePages(gatewayUrl, ['/rate/abc', '/support/t/abc', '/support/t/abc/reply', '/support/new']);
  });
});
