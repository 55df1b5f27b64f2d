import type { AddressInfo } from 'node:net';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { SiteLinkKeys } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { CsrfTokens } from '@tss/web-pages';
import { ratingHelpers } from '../rating-support';
import { startTestPlatform, type TestPlatform } from '../support/test-platform';
import { csrfOf, fileAsVisitor } from '../support/site-forms';

type RatingRead = { survey?: { state: string }; rating?: { score: number; solved: boolean; comment?: string; via: string } };

// P11, P12 (docs/adr/0040 and 0037, addenda of 2026-12-04, seventh session): a requester who follows
// the ticket on the support site rates it there while the survey of its latest resolution is open,
// through rating's API as the link's requester; a visitor who gave no address has no other way.
describe('the support site takes the requester’s rating (P11)', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let h: ReturnType<typeof ratingHelpers>;
  let admin: string;
  let acme: { partnerId: string; token: string };
  let agent: { staffId: string; token: string };
  const clock = new TestClock('2026-06-01T09:00:00.000Z');
  const http = () => client.http();

  beforeAll(async () => {
    platform = await startTestPlatform('site_rating', { clock });
    // The site calls intake and rating over the app's own address once it listens (upstream/intake-api.ts).
    await platform.running.platform.app.listen({ host: '127.0.0.1', port: 0 });
    expect((platform.running.platform.app.server.address() as AddressInfo).port).toBeGreaterThan(0);
    client = platform.client;
    h = ratingHelpers(platform);
    admin = await platform.adminToken();
    acme = await client.partner(admin, 'Acme Site Rating');
    agent = await client.staff(admin, ['agent'], 'Rita Agent');
    await http().patch(`/v1/partners/${acme.partnerId}`).auth(admin, { type: 'bearer' }).send({ siteEnabled: true }).expect(200);
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const fileForAnn = () => h.file(acme.token, sampleTicket({ requester: { id: 'cust-ann', email: 'ann@example.com' } }));
  const mint = async (token: string, ticketId: string) =>
    waitFor(`a site link for ${ticketId}`, async () => {
      const response = await http().post(`/v1/tickets/${ticketId}/site-links`).auth(token, { type: 'bearer' });
      if (response.status === 503) return undefined;
      expect(response.status).toBe(201);
      const body = response.body as { linkId: string; url: string };
      return { linkId: body.linkId, path: new URL(body.url).pathname };
    });
  /** Resolved, and rating has made its survey (the page offers the form only then). */
  const resolved = async (ticketId: string) => {
    await h.resolve(agent.token, ticketId);
    await h.rateLink(ticketId);
  };
  const ratingOf = async (ticketId: string) => (await http().get(`/v1/tickets/${ticketId}/rating`).auth(acme.token, { type: 'bearer' })).body as RatingRead;
  const submitted = (ticketId: string) => h.ratingEvents(ticketId, 'rating.submitted');
  /** A valid CSRF token of the rating form for a link id, as the site would issue one: what a forger holding the site's secret could post. */
  const forgedCsrf = async (linkId: string, issuedAt = clock.now()) => {
    const [row] = await platform.query<{ secret: Buffer }>('gateway', `SELECT secret FROM gateway.site_secrets WHERE name = 'csrf'`);
    return new CsrfTokens(row.secret).issue({ form: 'rate', binding: `link:${linkId}` }, issuedAt);
  };
  const rateForm = (page: string) => /<section class="rating"[^>]*>[\s\S]*?<\/section>/.exec(page)?.[0];

  it('P11, P12: a visitor who filed without an e-mail address rates from the request’s page; rating.submitted is published once; the page then shows the rating, no second form', async () => {
    const { reference, path } = await fileAsVisitor(http, acme.partnerId, { productVersion: '4.2', description: 'Pages go blank. No address given.' });
    const ticketId = (await http().get(`/v1/tickets/${reference}`).auth(acme.token, { type: 'bearer' })).body.id as string;
    // No form before the resolution.
    expect((await http().get(path)).text).not.toContain(`action="${path}/rate"`);
    await resolved(ticketId);

    const page = await http().get(path);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<dd>Resolved</dd>');
    const section = rateForm(page.text);
    expect(section).toBeDefined();
    // The rate page's fields and words: radio groups in fieldsets with their legends, a comment box.
    expect(section).toContain('<h2 id="rating-heading">Rate the support you received</h2>');
    expect(section).toMatch(/<fieldset class="field"[^>]*>\s*<legend>How would you rate our support\? <span class="hint-inline">\(required\)<\/span><\/legend>/);
    expect(section).toMatch(/<fieldset class="field"[^>]*>\s*<legend>Was your problem solved\? <span class="hint-inline">\(required\)<\/span><\/legend>/);
    expect(section).toContain('<label for="score-3">4, good</label>');
    expect(section).toContain('<label for="solved-1">No, it is not solved</label>');
    expect(section).toMatch(/<textarea id="comment" name="comment"[^>]* dir="auto"/);
    expect(section).toContain('Send rating</button>');

    const posted = await http().post(`${path}/rate`).type('form').send({ _csrf: csrfOf(page.text, `${path}/rate`), score: '4', solved: 'yes', comment: 'Quick and clear.' });
    expect(posted.status).toBe(303);
    expect(posted.headers.location).toBe(`${path}?done=rated#main`);
    const events = await submitted(ticketId);
    expect(events).toHaveLength(1);
    expect(events[0].data).toMatchObject({ partnerId: acme.partnerId, score: 4, solved: true, comment: 'Quick and clear.' });
    expect(await ratingOf(ticketId)).toMatchObject({ survey: { state: 'rated' }, rating: { score: 4, solved: true, comment: 'Quick and clear.', via: 'api' } });
    const rows = await platform.query<{ rated_by: string }>('rating', `SELECT rated_by FROM rating.ratings WHERE ticket_id = $1`, [ticketId]);
    expect(rows).toEqual([{ rated_by: expect.stringMatching(/^requester:visitor:/) }]);

    const after = await http().get(posted.headers.location as string);
    expect(after.text).toContain(`<div class="notice" role="status"><p>Thank you for your rating. We have recorded your rating of request ${reference}.</p></div>`);
    expect(after.text).not.toContain(`action="${path}/rate"`);
    const given = rateForm(after.text);
    expect(given).toContain('<dt>How would you rate our support?</dt><dd>4, good</dd>');
    expect(given).toContain('<dt>Was your problem solved?</dt><dd>Yes</dd>');
    expect(given).toContain('<dd dir="auto">Quick and clear.</dd>');
  });

  it('P11: the same form posted twice (a double click) rates once, and both answers go to the same page', async () => {
    const ticket = await fileForAnn();
    await resolved(ticket.id);
    const link = await mint(acme.token, ticket.id);
    const page = await http().get(link.path);
    const fields = { _csrf: csrfOf(page.text, `${link.path}/rate`), score: '2', solved: 'no', comment: 'Still crashes on EPUB 3.' };
    const [first, second] = await Promise.all([0, 1].map(() => http().post(`${link.path}/rate`).type('form').send(fields)));
    expect([first.status, second.status]).toEqual([303, 303]);
    expect(first.headers.location).toMatch(new RegExp(`^${link.path}\\?done=(rated-not-solved|rating-received)#main$`));
    const third = await http().post(`${link.path}/rate`).type('form').send(fields);
    expect(third.status).toBe(303);
    expect(third.headers.location).toBe(`${link.path}?done=rated-not-solved#main`);
    expect(await submitted(ticket.id)).toHaveLength(1);
    // P11: "not solved" reopens the ticket (intake, on rating.submitted); the notice says it goes back to support.
    const shown = await http().get(third.headers.location as string);
    expect(shown.text).toContain('We are sorry the problem is not solved: your request goes back to our support team, who will answer you.');
    await waitFor('the ticket reopened', async () => ((await http().get(`/v1/tickets/${ticket.id}`).auth(acme.token, { type: 'bearer' })).body.status === 'open' ? true : undefined));
    expect(rateForm((await http().get(link.path)).text) ?? '').not.toContain(`action="${link.path}/rate"`);
  });

  it('a bad form is the page again (400) with its errors tied to the fields, and records nothing', async () => {
    const ticket = await fileForAnn();
    await resolved(ticket.id);
    const link = await mint(acme.token, ticket.id);
    const page = await http().get(link.path);
    const posted = await http().post(`${link.path}/rate`).type('form').send({ _csrf: csrfOf(page.text, `${link.path}/rate`), score: '7', comment: 'Kept as typed.' });
    expect(posted.status).toBe(400);
    expect(posted.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(posted.text).toContain('<li><a href="#score-0">Choose a rating from 1 to 5</a></li>');
    expect(posted.text).toContain('<li><a href="#solved-0">Say whether your problem was solved</a></li>');
    expect(posted.text).toMatch(/<span class="field-error" id="score-error">Choose a rating from 1 to 5<\/span>/);
    expect(posted.text).toMatch(/<input type="radio" id="score-0" name="score" value="1" aria-invalid="true">/);
    expect(posted.text).toContain('Kept as typed.</textarea>');
    // The form comes back with a token that posts.
    const again = await http().post(`${link.path}/rate`).type('form').send({ _csrf: csrfOf(posted.text, `${link.path}/rate`), score: '5', solved: 'yes' });
    expect(again.status).toBe(303);
    expect(await submitted(ticket.id)).toHaveLength(1);
  });

  it('nothing is recorded for a bad form: no rating.submitted, the survey still open', async () => {
    const ticket = await fileForAnn();
    await resolved(ticket.id);
    const link = await mint(acme.token, ticket.id);
    const page = await http().get(link.path);
    const posted = await http().post(`${link.path}/rate`).type('form').send({ _csrf: csrfOf(page.text, `${link.path}/rate`), solved: 'yes' });
    expect(posted.status).toBe(400);
    expect(await submitted(ticket.id)).toEqual([]);
    expect(await ratingOf(ticket.id)).toMatchObject({ survey: { state: 'open' } });
    expect(await ratingOf(ticket.id)).not.toHaveProperty('rating');
  });

  it('WCAG 2.2.1: a rating sent from a page open longer than a form lasts comes back with the choices kept; nothing is recorded until it is sent again', async () => {
    const ticket = await fileForAnn();
    await resolved(ticket.id);
    const link = await mint(acme.token, ticket.id);
    // The token the page gave 25 hours ago (the platform's clock stays put: its tokens and links would age too).
    const issuedLongAgo = await forgedCsrf(link.linkId, new Date(clock.now().getTime() - 25 * 3_600_000));
    const stale = await http().post(`${link.path}/rate`).type('form').send({ _csrf: issuedLongAgo, score: '2', solved: 'no', comment: 'Typed last night.' });
    expect(stale.status).toBe(400);
    expect(stale.text).toContain('This page was open for a long time: check your rating and send it again');
    expect(stale.text).toMatch(/<input type="radio" id="score-1" name="score" value="2"[^>]* checked>/);
    expect(stale.text).toContain('Typed last night.</textarea>');
    expect(await submitted(ticket.id)).toEqual([]);
    const again = await http().post(`${link.path}/rate`).type('form').send({ _csrf: csrfOf(stale.text, `${link.path}/rate`), score: '2', solved: 'no', comment: 'Typed last night.' });
    expect(again.status).toBe(303);
    expect(await submitted(ticket.id)).toHaveLength(1);
  });

  it('docs/adr/0037 fifth session: a staff member’s link shows no rating form and cannot rate in the requester’s name, even with a valid form token', async () => {
    const ticket = await fileForAnn();
    await resolved(ticket.id);
    const staffLink = await mint(agent.token, ticket.id);
    const page = await http().get(staffLink.path);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain(`action="${staffLink.path}/rate"`);
    expect(rateForm(page.text)).toContain('This page was opened with a link made by our support staff');
    const posted = await http().post(`${staffLink.path}/rate`).type('form').send({ _csrf: await forgedCsrf(staffLink.linkId), score: '5', solved: 'yes', comment: 'Excellent agent!' });
    expect(posted.status).toBe(403);
    expect(posted.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(await submitted(ticket.id)).toEqual([]);
    expect(await ratingOf(ticket.id)).toMatchObject({ survey: { state: 'open' } });
    // The requester's own link still rates.
    const own = await mint(acme.token, ticket.id);
    const ownPage = await http().get(own.path);
    expect((await http().post(`${own.path}/rate`).type('form').send({ _csrf: csrfOf(ownPage.text, `${own.path}/rate`), score: '5', solved: 'yes' })).status).toBe(303);
    expect(await submitted(ticket.id)).toHaveLength(1);
  });

  it('foreign tokens rate nothing: another link’s form token (403), a link naming another requester of the ticket or a forged link (404)', async () => {
    const ticket = await fileForAnn();
    const other = await fileForAnn();
    await resolved(ticket.id);
    await resolved(other.id);
    const link = await mint(acme.token, ticket.id);
    const otherLink = await mint(acme.token, other.id);
    const otherPage = await http().get(otherLink.path);

    // The form of another ticket's page, posted to this one.
    const crossed = await http().post(`${link.path}/rate`).type('form').send({ _csrf: csrfOf(otherPage.text, `${otherLink.path}/rate`), score: '1', solved: 'no' });
    expect(crossed.status).toBe(403);
    expect(crossed.text).toContain('<h1>This form could not be accepted</h1>');

    // A genuine link of the ticket for a requester who is not its own: the site acts for them, and rating knows no such ticket of theirs.
    const { token, grant } = SiteLinkKeys.fromSettings({}).mint({ ticketId: ticket.id, partnerId: acme.partnerId, requester: 'cust-bob', expiresAt: new Date(clock.now().getTime() + 3_600_000) });
    expect((await http().get(`/support/t/${token}`)).status).toBe(404);
    const foreign = await http().post(`/support/t/${token}/rate`).type('form').send({ _csrf: await forgedCsrf(grant.linkId), score: '1', solved: 'no' });
    expect(foreign.status).toBe(404);
    expect(foreign.headers['content-type']).toBe('text/html; charset=utf-8');

    // A link whose seal was tampered with opens nothing.
    const forged = `${link.path.slice(0, -2)}${link.path.endsWith('A') ? 'BB' : 'AA'}`;
    expect((await http().post(`${forged}/rate`).type('form').send({ score: '1', solved: 'no' })).status).toBe(404);

    expect(await submitted(ticket.id)).toEqual([]);
    expect(await submitted(other.id)).toEqual([]);
    expect(await ratingOf(ticket.id)).toMatchObject({ survey: { state: 'open' } });
  });

  it('docs/auth.md: a deactivated partner’s link is the 410 page, form or not, and rates nothing', async () => {
    const gone = await client.partner(admin, 'Gone Partner');
    const ticket = await h.file(gone.token, sampleTicket({ requester: { id: 'cust-gil', email: 'gil@example.com' } }));
    await resolved(ticket.id);
    const link = await mint(gone.token, ticket.id);
    const page = await http().get(link.path);
    const csrf = csrfOf(page.text, `${link.path}/rate`);
    await http().patch(`/v1/partners/${gone.partnerId}`).auth(admin, { type: 'bearer' }).send({ active: false }).expect(200);
    expect((await http().get(link.path)).status).toBe(410);
    const posted = await http().post(`${link.path}/rate`).type('form').send({ _csrf: csrf, score: '1', solved: 'no' });
    expect(posted.status).toBe(410);
    expect(posted.text).toContain('This link was withdrawn');
    expect(await submitted(ticket.id)).toEqual([]);
  });

  it('a Russian ticket’s page asks in the rate page’s Russian words', async () => {
    const ticket = await h.file(acme.token, sampleTicket({ language: 'ru', requester: { id: 'cust-ann', email: 'ann@example.com' } }));
    await resolved(ticket.id);
    const link = await mint(acme.token, ticket.id);
    const section = rateForm((await http().get(link.path)).text);
    expect(section).toContain('<h2 id="rating-heading">Оцените полученную поддержку</h2>');
    expect(section).toContain('<legend>Как вы оцениваете нашу поддержку? <span class="hint-inline">');
    expect(section).toContain('<label for="solved-0">Да</label>');
    expect(section).toContain('Отправить оценку</button>');
  });
});
