import { randomUUID } from 'node:crypto';
import { PartnerUpdatedV1, TicketReopenedV1 } from '@tss/contracts';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { contentSecurityPolicy, STYLESHEET } from '@tss/web-pages';
import { startRating, type RatingUnderTest } from './support/rating-under-test';

// Issue #13: the rate page as rating serves it alone (services mode, where the gateway forwards
// `/rate` to it): no token needed, its own stylesheet under /rate, the rating recorded once.
describe('rate page in rating alone (issue #13, P11)', () => {
  let rating: RatingUnderTest;
  const clock = new TestClock('2026-07-01T09:00:00.000Z');
  const partnerId = randomUUID();

  beforeAll(async () => {
    rating = await startRating(clock);
  });

  afterAll(async () => {
    await rating?.sut.stop();
  });

  const linkFor = async (language?: 'en' | 'ru') => {
    const ticket = await rating.ticketCreated({ partnerId, ...(language ? { language } : {}) });
    return { ticket, link: await rating.resolve({ ticketId: ticket.ticketId, partnerId }, 2) };
  };

  it('serves the page and its stylesheet without a token, under the strict CSP', async () => {
    const { ticket, link } = await linkFor();
    const page = await rating.sut.http().get(`/rate/${link.token}`);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toBe(contentSecurityPolicy());
    expect(page.text).toContain(ticket.reference);
    const href = /<link rel="stylesheet" href="([^"]+)">/.exec(page.text)?.[1];
    const sheet = await rating.sut.http().get(href!);
    expect({ status: sheet.status, text: sheet.text }).toEqual({ status: 200, text: STYLESHEET });
  });

  it('P11: records the posted rating once and publishes rating.submitted; the spent link then answers 409', async () => {
    const { ticket, link } = await linkFor('ru');
    const page = await rating.sut.http().get(`/rate/${link.token}`);
    expect(page.text).toContain('<html lang="ru">');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
    const posted = await rating.sut.http().post(`/rate/${link.token}`).type('form').send({ _csrf: csrf, score: '5', solved: 'yes', comment: 'Спасибо!' });
    expect(posted.status).toBe(303);
    expect((await rating.sut.http().get(posted.headers.location)).text).toContain('Спасибо за вашу оценку');
    expect(await rating.events(ticket.ticketId, 'rating.submitted')).toEqual([expect.objectContaining({ surveyId: link.surveyId, score: 5, solved: true, comment: 'Спасибо!' })]);
    const again = await rating.sut.http().post(`/rate/${link.token}`).type('form').send({ _csrf: csrf, score: '1', solved: 'no' });
    expect(again.status).toBe(409);
    expect(again.text).toContain('Это обращение уже оценено');
    expect(await rating.events(ticket.ticketId, 'rating.submitted')).toHaveLength(1);
  });

  // An outside tester: the form answered its post with the thank-you page itself (200), so a
  // refresh posted it again and showed "This request has already been rated" (409). The site's
  // forms answer 303 (Post/Redirect/Get): the rate page's form does too (docs/adr/0045).
  it('P11: the form is Post/Redirect/Get: the post answers 303, and a refresh of the page it leads to thanks again in the link\'s language, never 409', async () => {
    const { ticket, link } = await linkFor('ru');
    const page = await rating.sut.http().get(`/rate/${link.token}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
    const posted = await rating.sut.http().post(`/rate/${link.token}`).type('form').send({ _csrf: csrf, score: '2', solved: 'no', comment: 'Не работает' });
    expect({ status: posted.status, location: posted.headers.location, cache: posted.headers['cache-control'] }).toEqual({
      status: 303,
      location: `/rate/${link.token}?done=rated`,
      cache: 'no-store',
    });
    for (const load of ['the redirect', 'a refresh']) {
      const thanks = await rating.sut.http().get(posted.headers.location).set('accept-language', 'en-GB,en;q=0.9');
      expect({ load, status: thanks.status }).toEqual({ load, status: 200 });
      expect(thanks.headers['cache-control']).toBe('no-store');
      expect(thanks.text).toContain('<html lang="ru">');
      expect(thanks.text).toContain('<h1>Спасибо за вашу оценку</h1>');
      expect(thanks.text).toContain(`Ваша оценка обращения ${ticket.reference} сохранена. Жаль, что проблема не решена`);
      expect(thanks.text).not.toContain('<form');
    }
    expect(await rating.events(ticket.ticketId, 'rating.submitted')).toEqual([expect.objectContaining({ score: 2, solved: false })]);
    // The thanks are what was recorded, not what the address says: an unrated link's `?done=` is its form.
    const unrated = await linkFor('en');
    const form = await rating.sut.http().get(`/rate/${unrated.link.token}?done=rated`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('<form');
    expect(form.text).not.toContain('Thank you for your rating');
  });

  it('a comment whose bytes or escapes are not UTF-8, or a field sent twice, is the form again (400): nothing replaced, nothing recorded', async () => {
    const { ticket, link } = await linkFor();
    const page = await rating.sut.http().get(`/rate/${link.token}`);
    const csrf = encodeURIComponent(/name="_csrf" value="([^"]+)"/.exec(page.text)![1]);
    for (const body of [`comment=a%C0%AFb`, `comment=a%ED%A0%80b`, `comment=a%FF%FEb`, `comment=a%ZZb`, `comment=ok&comment=twice`]) {
      const posted = await rating.sut.http().post(`/rate/${link.token}`).type('form').send(`_csrf=${csrf}&score=4&solved=yes&${body}`);
      expect(posted.status).toBe(400);
      expect(posted.text).toContain('<a href="#comment">The comment contains characters that cannot be saved</a>');
    }
    expect(await rating.events(ticket.ticketId, 'rating.submitted')).toEqual([]);
  });

  it('P11: a link of a ticket reopened since says the request is open again (409) and records nothing, even from a page opened before', async () => {
    const { ticket, link } = await linkFor();
    const page = await rating.sut.http().get(`/rate/${link.token}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
    await rating.publish(TicketReopenedV1, ticket.ticketId, { partnerId, sequence: 3, reopenedAt: clock.now().toISOString() });
    await waitFor('the survey withdrawn', async () => (await rating.sut.query<{ status: string }>(`SELECT status FROM rating.surveys WHERE id = $1`, [link.surveyId]))[0]?.status === 'withdrawn');

    const reopened = await rating.sut.http().get(`/rate/${link.token}`);
    expect(reopened.status).toBe(409);
    expect(reopened.text).toContain('This request is open again');
    expect(reopened.text).not.toContain('Your request has been resolved');
    expect(reopened.text).not.toContain('<form');
    const posted = await rating.sut.http().post(`/rate/${link.token}`).type('form').send({ _csrf: csrf, score: '1', solved: 'no' });
    expect(posted.status).toBe(409);
    expect(posted.text).toContain('This request is open again');
    expect(await rating.events(ticket.ticketId, 'rating.submitted')).toEqual([]);
  });

  // An outside test: an unrated link whose ticket was reopened and resolved again (a newer link
  // mailed) said "This link has expired … ask support for a new one", while the rated earlier link
  // pointed to the newest mail. Superseded is not expired: the reader has the newer link already.
  it('an unrated link superseded by a newer resolution is a 410 page pointing to the newest link, not "expired", from the page and from a form opened before', async () => {
    const { ticket, link } = await linkFor();
    const before = await rating.sut.http().get(`/rate/${link.token}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(before.text)?.[1];
    await rating.resolve({ ticketId: ticket.ticketId, partnerId }, 3, 2);
    const page = await rating.sut.http().get(`/rate/${link.token}`);
    const posted = await rating.sut.http().post(`/rate/${link.token}`).type('form').send({ _csrf: csrf, score: '5', solved: 'yes' });
    for (const refused of [page, posted]) {
      expect(refused.status).toBe(410);
      expect(refused.text).toContain('<h1>A newer link was sent</h1>');
      expect(refused.text).toContain('please use the newest link');
      expect(refused.text).not.toContain('expired');
      expect(refused.text).not.toContain('<form');
    }
    expect(await rating.events(ticket.ticketId, 'rating.submitted')).toEqual([]);
  });

  it("a refused link of a known survey speaks the survey's language, not the browser's: expired, superseded and withdrawn pages alike", async () => {
    const { ticket, link } = await linkFor('ru');
    await rating.resolve({ ticketId: ticket.ticketId, partnerId }, 3, 2);
    const superseded = await rating.sut.http().get(`/rate/${link.token}`).set('accept-language', 'en-GB,en;q=0.9');
    expect(superseded.status).toBe(410);
    expect(superseded.text).toContain('<html lang="ru">');
    expect(superseded.text).toContain('<h1>Отправлена более новая ссылка</h1>');
    // A link nobody issued names no survey: the browser's language is all there is.
    const unknown = await rating.sut.http().get(`/rate/${link.token.slice(0, -4)}AAAA`).set('accept-language', 'en-GB,en;q=0.9');
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('<html lang="en">');
  });

  // The site's link of the same partner said "withdrawn" while this page said "expired" (outside
  // tester, sixth session of 2026-12-04): a deactivated partner's link is withdrawn; only a link past
  // its expiry has expired.
  it('a deactivated partner’s link is the withdrawn page (410), records nothing; past its expiry it is the expired page', async () => {
    const ownPartnerId = randomUUID();
    const ticket = await rating.ticketCreated({ partnerId: ownPartnerId });
    const link = await rating.resolve({ ticketId: ticket.ticketId, partnerId: ownPartnerId }, 2);
    const setActive = async (active: boolean) => {
      await rating.publish(PartnerUpdatedV1, ownPartnerId, { partnerId: ownPartnerId, name: 'Acme', active, changedAt: clock.now().toISOString() });
      await waitFor(`rating has the partner ${active ? 'active' : 'inactive'}`, async () =>
        (await rating.sut.query<{ active: boolean }>(`SELECT active FROM rating.partners WHERE id = $1`, [ownPartnerId]))[0]?.active === active);
    };
    await setActive(false);
    const page = await rating.sut.http().get(`/rate/${link.token}`);
    const posted = await rating.sut.http().post(`/rate/${link.token}`).type('form').send({ score: '1', solved: 'no' });
    for (const refused of [page, posted]) {
      expect(refused.status).toBe(410);
      expect(refused.text).toContain('<h1>This link was withdrawn</h1>');
      expect(refused.text).not.toContain('expired');
    }
    expect(await rating.events(ticket.ticketId, 'rating.submitted')).toEqual([]);

    await setActive(true);
    clock.advanceMs(new Date(link.expiresAt).getTime() - clock.now().getTime() + 1_000);
    const expired = await rating.sut.http().get(`/rate/${link.token}`);
    expect(expired.status).toBe(410);
    expect(expired.text).toContain('<h1>This rating link has expired</h1>');
  });

  // An outside test: an expired link said "Ask support for a new one, or reply to the last e-mail you
  // received" (the support site's words): no route re-issues a rating link, and a reply after the
  // reopen window files a follow-up, not a rating.
  it('P11: an expired link says the time to rate has passed and how to say the problem is not solved, never to ask for a new link, in EN and RU, from the page and from a form opened before', async () => {
    const english = await linkFor('en');
    const russian = await linkFor('ru');
    const before = await rating.sut.http().get(`/rate/${english.link.token}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(before.text)?.[1];
    clock.advanceMs(new Date(russian.link.expiresAt).getTime() - clock.now().getTime() + 1_000);

    const page = await rating.sut.http().get(`/rate/${english.link.token}`);
    const posted = await rating.sut.http().post(`/rate/${english.link.token}`).type('form').send({ _csrf: csrf, score: '2', solved: 'no' });
    for (const refused of [page, posted]) {
      expect(refused.status).toBe(410);
      expect(refused.text).toContain('<h1>This rating link has expired</h1>');
      expect(refused.text).toContain(
        'The time to rate this resolution has passed, so this link no longer opens the rating form. If the problem is not solved, reply to the last e-mail you received about this request, or say so on the support site (its link is in that e-mail): the request is reopened, or a new request linked to it is opened.',
      );
      expect(refused.text).not.toContain('Ask support for a new one');
      expect(refused.text).not.toContain('<form');
    }
    const ru = await rating.sut.http().get(`/rate/${russian.link.token}`);
    expect(ru.status).toBe(410);
    expect(ru.text).toContain('<h1>Срок действия ссылки для оценки истёк</h1>');
    expect(ru.text).toContain('Время для оценки этого решения прошло');
    expect(ru.text).not.toContain('Попросите поддержку прислать новую');
    expect(await rating.events(english.ticket.ticketId, 'rating.submitted')).toEqual([]);
  });
});
