import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { pngBytes } from '@tss/blob-storage/testing';
import type { PlatformClient } from '@tss/runtime/testing';
import { sampleTicket } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { describeViolations, startBrowser, type BrowserHarness } from './support/browser';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

// Issue #13: the requester's pages in headless Chromium against the whole platform listening on
// 127.0.0.1: used by keyboard and by mouse, axe-core WCAG 2 A/AA with zero violations, no script
// can run, English and Russian. Screenshots: test-results/screenshots/site/.
describe('the requester’s pages in a browser (issue #13)', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let browser: BrowserHarness;
  let base: string;
  let partner: { partnerId: string; token: string };
  let agent: { staffId: string; token: string };
  const clock = new TestClock('2026-06-01T09:00:00.000Z');

  let blobRoot: string;

  beforeAll(async () => {
    blobRoot = await mkdtemp(path.join(tmpdir(), 'tss-site-browser-blobs-'));
    [platform, browser] = await Promise.all([startTestPlatform('site_browser', { clock, env: { ATTACHMENT_DIR: blobRoot } }), startBrowser('site')]);
    const app = platform.running.platform.app;
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    client = platform.client;
    const admin = await platform.adminToken();
    partner = await client.partner(admin, 'Acme Browser');
    agent = await client.staff(admin, ['agent'], 'Bea Agent');
  });

  afterEach(async () => {
    await browser?.closePages();
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
    if (blobRoot) await rm(blobRoot, { recursive: true, force: true });
  });

  /** The id of the focused element, after pressing Tab `times` times. */
  const tab = async (page: Page, times = 1) => {
    for (let i = 0; i < times; i += 1) await page.keyboard.press('Tab');
    return page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id ?? '');
  };
  const expectAccessible = async (page: Page) => expect(describeViolations(await browser.axe(page))).toEqual([]);
  const expectNoScript = async (page: Page) => {
    expect(await page.locator('script').count()).toBe(0);
    const attempt = await browser.tryInlineScript(page);
    expect(attempt).toMatchObject({ ran: false, violations: expect.arrayContaining(['script-src-elem']) });
  };
  /**
   * Submits a form by `act` (a key press, a click) and waits for the page it leads to (after a 303,
   * the page redirected to), returning that page's status.
   */
  const submit = async (page: Page, act: () => Promise<void>) => {
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().isNavigationRequest() && (r.status() < 300 || r.status() >= 400)),
      page.waitForEvent('framenavigated'),
      act(),
    ]);
    await page.waitForLoadState('load');
    return response.status();
  };
  /** Whether the focused element shows where the focus is (WCAG 2.4.7: axe cannot tell): a 2 px outline or a ring. */
  const focusRing = (page: Page) =>
    page.evaluate(() => {
      const g = globalThis as unknown as {
        document: { activeElement: unknown };
        getComputedStyle(element: unknown): { outlineStyle: string; outlineWidth: string; boxShadow: string };
      };
      const style = g.getComputedStyle(g.document.activeElement);
      return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== 'none';
    });
  /** The focused element's id (or tag name when it has none). */
  const focused = (page: Page) =>
    page.evaluate(() => {
      const active = (globalThis as unknown as { document: { activeElement: { id: string; tagName: string } | null } }).document.activeElement;
      return active?.id || active?.tagName || '';
    });
  /** Presses Tab until `target` (an id, or BUTTON) has the focus: it must be reachable by keyboard, within `max` presses. */
  const tabTo = async (page: Page, target: string, max = 25) => {
    for (let i = 0; i < max; i += 1) {
      await page.keyboard.press('Tab');
      if ((await focused(page)) === target) return;
    }
    throw new Error(`${target} not reached by ${max} presses of Tab`);
  };
  const http = () => client.http();
  const file = async (token: string, body: Record<string, unknown> = sampleTicket()) => {
    const response = await http().post('/v1/tickets').auth(token, { type: 'bearer' }).send(body);
    expect(response.status).toBe(201);
    return response.body as { id: string; reference: string };
  };
  /** An agent resolves the ticket (PATCH with the ETag it read): rating makes a survey (P11). */
  const resolve = async (ticketId: string) => {
    const read = await http().get(`/v1/tickets/${ticketId}`).auth(agent.token, { type: 'bearer' });
    await http().patch(`/v1/tickets/${ticketId}`).auth(agent.token, { type: 'bearer' }).set('if-match', read.headers.etag as string).send({ status: 'resolved' }).expect(200);
  };
  /** The ticket's rating link, from rating's `rating.requested` (the resolved mail carries the same URL). */
  const rateLinkOf = async (ticketId: string) => {
    const event = await waitFor(`rating.requested of ${ticketId}`, async () =>
      (
        await platform.query<{ data: { surveyId: string; rateUrl: string } }>(
          'rating',
          `SELECT event->'data' AS data FROM rating.outbox WHERE event_type = 'rating.requested' AND event->>'subject' = $1`,
          [ticketId],
        )
      )[0],
    );
    const { surveyId, rateUrl } = event.data;
    return { surveyId, token: rateUrl.slice(rateUrl.lastIndexOf('/') + 1) };
  };
  const resolvedTicket = async (overrides: Record<string, unknown> = {}) => {
    const ticket = await file(partner.token, sampleTicket(overrides));
    await resolve(ticket.id);
    return { ticket, link: await rateLinkOf(ticket.id) };
  };

  describe('the rate page, /rate/{token}', () => {
    it('is rated by keyboard alone: Tab to a choice, Space, Tab on, Enter; the thank-you page follows', async () => {
      const { ticket, link } = await resolvedTicket();
      const page = await browser.newPage();
      const response = await page.goto(`${base}/rate/${link.token}`);
      expect(response?.status()).toBe(200);
      expect(await page.locator('h1').textContent()).toBe('Rate the support you received');
      expect(await page.locator('.reference').textContent()).toBe(ticket.reference);
      await expectAccessible(page);
      await browser.screenshot(page, 'rate-form-en');

      expect(await tab(page)).toBe(''); // the skip link comes first
      expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { className: string } } }).document.activeElement.className)).toBe('skip-link');
      expect(await tab(page)).toBe('score-0');
      expect(await focusRing(page)).toBe(true);
      await page.keyboard.press('ArrowRight'); // within the group: 2
      await page.keyboard.press('ArrowRight'); // 3
      await page.keyboard.press('ArrowRight'); // 4
      await page.keyboard.press('Space');
      expect(await page.isChecked('#score-3')).toBe(true);
      expect(await tab(page)).toBe('solved-0');
      await page.keyboard.press('Space');
      expect(await page.isChecked('#solved-0')).toBe(true);
      expect(await tab(page)).toBe('comment');
      await page.keyboard.type('Typed without a mouse.');
      await tab(page);
      expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { tagName: string } } }).document.activeElement.tagName)).toBe('BUTTON');
      expect(await focusRing(page)).toBe(true);
      await browser.screenshot(page, 'rate-form-en-filled-by-keyboard');
      expect(await submit(page, () => page.keyboard.press('Enter'))).toBe(200);

      expect(await page.locator('h1').textContent()).toBe('Thank you for your rating');
      expect(await page.locator('main').textContent()).toContain(ticket.reference);
      await expectAccessible(page);
      await expectNoScript(page);
      await browser.screenshot(page, 'rate-thanks-en');
      expect(await platform.query('rating', `SELECT score, solved, comment FROM rating.ratings WHERE survey_id = $1`, [link.surveyId])).toEqual([
        { score: 4, solved: true, comment: 'Typed without a mouse.' },
      ]);
    });

    it('shows an accessible error summary whose links lead to the fields, then takes the rating by mouse', async () => {
      const { link } = await resolvedTicket();
      const page = await browser.newPage();
      await page.goto(`${base}/rate/${link.token}`);
      expect(await submit(page, () => page.click('button[type=submit]'))).toBe(400);
      expect(await page.title()).toBe('There is a problem: Rate the support you received');
      expect(await page.locator('.error-summary a').allTextContents()).toEqual(['Choose a rating from 1 to 5', 'Say whether your problem was solved']);
      await expectAccessible(page);
      await browser.screenshot(page, 'rate-errors-en');

      await page.click('.error-summary a[href="#score-0"]');
      expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement.id)).toBe('score-0');
      await page.click('label[for=score-1]');
      await page.click('label[for=solved-1]');
      await page.fill('#comment', 'Still broken after the update.');
      expect(await submit(page, () => page.click('button[type=submit]'))).toBe(200);
      expect(await page.locator('h1').textContent()).toBe('Thank you for your rating');
      expect(await page.locator('main').textContent()).toContain('goes back to our support team');
      await browser.screenshot(page, 'rate-thanks-not-solved-en');
    });

    it('is in Russian for a Russian ticket, accessible, and rated by keyboard', async () => {
      const { link } = await resolvedTicket({ language: 'ru' });
      const page = await browser.newPage({ locale: 'ru-RU' });
      await page.goto(`${base}/rate/${link.token}`);
      expect(await page.getAttribute('html', 'lang')).toBe('ru');
      expect(await page.locator('h1').textContent()).toBe('Оцените полученную поддержку');
      await expectAccessible(page);
      await expectNoScript(page);
      await browser.screenshot(page, 'rate-form-ru');

      expect(await tab(page, 2)).toBe('score-0');
      for (let i = 0; i < 4; i += 1) await page.keyboard.press('ArrowRight'); // to 5, the last choice
      expect(await page.isChecked('#score-4')).toBe(true);
      expect(await tab(page)).toBe('solved-0');
      await page.keyboard.press('Space');
      await tab(page, 2);
      expect(await submit(page, () => page.keyboard.press('Enter'))).toBe(200);
      expect(await page.locator('h1').textContent()).toBe('Спасибо за вашу оценку');
      await expectAccessible(page);
      await browser.screenshot(page, 'rate-thanks-ru');
    });

    it('shows a plain, accessible page for a link that does not exist', async () => {
      const page = await browser.newPage();
      const response = await page.goto(`${base}/rate/not-a-real-token`);
      expect(response?.status()).toBe(404);
      expect(await page.locator('form').count()).toBe(0);
      await expectAccessible(page);
      await browser.screenshot(page, 'rate-not-found-en');
    });
  });

  describe('the support site, /support/t/{token} and /support/new', () => {
    const fileFor = async (overrides: Record<string, unknown> = {}) => {
      const response = await client
        .http()
        .post('/v1/tickets')
        .auth(partner.token, { type: 'bearer' })
        .send(sampleTicket({ requester: { id: 'cust-ann', email: 'ann@example.com', name: 'Ann Reader' }, ...overrides }));
      expect(response.status).toBe(201);
      return response.body as { id: string; reference: string };
    };
    /** A link minted by the partner through the API (P12), once the site has heard of the ticket. */
    const siteLinkOf = (ticketId: string) =>
      waitFor(`a site link for ${ticketId}`, async () => {
        const response = await client.http().post(`/v1/tickets/${ticketId}/site-links`).auth(partner.token, { type: 'bearer' });
        if (response.status === 503) return undefined;
        expect(response.status).toBe(201);
        return `${base}${new URL((response.body as { url: string }).url).pathname}`;
      });
    const agentPost = (ticketId: string, body: string, visibility: 'public' | 'internal' = 'public') =>
      client.http().post(`/v1/tickets/${ticketId}/messages`).auth(agent.token, { type: 'bearer' }).send({ body, visibility }).expect(201);
    const threadOf = async (ticketId: string) =>
      ((await client.http().get(`/v1/tickets/${ticketId}/thread`).auth(agent.token, { type: 'bearer' })).body as { items: { body: string }[] }).items.map((m) => m.body);
    const statusOf = async (ticketId: string) => ((await client.http().get(`/v1/tickets/${ticketId}`).auth(agent.token, { type: 'bearer' })).body as { status: string }).status;

    it('shows the public thread and takes a reply typed and sent by keyboard alone', async () => {
      const ticket = await fileFor();
      await agentPost(ticket.id, 'Please try clearing the reader cache.');
      await agentPost(ticket.id, 'Internal: suspect the 4.2 cache bug.', 'internal');
      const page = await browser.newPage();
      expect((await page.goto(await siteLinkOf(ticket.id)))?.status()).toBe(200);
      expect(await page.locator('h1').textContent()).toContain(ticket.reference);
      const main = await page.locator('main').textContent();
      expect(main).toContain('Please try clearing the reader cache.');
      expect(main).not.toContain('Internal: suspect');
      await expectAccessible(page);
      await expectNoScript(page);
      await browser.screenshot(page, 'thread-en');

      await tabTo(page, 'text');
      expect(await focusRing(page)).toBe(true);
      await page.keyboard.type('Cleared it; the reader still closes.');
      await tabTo(page, 'BUTTON');
      expect(await submit(page, () => page.keyboard.press('Enter'))).toBe(200);
      expect(await page.locator('.notice').textContent()).toContain('Your reply was sent');
      expect(await page.locator('main').textContent()).toContain('Cleared it; the reader still closes.');
      await expectAccessible(page);
      await browser.screenshot(page, 'thread-replied-en');
      expect(await threadOf(ticket.id)).toContain('Cleared it; the reader still closes.');
    });

    it('attaches a picture to a reply by mouse; the thread links it, and the link downloads the same bytes', async () => {
      const ticket = await fileFor();
      const page = await browser.newPage();
      await page.goto(await siteLinkOf(ticket.id));
      await page.click('#text');
      await page.keyboard.type('Here is what the screen shows.');
      await page.setInputFiles('#files', { name: 'screen.png', mimeType: 'image/png', buffer: pngBytes() });
      expect(await submit(page, () => page.click('button[type=submit]:not(.secondary)'))).toBe(200);
      expect(await page.locator('.notice').textContent()).toContain('Your reply was sent');
      const link = page.locator('.attachments a', { hasText: 'screen.png' });
      expect(await link.count()).toBe(1);
      await expectAccessible(page);
      await browser.screenshot(page, 'thread-with-attachment-en');
      const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
      expect(await readFile(await download.path())).toEqual(pngBytes());
    });

    it('says "my problem is not solved" by mouse on a resolved ticket, which opens it again', async () => {
      const ticket = await fileFor();
      await agentPost(ticket.id, 'Fixed in 4.2.2: please update.');
      await resolve(ticket.id);
      const page = await browser.newPage();
      await page.goto(await siteLinkOf(ticket.id));
      await expectAccessible(page);
      await browser.screenshot(page, 'thread-resolved-en');
      await page.click('#reason');
      await page.keyboard.type('4.2.2 crashes the same way.');
      expect(await submit(page, () => page.click('button.secondary'))).toBe(200);
      expect(await page.locator('.notice').textContent()).toContain('open again');
      await expectAccessible(page);
      await browser.screenshot(page, 'thread-reopened-en');
      expect(await statusOf(ticket.id)).not.toBe('resolved');
    });

    it('P11: rates a resolved ticket on its page: an accessible error summary, then the rate page’s form by keyboard; the page then shows the rating given', async () => {
      const ticket = await fileFor();
      await agentPost(ticket.id, 'Fixed in 4.2.3: please update.');
      await resolve(ticket.id);
      const { surveyId } = await rateLinkOf(ticket.id);
      const page = await browser.newPage();
      await page.goto(await siteLinkOf(ticket.id));
      expect(await page.locator('#rating-heading').textContent()).toBe('Rate the support you received');
      await expectAccessible(page);
      await browser.screenshot(page, 'thread-rating-form-en');

      expect(await submit(page, () => page.click('section.rating button[type=submit]'))).toBe(400);
      expect(await page.locator('.error-summary a').allTextContents()).toEqual(['Choose a rating from 1 to 5', 'Say whether your problem was solved']);
      await expectAccessible(page);
      await browser.screenshot(page, 'thread-rating-errors-en');
      await page.click('.error-summary a[href="#score-0"]');
      expect(await focused(page)).toBe('score-0');
      await page.keyboard.press('ArrowRight'); // 2
      await page.keyboard.press('ArrowRight'); // 3
      await page.keyboard.press('ArrowRight'); // 4
      await page.keyboard.press('ArrowRight'); // 5
      await page.keyboard.press('Space');
      await tabTo(page, 'solved-0');
      await page.keyboard.press('Space');
      await tabTo(page, 'comment');
      await page.keyboard.type('Rated on the request page.');
      await page.keyboard.press('Tab');
      expect(await focused(page)).toBe('BUTTON');
      expect(await submit(page, () => page.keyboard.press('Enter'))).toBe(200);
      expect(await page.locator('.notice').textContent()).toContain('Thank you for your rating');
      expect(await page.locator('section.rating form').count()).toBe(0);
      expect(await page.locator('section.rating').textContent()).toContain('5, excellent');
      await expectAccessible(page);
      await expectNoScript(page);
      await browser.screenshot(page, 'thread-rated-en');
      expect(await platform.query('rating', `SELECT score, solved, comment FROM rating.ratings WHERE survey_id = $1`, [surveyId])).toEqual([
        { score: 5, solved: true, comment: 'Rated on the request page.' },
      ]);
    });

    it('P10: shows what support asked while the ticket waits on the requester, accessibly', async () => {
      const ticket = await fileFor();
      const read = await client.http().get(`/v1/tickets/${ticket.id}`).auth(agent.token, { type: 'bearer' });
      await client
        .http()
        .patch(`/v1/tickets/${ticket.id}`)
        .auth(agent.token, { type: 'bearer' })
        .set('if-match', read.headers.etag as string)
        .send({ status: 'awaiting_customer', waitReason: 'insufficient_information', note: 'Please send a screenshot of the error dialog.' })
        .expect(200);
      const page = await browser.newPage();
      await page.goto(await siteLinkOf(ticket.id));
      expect(await page.locator('#awaiting-heading').textContent()).toBe('Support needs more information');
      expect(await page.locator('section.awaiting .question').textContent()).toBe('Please send a screenshot of the error dialog.');
      await expectAccessible(page);
      await browser.screenshot(page, 'thread-awaiting-en');
    });

    it('shows the thread in Russian for a Russian requester', async () => {
      const ticket = await fileFor({ language: 'ru' });
      await agentPost(ticket.id, 'Попробуйте очистить кэш.');
      const page = await browser.newPage({ locale: 'ru-RU' });
      await page.goto(await siteLinkOf(ticket.id));
      expect(await page.getAttribute('html', 'lang')).toBe('ru');
      expect(await page.locator('h1').textContent()).toContain('Ваше обращение');
      await expectAccessible(page);
      await expectNoScript(page);
      await browser.screenshot(page, 'thread-ru');
    });

    // WCAG 2.2 SC 1.4.10 Reflow (an outside accessibility test): at 320 CSS px the ticket page
    // scrolled sideways, 367 px in Russian and 363 px in English (437 and 428 with SC 1.4.12's text
    // spacing): the facts list kept its labels' whole width and cut the values beside them, and the
    // file input kept its own width.
    describe('reflow: the ticket page at 320 CSS px scrolls only up and down (WCAG 1.4.10)', () => {
      interface ReflowGlobals {
        document: {
          documentElement: { scrollWidth: number; clientWidth: number };
          querySelectorAll(selector: string): Iterable<{ scrollWidth: number; clientWidth: number; textContent: string | null; style: { setProperty(name: string, value: string, priority: string): void } }>;
          querySelector(selector: string): { getBoundingClientRect(): { left: number; right: number } } | null;
        };
      }
      /** SC 1.4.12's spacing, set through the CSSOM (the page's CSP admits no style element): line height 1.5, paragraphs 2, letters 0.12, words 0.16 times the font size. */
      const applyTextSpacing = (page: Page) =>
        page.evaluate(() => {
          const { document } = globalThis as unknown as ReflowGlobals;
          for (const element of document.querySelectorAll('*')) {
            element.style.setProperty('line-height', '1.5', 'important');
            element.style.setProperty('letter-spacing', '0.12em', 'important');
            element.style.setProperty('word-spacing', '0.16em', 'important');
          }
          for (const paragraph of document.querySelectorAll('p')) paragraph.style.setProperty('margin-bottom', '2em', 'important');
        });
      /** How wide the page is, which facts are cut, and where the file input ends. */
      const layoutOf = (page: Page) =>
        page.evaluate(() => {
          const { document } = globalThis as unknown as ReflowGlobals;
          const box = document.querySelector('input[type=file]')?.getBoundingClientRect();
          return {
            scrollWidth: document.documentElement.scrollWidth,
            cutFacts: [...document.querySelectorAll('dl.facts dt, dl.facts dd')].filter((e) => e.scrollWidth > e.clientWidth).map((e) => e.textContent),
            fileInput: box ? { left: Math.round(box.left), right: Math.round(box.right) } : undefined,
          };
        });
      const WIDTH = 320;

      for (const language of ['en', 'ru'] as const) {
        it(`${language}: the facts (reference, a long level and subject, dates) and the reply form's file input fit, with text spacing too (1.4.12)`, async () => {
          // General consulting names the longest level; a subject may be one long word (a file name).
          const ticket = await fileFor({ language, level: 'consulting', subject: 'Reader_crashes_opening_Collected_Works_of_Lev_Tolstoy_volume_14.epub' });
          const url = await siteLinkOf(ticket.id);
          // The level shows its response time once sla-timer has the ticket's clock (P5).
          await waitFor('the response clock on the page', async () => {
            const text = (await client.http().get(new URL(url).pathname)).text;
            return /response within|ответ в течение/.test(text) || undefined;
          });
          const page = await browser.newPage({ locale: language === 'ru' ? 'ru-RU' : 'en-GB', viewport: { width: WIDTH, height: 640 } });
          expect((await page.goto(url))?.status()).toBe(200);
          expect(await page.locator('.reference').textContent()).toBe(ticket.reference);
          await browser.screenshot(page, `thread-320px-${language}`);
          const plain = await layoutOf(page);
          await applyTextSpacing(page);
          await browser.screenshot(page, `thread-320px-text-spacing-${language}`);
          const spaced = await layoutOf(page);
          const fits = { scrollWidth: WIDTH, cutFacts: [], fileInput: { left: expect.any(Number), right: expect.any(Number) } };
          expect({ plain, spaced }).toEqual({ plain: fits, spaced: fits });
          for (const { fileInput } of [plain, spaced]) expect(fileInput!.right).toBeLessThanOrEqual(WIDTH);
        });
      }
    });

    // The same finding for the mail: an agent's reply with a long web address, read in a 320 px
    // wide mail view, was 702 px wide (the site wraps `.message-body`; the mail's HTML had no style).
    it('reflow: an agent’s reply mail with a long web address is read at 320 CSS px without scrolling sideways', async () => {
      const ticket = await fileFor();
      const address = `https://docs.aggregion.example/reader/troubleshooting/epub-drm-activation-errors-on-android-and-ios/${'step-by-step-'.repeat(6)}guide?utm_source=support`;
      await agentPost(ticket.id, `Please follow ${address} and tell us what you see.`);
      const html = await waitFor('the reply mail', async () =>
        (
          await platform.query<{ html_body: string }>('notification', `SELECT html_body FROM notification.mail_messages WHERE ticket_id = $1 AND position($2 IN html_body) > 0`, [
            ticket.id,
            address,
          ])
        )[0]?.html_body,
      );
      const page = await browser.newPage({ viewport: { width: 320, height: 640 } });
      await page.setContent(html);
      expect(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth)).toBe(320);
      await browser.screenshot(page, 'agent-reply-mail-320px');
    });

    describe('a new request, /support/new?partner=…', () => {
      beforeAll(async () => {
        const enabled = await client.http().patch(`/v1/partners/${partner.partnerId}`).auth(await platform.adminToken(), { type: 'bearer' }).send({ siteEnabled: true });
        expect(enabled.status).toBe(200);
      });

      it('is filled and sent by keyboard alone, and shows the reference number', async () => {
        const page = await browser.newPage();
        expect((await page.goto(`${base}/support/new?partner=${partner.partnerId}`))?.status()).toBe(200);
        await expectAccessible(page);
        await expectNoScript(page);
        await browser.screenshot(page, 'new-request-en');

        await tabTo(page, 'product');
        expect(await focusRing(page)).toBe(true);
        await page.keyboard.press('ArrowDown'); // the first product after "choose"
        expect(await page.inputValue('#product')).not.toBe('');
        await tabTo(page, 'productVersion');
        await page.keyboard.type('4.2.1');
        await tabTo(page, 'description');
        await page.keyboard.type('The reader closes when I open any EPUB.');
        await tabTo(page, 'email');
        await page.keyboard.type('kim@example.com');
        await tabTo(page, 'BUTTON');
        expect(await focusRing(page)).toBe(true);
        expect(await submit(page, () => page.keyboard.press('Enter'))).toBe(201);
        const reference = await page.locator('.reference').textContent();
        expect(reference).toMatch(/^TSS-/);
        await expectAccessible(page);
        await browser.screenshot(page, 'new-request-filed-en');
        const filed = await client.http().get(`/v1/tickets/${reference}`).auth(agent.token, { type: 'bearer' });
        expect(filed.body).toMatchObject({ reference, channel: 'site' });
        const request = await client.http().get(`/v1/tickets/${filed.body.id}/thread`).auth(agent.token, { type: 'bearer' });
        expect(request.body.request).toMatchObject({ description: 'The reader closes when I open any EPUB.' });
      });

      it('in Russian, by mouse: shows its problems in an accessible summary, then files the request', async () => {
        const page = await browser.newPage({ locale: 'ru-RU' });
        await page.goto(`${base}/support/new?partner=${partner.partnerId}`);
        expect(await page.getAttribute('html', 'lang')).toBe('ru');
        expect(await submit(page, () => page.click('button[type=submit]'))).toBe(400);
        expect(await page.locator('.error-summary a').count()).toBeGreaterThanOrEqual(3);
        await expectAccessible(page);
        await browser.screenshot(page, 'new-request-errors-ru');

        await page.selectOption('#product', { index: 2 });
        await page.fill('#productVersion', '3.0');
        await page.fill('#description', 'Плеер не воспроизводит видео.');
        expect(await submit(page, () => page.click('button[type=submit]'))).toBe(201);
        expect(await page.locator('h1').textContent()).toBe('Ваше обращение получено');
        expect(await page.locator('.reference').textContent()).toMatch(/^TSS-/);
        await expectAccessible(page);
        await browser.screenshot(page, 'new-request-filed-ru');
      });
    });
  });
});
