import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from '../support/test-platform';
import { cookieOf, csrfOf } from '../support/site-forms';

const HOUR_MS = 3_600_000;

/**
 * WCAG 2.2 SC 2.2.1 Timing Adjustable (an outside accessibility test): every form of the site and of
 * the rate page carried a CSRF token that expired after 12 h, without warning, into the 403 page
 * "The form has expired … Go back, reload the page and send it again": after Back the form kept the
 * stale token, after Reload the typed text was gone. A requester who opened the mail in the evening
 * and sent the next morning lost what they wrote. docs/adr/0045, addendum of the seventh session.
 */
describe('forms left open for a long time lose nothing (WCAG 2.2.1)', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let acme: { partnerId: string; clientId: string; clientSecret: string };
  let agent: { clientId: string; clientSecret: string };
  const clock = new TestClock('2026-06-01T18:00:00.000Z');
  const http = () => client.http();
  // Tokens last a quarter of an hour of the test clock, which these tests move by a day at a time.
  const acmeToken = () => client.token(acme.clientId, acme.clientSecret);
  const agentToken = () => client.token(agent.clientId, agent.clientSecret);

  beforeAll(async () => {
    platform = await startTestPlatform('long_open_forms', { clock });
    await platform.running.platform.app.listen({ host: '127.0.0.1', port: 0 });
    client = platform.client;
    const admin = await platform.adminToken();
    acme = await client.partner(admin, 'Acme Evenings');
    agent = await client.staff(admin, ['agent'], 'Nia Agent');
    await http().patch(`/v1/partners/${acme.partnerId}`).auth(admin, { type: 'bearer' }).send({ siteEnabled: true }).expect(200);
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const file = async (overrides: Record<string, unknown> = {}) => {
    const response = await http()
      .post('/v1/tickets')
      .auth(await acmeToken(), { type: 'bearer' })
      .send(sampleTicket({ requester: { id: 'cust-eve', email: 'eve@example.com' }, ...overrides }));
    expect(response.status).toBe(201);
    return response.body as { id: string; reference: string };
  };
  const linkPathOf = async (ticketId: string) => {
    const token = await acmeToken();
    return waitFor(`a site link for ${ticketId}`, async () => {
      const response = await http().post(`/v1/tickets/${ticketId}/site-links`).auth(token, { type: 'bearer' });
      if (response.status === 503) return undefined;
      expect(response.status).toBe(201);
      return new URL((response.body as { url: string }).url).pathname;
    });
  };
  const resolve = async (ticketId: string) => {
    const token = await agentToken();
    const read = await http().get(`/v1/tickets/${ticketId}`).auth(token, { type: 'bearer' });
    await http().patch(`/v1/tickets/${ticketId}`).auth(token, { type: 'bearer' }).set('if-match', read.headers.etag as string).send({ status: 'resolved' }).expect(200);
  };
  const messagesOf = (ticketId: string) =>
    platform.query<{ body: string }>('ticket-intake', `SELECT body FROM ticket_intake.messages WHERE ticket_id = $1 AND author_kind = 'requester' ORDER BY created_at`, [ticketId]);
  const statusOf = async (ticketId: string) => (await platform.query<{ status: string }>('ticket-intake', 'SELECT status FROM ticket_intake.tickets WHERE id = $1', [ticketId]))[0].status;
  /** The CSRF token of the form posting to `action`. */

  it('a reply typed in the evening and sent the next morning (13 h later) is sent at once', async () => {
    const ticket = await file();
    const path = await linkPathOf(ticket.id);
    const page = await http().get(path);
    clock.advanceMs(13 * HOUR_MS);
    const posted = await http().post(`${path}/reply`).field('_csrf', csrfOf(page.text, `${path}/reply`)).field('text', 'Typed last night, sent this morning.');
    expect(posted.status).toBe(303);
    expect(await messagesOf(ticket.id)).toEqual([{ body: 'Typed last night, sent this morning.' }]);
  });

  it('a reply form older than a form lasts comes back with the text typed, a fresh token and why; nothing is sent until it is sent again, then once', async () => {
    const ticket = await file();
    const path = await linkPathOf(ticket.id);
    const page = await http().get(path);
    const staleToken = csrfOf(page.text, `${path}/reply`);
    clock.advanceMs(25 * HOUR_MS);
    const posted = await http().post(`${path}/reply`).field('_csrf', staleToken).field('text', 'Written over <two> days.');
    expect(posted.status).toBe(400);
    expect(posted.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(posted.text).toContain('<a href="#text">This page was open for a long time: check your message and send it again</a>');
    expect(posted.text).toMatch(/<textarea id="text" name="text"[^>]*>Written over &lt;two&gt; days\.<\/textarea>/);
    const freshToken = csrfOf(posted.text, `${path}/reply`);
    expect(freshToken).not.toBe(staleToken);
    expect(await messagesOf(ticket.id)).toEqual([]);

    const again = await http().post(`${path}/reply`).field('_csrf', freshToken).field('text', 'Written over <two> days.');
    expect(again.status).toBe(303);
    expect(await messagesOf(ticket.id)).toEqual([{ body: 'Written over <two> days.' }]);
  });

  it('a stale reply form with files asks for the files again (a browser cannot keep them), in the page’s language', async () => {
    const ticket = await file({ language: 'ru' });
    const path = await linkPathOf(ticket.id);
    const page = await http().get(path);
    clock.advanceMs(25 * HOUR_MS);
    const posted = await http()
      .post(`${path}/reply`)
      .field('_csrf', csrfOf(page.text, `${path}/reply`))
      .field('text', 'Снимок экрана')
      .attach('file', Buffer.from('GIF89a'), { filename: 'screen.gif', contentType: 'image/gif' });
    expect(posted.status).toBe(400);
    expect(posted.text).toContain('<a href="#text">Страница была открыта долго: проверьте сообщение и отправьте его ещё раз</a>');
    expect(posted.text).toContain('<a href="#files">Страница была открыта долго: прикрепите файлы ещё раз</a>');
    expect(posted.text).toMatch(/<textarea id="text"[^>]*>Снимок экрана<\/textarea>/);
    expect(await messagesOf(ticket.id)).toEqual([]);
  });

  it('"my problem is not solved" sent from a stale form comes back with the reason typed; nothing is reopened until it is sent again', async () => {
    const ticket = await file();
    await resolve(ticket.id);
    const path = await linkPathOf(ticket.id);
    const page = await http().get(path);
    clock.advanceMs(25 * HOUR_MS);
    const posted = await http().post(`${path}/reopen`).type('form').send({ _csrf: csrfOf(page.text, `${path}/reopen`), reason: 'Still crashes on 4.2.2.' });
    expect(posted.status).toBe(400);
    expect(posted.text).toContain('<a href="#reason">This page was open for a long time: check what you wrote and send it again</a>');
    expect(posted.text).toMatch(/<textarea id="reason" name="reason"[^>]*>Still crashes on 4\.2\.2\.<\/textarea>/);
    expect(await statusOf(ticket.id)).toBe('resolved');

    const again = await http().post(`${path}/reopen`).type('form').send({ _csrf: csrfOf(posted.text, `${path}/reopen`), reason: 'Still crashes on 4.2.2.' });
    expect(again.status).toBe(303);
    expect(await statusOf(ticket.id)).not.toBe('resolved');
  });

  it('a new request sent from a stale form comes back filled in as sent, with a fresh token; nothing is filed until it is sent again', async () => {
    const action = `/support/new?partner=${acme.partnerId}`;
    const form = await http().get(action);
    const cookie = cookieOf(form);
    const fields = { product: 'reader', productVersion: '4.2.1', description: 'The reader closes on every EPUB.', name: 'Eve Evening' };
    const requests = async () => (await platform.query<{ n: number }>('ticket-intake', `SELECT count(*)::int AS n FROM ticket_intake.tickets WHERE partner_id = $1`, [acme.partnerId]))[0].n;
    const before = await requests();
    clock.advanceMs(25 * HOUR_MS);
    const posted = await http().post(action).set('cookie', cookie).type('form').send({ ...fields, _csrf: csrfOf(form.text, action) });
    expect(posted.status).toBe(400);
    expect(posted.text).toContain('<a href="#description">This page was open for a long time: check your request and send it again</a>');
    expect(posted.text).toMatch(/<textarea id="description"[^>]*>The reader closes on every EPUB\.<\/textarea>/);
    expect(posted.text).toContain('value="Eve Evening"');
    expect(await requests()).toBe(before);

    const again = await http().post(action).set('cookie', cookie).type('form').send({ ...fields, _csrf: csrfOf(posted.text, action) });
    expect(again.status).toBe(201);
    expect(await requests()).toBe(before + 1);
  });

  it('a rating sent from a stale rate page comes back with the choices and comment kept; nothing is recorded until it is sent again', async () => {
    const ticket = await file({ language: 'ru' });
    await resolve(ticket.id);
    const requested = await waitFor('the rating link', async () =>
      (await platform.query<{ url: string }>('rating', `SELECT event->'data'->>'rateUrl' AS url FROM rating.outbox WHERE event_type = 'rating.requested' AND event->>'subject' = $1`, [ticket.id]))[0],
    );
    const path = new URL(requested.url).pathname;
    const page = await http().get(path);
    const ratings = () => platform.query('rating', `SELECT r.score FROM rating.ratings r JOIN rating.surveys s ON s.id = r.survey_id WHERE s.ticket_id = $1`, [ticket.id]);
    clock.advanceMs(25 * HOUR_MS);
    const answer = { score: '4', solved: 'yes', comment: 'Помогли, спасибо.' };
    const posted = await http().post(path).type('form').send({ ...answer, _csrf: csrfOf(page.text, path) });
    expect(posted.status).toBe(400);
    expect(posted.text).toContain('<html lang="ru">');
    expect(posted.text).toContain('<a href="#score-0">Страница была открыта долго: проверьте оценку и отправьте её ещё раз</a>');
    expect(posted.text).toMatch(/<input type="radio" id="score-3" name="score" value="4" checked>/);
    expect(posted.text).toMatch(/<input type="radio" id="solved-0" name="solved" value="yes" checked>/);
    expect(posted.text).toMatch(/<textarea id="comment"[^>]*>Помогли, спасибо\.<\/textarea>/);
    expect(await ratings()).toEqual([]);

    const again = await http().post(path).type('form').send({ ...answer, _csrf: csrfOf(posted.text, path) });
    expect(again.status).toBe(303);
    expect(await ratings()).toEqual([{ score: 4 }]);
  });
});
