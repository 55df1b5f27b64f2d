import { randomBytes, randomUUID } from 'node:crypto';
import { defaultEdgeConfig, forwardToServices, gatewayService, gatewayTokenAuthority, installEdgeProtection, type ServiceUrls } from '@tss/gateway';
import { generateReference, TicketCreatedV1, TicketResolvedV1 } from '@tss/contracts';
import { InProcessTransport, Outbox } from '@tss/messaging';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { ratingService } from '@tss/rating';
import type { ServiceInstance } from '@tss/runtime';
import { contentSecurityPolicy } from '@tss/web-pages';
import { systemClock } from '@tss/service-kit';
import { waitFor } from '@tss/service-kit/testing';
import { describeViolations, startBrowser, type BrowserHarness } from './support/browser';
import { ServiceInstances } from './support/service-instances';

/**
 * Services mode as deployed (issue #13): the browser opens the rate link at the gateway, which
 * forwards `/rate` to the rating service without a token (the link is the credential). The page
 * keeps rating's strict CSP through the gateway's own security headers, and its stylesheet and
 * form post travel the same way.
 */
describe('services mode: the rate page through the gateway, in a browser', () => {
  let db: TestDatabase;
  let services: ServiceInstances;
  let browser: BrowserHarness;
  let rating: ServiceInstance;
  let gatewayUrl: string;

  beforeAll(async () => {
    browser = await startBrowser('rate-page-services-mode');
    db = await createTestDatabase('rate_page_services_mode');
    services = new ServiceInstances(db.url);
    const urls: Partial<Record<keyof ServiceUrls, string>> = {};
    const gateway = await services.start(gatewayService, {
      transport: new InProcessTransport(),
      keySource: (host) => gatewayTokenAuthority(host.dataSource, systemClock),
      beforeRoutes: (app) => installEdgeProtection(app, defaultEdgeConfig()),
      extendApp: async (app) => {
        await app.register(forwardToServices(urls as ServiceUrls, { timeoutMs: 5_000 }));
      },
    });
    gatewayUrl = await services.listen(gateway);
    rating = await services.start(ratingService, { transport: new InProcessTransport() });
    urls.rating = await services.listen(rating);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await services?.stopAll();
    await db?.drop();
  });

  /** A resolved ticket as intake would announce it to rating, and the rating link rating made for it. */
  const rateLink = async () => {
    const ticketId = randomUUID();
    const partnerId = randomUUID();
    const reference = generateReference(randomBytes);
    const now = systemClock.now();
    const asIntake = new Outbox({ service: 'ticket-intake', schema: 'rating', clock: systemClock });
    await rating.host.unitOfWork.run(async (tx) => {
      await asIntake.add(tx, TicketCreatedV1, ticketId, {
        partnerId,
        sequence: 1,
        reference,
        channel: 'api',
        product: 'player',
        productVersion: '3.1',
        level: 'standard',
        subject: 'Video stalls after ten seconds',
        requester: { email: 'ann@client.example', id: 'cust-ann' },
        missingDetails: [],
        receivedAt: now.toISOString(),
      });
      await asIntake.add(tx, TicketResolvedV1, ticketId, {
        partnerId,
        sequence: 2,
        resolvedAt: now.toISOString(),
        reopenWindowEndsAt: new Date(now.getTime() + 14 * 86_400_000).toISOString(),
      });
    });
    const [event] = await waitFor(`rating.requested of ${ticketId}`, async () => {
      const rows = await rating.host.dataSource.query(`SELECT event->'data' AS data FROM rating.outbox WHERE event_type = 'rating.requested' AND event->>'subject' = $1`, [ticketId]);
      return rows.length > 0 ? (rows as { data: { surveyId: string; rateUrl: string } }[]) : undefined;
    });
    return { reference, surveyId: event.data.surveyId, token: event.data.rateUrl.slice(event.data.rateUrl.lastIndexOf('/') + 1) };
  };

  it('serves the page with its strict CSP and stylesheet, accessible, and takes a rating by keyboard', async () => {
    const { reference, surveyId, token } = await rateLink();
    const page = await browser.newPage();
    const response = await page.goto(`${gatewayUrl}/rate/${token}`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()).toMatchObject({ 'content-security-policy': contentSecurityPolicy(), 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
    expect(await page.locator('.reference').textContent()).toBe(reference);
    // The stylesheet came through the gateway too: the header is the kit's near-black.
    const headerColour = await page.evaluate(() => {
      const g = globalThis as unknown as { document: { querySelector(s: string): unknown }; getComputedStyle(e: unknown): { backgroundColor: string } };
      return g.getComputedStyle(g.document.querySelector('.site-header')).backgroundColor;
    });
    expect(headerColour).toBe('rgb(11, 12, 12)');
    expect(describeViolations(await browser.axe(page))).toEqual([]);
    expect(await browser.tryInlineScript(page)).toMatchObject({ ran: false });
    await browser.screenshot(page, 'rate-form-via-gateway');

    for (let i = 0; i < 2; i += 1) await page.keyboard.press('Tab'); // the skip link, then the first choice
    await page.keyboard.press('ArrowRight'); // 2
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space'); // solved: yes
    for (let i = 0; i < 2; i += 1) await page.keyboard.press('Tab'); // the comment box, then the button
    // Post/Redirect/Get through the gateway: the post's 303, then the thank-you page it leads to.
    const [posted, thanks] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.waitForResponse((r) => r.request().method() === 'GET' && r.url().endsWith('?done=rated')),
      page.waitForEvent('framenavigated'),
      page.keyboard.press('Enter'),
    ]);
    await page.waitForLoadState('load');
    expect([posted.status(), thanks.status()]).toEqual([303, 200]);
    expect(await page.locator('h1').textContent()).toBe('Thank you for your rating');
    await browser.screenshot(page, 'rate-thanks-via-gateway');
    expect(await rating.host.dataSource.query(`SELECT score, solved FROM rating.ratings WHERE survey_id = $1`, [surveyId])).toEqual([{ score: 2, solved: true }]);
  });
});
