import type { PlatformClient } from '@tss/runtime/testing';
import { sampleTicket } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { STYLESHEET } from '@tss/web-pages';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const DAY_MS = 86_400_000;
const STRICT_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

// Issue #13: the requester's rating page, GET/POST /rate/{token}, over HTTP on the whole platform.
describe('rate page (issue #13, P11)', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let partner: { partnerId: string; token: string };
  let agent: { staffId: string; token: string };
  const clock = new TestClock('2026-05-04T09:00:00.000Z');

  beforeAll(async () => {
    platform = await startTestPlatform('rate_page', { clock });
    client = platform.client;
    const admin = await platform.adminToken();
    partner = await client.partner(admin, 'Acme Rate Page');
    agent = await client.staff(admin, ['agent'], 'Rita Agent');
  });

  afterAll(async () => {
    await platform?.stop();
  });

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
  /** A resolved ticket and its rating link. */
  const resolvedTicket = async (overrides: Record<string, unknown> = {}) => {
    const ticket = await file(partner.token, sampleTicket(overrides));
    await resolve(ticket.id);
    return { ticket, link: await rateLinkOf(ticket.id) };
  };
  /** A ticket rated "not solved" through its first link (which reopens it), then resolved again: the first link. */
  const resolvedTicketRatedThenResolvedAgain = async (overrides: Record<string, unknown> = {}) => {
    const { ticket, link } = await resolvedTicket(overrides);
    const csrf = csrfOf((await http().get(`/rate/${link.token}`)).text);
    await http().post(`/rate/${link.token}`).type('form').send({ _csrf: csrf, score: '3', solved: 'no' }).expect(303);
    await waitFor('the ticket reopened', async () => {
      const read = await http().get(`/v1/tickets/${ticket.id}`).auth(agent.token, { type: 'bearer' });
      return read.body.status !== 'resolved' ? read.body : undefined;
    });
    await resolve(ticket.id);
    await waitFor('the second resolution’s survey', async () =>
      (await platform.query('rating', `SELECT 1 FROM rating.surveys WHERE ticket_id = $1 AND id <> $2`, [ticket.id, link.surveyId]))[0],
    );
    return link;
  };
  const submittedEvents = (ticketId: string) =>
    platform.query<{ data: Record<string, unknown> }>('rating', `SELECT event->'data' AS data FROM rating.outbox WHERE event_type = 'rating.submitted' AND event->>'subject' = $1`, [ticketId]);
  const csrfOf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
  const ratingsOf = (surveyId: string) => platform.query('rating', `SELECT score, solved, comment FROM rating.ratings WHERE survey_id = $1`, [surveyId]);
  const expectPageHeaders = (response: { headers: Record<string, string> }) => {
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toBe(STRICT_CSP);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
  };

  it('shows the reference, the subject, five choices and the solved question in fieldsets, a comment box and a submit button; strict CSP, no-store, no-referrer', async () => {
    const { ticket, link } = await resolvedTicket({ subject: 'Player <stalls> & "freezes"' });
    const response = await http().get(`/rate/${link.token}`);
    expect(response.status).toBe(200);
    expectPageHeaders(response);
    const page = response.text;
    expect(page).toContain('<html lang="en">');
    expect(page).toContain(`<dd class="reference">${ticket.reference}</dd>`);
    expect(page).toContain('Player &lt;stalls&gt; &amp; &quot;freezes&quot;');
    expect(page).not.toContain('<stalls>');
    expect(page.match(/<input type="radio" id="score-\d" name="score" value="[1-5]"/g)).toHaveLength(5);
    expect(page).toMatch(/<fieldset[^>]*>\s*<legend>How would you rate our support\?/);
    expect(page).toMatch(/<fieldset[^>]*>\s*<legend>Was your problem solved\?/);
    expect(page).toContain('name="solved" value="yes"');
    expect(page).toContain('name="solved" value="no"');
    expect(page).toMatch(/<label for="comment">Comment/);
    expect(page).toContain('<textarea id="comment" name="comment"');
    expect(page).toContain('<button type="submit">Send rating</button>');
    expect(page).toContain(`action="/rate/${link.token}"`);
    expect(csrfOf(page)).toMatch(/^\d+\.[A-Za-z0-9_-]{43}$/);
    expect(page).not.toMatch(/<script|style=/i);
  });

  it('serves its stylesheet under /rate, so the page’s style-src self holds in either mode', async () => {
    const page = (await http().get(`/rate/${(await resolvedTicket()).link.token}`)).text;
    const href = /<link rel="stylesheet" href="([^"]+)">/.exec(page)?.[1];
    expect(href).toMatch(/^\/rate\/assets\/pages\.[0-9a-f]{12}\.css$/);
    const sheet = await http().get(href!);
    expect(sheet.status).toBe(200);
    expect(sheet.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(sheet.text).toBe(STYLESHEET);
  });

  it('is in Russian when the ticket is', async () => {
    const { link } = await resolvedTicket({ language: 'ru' });
    const page = (await http().get(`/rate/${link.token}`).set('accept-language', 'en')).text;
    expect(page).toContain('<html lang="ru">');
    expect(page).toContain('Оцените полученную поддержку');
    expect(page).toContain('Ваша проблема решена?');
    expect(page).toContain('Отправить оценку');
  });

  it('P11: a rating posted from the page is recorded and published, thanked, and the link is spent', async () => {
    const { ticket, link } = await resolvedTicket();
    const csrf = csrfOf((await http().get(`/rate/${link.token}`)).text);
    const posted = await http().post(`/rate/${link.token}`).type('form').send({ _csrf: csrf, score: '4', solved: 'yes', comment: 'Clear answer.' });
    expect(posted.status).toBe(303);
    const thanks = await http().get(posted.headers.location);
    expect(thanks.status).toBe(200);
    expectPageHeaders(thanks);
    expect(thanks.text).toContain('Thank you for your rating');
    expect(thanks.text).toContain(ticket.reference);
    expect(await ratingsOf(link.surveyId)).toEqual([{ score: 4, solved: true, comment: 'Clear answer.' }]);
    expect(await submittedEvents(ticket.id)).toEqual([expect.objectContaining({ data: expect.objectContaining({ score: 4, solved: true, comment: 'Clear answer.' }) })]);

    const again = await http().get(`/rate/${link.token}`);
    expect(again.status).toBe(409);
    expectPageHeaders(again);
    expect(again.text).toContain('This request has already been rated');
    expect(again.text).not.toContain('<form');
    const repost = await http().post(`/rate/${link.token}`).type('form').send({ _csrf: csrf, score: '1', solved: 'no' });
    expect(repost.status).toBe(409);
    expect(await ratingsOf(link.surveyId)).toHaveLength(1);
  });

  it('records one rating when the form is sent twice at once (a double click): the other post answers 409', async () => {
    const { link } = await resolvedTicket();
    const csrf = csrfOf((await http().get(`/rate/${link.token}`)).text);
    const post = (score: string) => http().post(`/rate/${link.token}`).type('form').send({ _csrf: csrf, score, solved: 'yes' });
    const statuses = (await Promise.all([post('5'), post('3')])).map((r) => r.status).sort();
    expect(statuses).toEqual([303, 409]);
    expect(await ratingsOf(link.surveyId)).toHaveLength(1);
  });

  it('P11: "not solved" on the page reopens the ticket', async () => {
    const { ticket, link } = await resolvedTicket();
    const csrf = csrfOf((await http().get(`/rate/${link.token}`)).text);
    const posted = await http().post(`/rate/${link.token}`).type('form').send({ _csrf: csrf, score: '2', solved: 'no' });
    expect(posted.status).toBe(303);
    expect((await http().get(posted.headers.location)).text).toContain('goes back to our support team');
    await waitFor('the ticket reopened', async () => {
      const read = await http().get(`/v1/tickets/${ticket.id}`).auth(agent.token, { type: 'bearer' });
      return read.body.status !== 'resolved' ? read.body : undefined;
    });
    expect(await ratingsOf(link.surveyId)).toEqual([{ score: 2, solved: false, comment: null }]);
    // Post/Redirect/Get: a refresh once the ticket is open again still thanks (never "already rated", 409) and records nothing more.
    const refreshed = await http().get(posted.headers.location);
    expect(refreshed.status).toBe(200);
    expect(refreshed.text).toContain('<h1>Thank you for your rating</h1>');
    expect(refreshed.text).toContain('goes back to our support team');
    expect(await ratingsOf(link.surveyId)).toHaveLength(1);
  });

  it('P11: after a second resolution the first, rated link says that resolution was rated and a newer link was sent, not "rated once"', async () => {
    const english = await http().get(`/rate/${(await resolvedTicketRatedThenResolvedAgain()).token}`);
    expect(english.status).toBe(409);
    expect(english.text).toContain('<h1>You rated an earlier resolution</h1>');
    expect(english.text).toContain('a new link to rate it was sent');
    expect(english.text).not.toContain('Each request is rated once');
    const russian = await http().get(`/rate/${(await resolvedTicketRatedThenResolvedAgain({ language: 'ru' })).token}`);
    expect(russian.status).toBe(409);
    expect(russian.text).toContain('новая ссылка');
    expect(russian.text).not.toContain('Каждое обращение оценивается один раз');
  });

  it('refuses a post without the form’s CSRF token, or with another survey’s: a 403 page, nothing recorded', async () => {
    const { link } = await resolvedTicket();
    const other = await resolvedTicket();
    const otherCsrf = csrfOf((await http().get(`/rate/${other.link.token}`)).text);
    for (const csrf of [undefined, 'garbage', otherCsrf]) {
      const posted = await http().post(`/rate/${link.token}`).type('form').send({ ...(csrf ? { _csrf: csrf } : {}), score: '5', solved: 'yes' });
      expect(posted.status).toBe(403);
      expectPageHeaders(posted);
      expect(posted.text).toContain('<h1>This form could not be accepted</h1>');
      expect(posted.text).not.toContain('expired');
    }
    expect(await ratingsOf(link.surveyId)).toEqual([]);
  });

  it('shows the form again with an error summary linked to the fields when a choice is missing or the comment too long; nothing recorded', async () => {
    const { link } = await resolvedTicket();
    const csrf = csrfOf((await http().get(`/rate/${link.token}`)).text);
    const missing = await http().post(`/rate/${link.token}`).type('form').send({ _csrf: csrf, comment: 'Kept as typed' });
    expect(missing.status).toBe(400);
    expectPageHeaders(missing);
    expect(missing.text).toContain('<title>There is a problem: Rate the support you received</title>');
    expect(missing.text).toContain('<a href="#score-0">Choose a rating from 1 to 5</a>');
    expect(missing.text).toContain('<a href="#solved-0">Say whether your problem was solved</a>');
    expect(missing.text).toContain('>Kept as typed</textarea>');
    expect(csrfOf(missing.text)).toBeDefined();

    const long = await http().post(`/rate/${link.token}`).type('form').send({ _csrf: csrf, score: '3', solved: 'yes', comment: 'x'.repeat(4001) });
    expect(long.status).toBe(400);
    expect(long.text).toContain('<a href="#comment">The comment must be 4000 characters or fewer</a>');
    expect(long.text).toMatch(/<input type="radio" id="score-2" name="score" value="3" checked/);
    const unstorable = await http().post(`/rate/${link.token}`).type('form').send({ _csrf: csrf, score: '3', solved: 'yes', comment: 'a\u0000b' });
    expect(unstorable.status).toBe(400);
    expect(unstorable.text).toContain('<a href="#comment">The comment contains characters that cannot be saved</a>');
    expect(await ratingsOf(link.surveyId)).toEqual([]);
  });

  it('answers a forged or unknown link with a plain 404 page in the browser’s language, and an expired one with a 410 page', async () => {
    const { link } = await resolvedTicket();
    const forged = `${link.token.slice(0, -2)}${link.token.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const token of [forged, 'not-a-token', 'x'.repeat(200)]) {
      const response = await http().get(`/rate/${token}`).set('accept-language', 'ru-RU,ru;q=0.9');
      expect(response.status).toBe(404);
      expectPageHeaders(response);
      expect(response.text).toContain('<html lang="ru">');
      expect(response.text).toContain('Страница не найдена');
      expect(response.text).not.toContain('<form');
    }
    const posted = await http().post(`/rate/${forged}`).type('form').send({ score: '5', solved: 'yes' });
    expect(posted.status).toBe(404);

    clock.advanceMs(15 * DAY_MS);
    const expired = await http().get(`/rate/${link.token}`);
    expect(expired.status).toBe(410);
    expectPageHeaders(expired);
    expect(expired.text).toContain('This rating link has expired');
    expect(expired.text).not.toContain('Ask support for a new one');
    expect(await ratingsOf(link.surveyId)).toEqual([]);
  });
});
