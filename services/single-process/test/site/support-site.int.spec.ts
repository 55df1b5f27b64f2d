import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { pngBytes } from '@tss/blob-storage/testing';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { SiteLinkKeys } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { contentSecurityPolicy } from '@tss/web-pages';
import { startTestPlatform, type TestPlatform } from '../support/test-platform';
import { cookieOf, csrfOf, fileAsVisitor } from '../support/site-forms';

// Issue #13, P8, P11, P12: the requester's support site served by the gateway, over HTTP, on the
// whole platform (browser checks are in site.browser.int.spec.ts).
describe('the support site (issue #13)', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let admin: string;
  let acme: { partnerId: string; token: string; clientId: string; clientSecret: string };
  let rival: { partnerId: string; token: string };
  let agent: { staffId: string; token: string };
  const clock = new TestClock('2026-06-01T09:00:00.000Z');
  const http = () => client.http();

  beforeAll(async () => {
    platform = await startTestPlatform('support_site', { clock });
    // The site calls intake over the app's own address once it listens (upstream/intake-api.ts).
    await platform.running.platform.app.listen({ host: '127.0.0.1', port: 0 });
    expect((platform.running.platform.app.server.address() as AddressInfo).port).toBeGreaterThan(0);
    client = platform.client;
    admin = await platform.adminToken();
    acme = await client.partner(admin, 'Acme Books');
    rival = await client.partner(admin, 'Rival Media');
    agent = await client.staff(admin, ['agent'], 'Bea Agent');
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const file = async (token: string, overrides: Record<string, unknown> = {}) => {
    const response = await http().post('/v1/tickets').auth(token, { type: 'bearer' }).send(sampleTicket({ requester: { id: 'cust-ann', email: 'ann@example.com' }, ...overrides }));
    expect(response.status).toBe(201);
    return response.body as { id: string; reference: string };
  };
  /** A link minted through the API, once the site has heard of the ticket (`ticket.created`). */
  const mint = async (token: string, ticketId: string) =>
    waitFor(`a site link for ${ticketId}`, async () => {
      const response = await http().post(`/v1/tickets/${ticketId}/site-links`).auth(token, { type: 'bearer' });
      if (response.status === 503) return undefined;
      expect(response.status).toBe(201);
      const body = response.body as { linkId: string; url: string; expiresAt: string };
      return { ...body, path: new URL(body.url).pathname, token: body.url.slice(body.url.lastIndexOf('/') + 1) };
    });
  const thread = async (ticketId: string) =>
    (await http().get(`/v1/tickets/${ticketId}/thread`).auth(agent.token, { type: 'bearer' })).body as {
      items: { id: string; body: string; visibility: string; channel: string; attachmentIds: string[]; author: { kind: string } }[];
    };
  const agentPost = (ticketId: string, body: string, visibility: 'public' | 'internal' = 'public') =>
    http().post(`/v1/tickets/${ticketId}/messages`).auth(agent.token, { type: 'bearer' }).send({ body, visibility }).expect(201);
  const resolve = async (ticketId: string) => {
    const read = await http().get(`/v1/tickets/${ticketId}`).auth(agent.token, { type: 'bearer' });
    await http().patch(`/v1/tickets/${ticketId}`).auth(agent.token, { type: 'bearer' }).set('if-match', read.headers.etag as string).send({ status: 'resolved' }).expect(200);
  };
  const close = async (ticketId: string) => {
    const read = await http().get(`/v1/tickets/${ticketId}`).auth(agent.token, { type: 'bearer' });
    await http().patch(`/v1/tickets/${ticketId}`).auth(agent.token, { type: 'bearer' }).set('if-match', read.headers.etag as string).send({ status: 'closed' }).expect(200);
  };
  const followUpsOf = (ticketId: string) =>
    platform.query<{ id: string; reference: string }>('ticket-intake', `SELECT id, reference FROM ticket_intake.tickets WHERE linked_ticket_id = $1`, [ticketId]);
  const expectPageHeaders = (response: { headers: Record<string, string> }) => {
    expect(response.headers['content-security-policy']).toBe(contentSecurityPolicy());
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
  };

  describe('site links through the API (P12)', () => {
    it('a partner mints a link for its ticket’s requester: 201, expiring after the configured 14 days', async () => {
      const ticket = await file(acme.token);
      const link = await mint(acme.token, ticket.id);
      expect(link.url).toMatch(/^http:\/\/127\.0\.0\.1:3000\/support\/t\/v2\./);
      expect(new Date(link.expiresAt).getTime() - clock.now().getTime()).toBe(14 * 86_400_000);
      const grant = SiteLinkKeys.fromSettings({}).verify(link.token, clock.now());
      expect(grant).toMatchObject({ ok: true, value: { linkId: link.linkId, ticketId: ticket.id, partnerId: acme.partnerId, requester: 'cust-ann' } });
    });

    it('another partner’s ticket is a 404, as intake answers; staff may mint for any partner', async () => {
      const ticket = await file(acme.token);
      await mint(acme.token, ticket.id); // the site knows the ticket now
      const foreign = await http().post(`/v1/tickets/${ticket.id}/site-links`).auth(rival.token, { type: 'bearer' });
      expect(foreign.status).toBe(404);
      expect(foreign.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect((await http().delete(`/v1/tickets/${ticket.id}/site-links/some-link`).auth(rival.token, { type: 'bearer' })).status).toBe(404);
      expect((await http().post(`/v1/tickets/${ticket.reference}/site-links`).auth(agent.token, { type: 'bearer' })).status).toBe(201);
    });

    it('requester tokens and tokens without tickets:write are refused (403); no token is a 401', async () => {
      const ticket = await file(acme.token);
      const requester = await client.requester(acme.token, 'cust-ann');
      expect((await http().post(`/v1/tickets/${ticket.id}/site-links`).auth(requester, { type: 'bearer' })).status).toBe(403);
      expect((await http().delete(`/v1/tickets/${ticket.id}/site-links/x`).auth(requester, { type: 'bearer' })).status).toBe(403);
      const quality = await client.staff(admin, ['quality'], 'Quinn Quality');
      expect((await http().post(`/v1/tickets/${ticket.id}/site-links`).auth(quality.token, { type: 'bearer' })).status).toBe(403);
      expect((await http().post(`/v1/tickets/${ticket.id}/site-links`)).status).toBe(401);
    });

    it('a ticket whose requester is named by address only gets a link for mail:<address> (docs/adr/0039)', async () => {
      const ticket = await file(acme.token, { requester: { email: 'Nobody@Example.com' } });
      const response = await waitFor('the site knows the ticket', async () => {
        const r = await http().post(`/v1/tickets/${ticket.id}/site-links`).auth(acme.token, { type: 'bearer' });
        return r.status === 503 ? undefined : r;
      });
      expect(response.status).toBe(201);
      expect(SiteLinkKeys.fromSettings({}).verify(response.body.url.split('/support/t/')[1], clock.now())).toMatchObject({ ok: true, value: { requester: 'mail:nobody@example.com' } });
    });

    it('a body with fields the route does not know is a 400 problem naming them, as elsewhere in the API; no body or {} mints', async () => {
      const ticket = await file(acme.token);
      await mint(acme.token, ticket.id);
      const refused = await http().post(`/v1/tickets/${ticket.id}/site-links`).auth(acme.token, { type: 'bearer' }).send({ language: 'ru', requester: 'cust-bob', ttl: 1 });
      expect(refused.status).toBe(400);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ additionalProperty: 'language' })]));
      expect((await http().post(`/v1/tickets/${ticket.id}/site-links`).auth(acme.token, { type: 'bearer' }).send({})).status).toBe(201);
      expect((await http().post(`/v1/tickets/${ticket.id}/site-links`).auth(acme.token, { type: 'bearer' })).status).toBe(201);
    });

    it('a ticket that names no requester at all gets no link (422)', async () => {
      const ticket = await file(acme.token, { requester: undefined });
      const response = await waitFor('the site knows the ticket', async () => {
        const r = await http().post(`/v1/tickets/${ticket.id}/site-links`).auth(acme.token, { type: 'bearer' });
        return r.status === 503 ? undefined : r;
      });
      expect(response.status).toBe(422);
    });
  });

  describe('the ticket page, /support/t/{token}', () => {
    it('shows the reference, status, level and the public thread in order: no internal notes, no credentials (P8, P9)', async () => {
      const ticket = await file(acme.token);
      await agentPost(ticket.id, 'First answer: please send a screenshot.');
      await agentPost(ticket.id, 'INTERNAL: customer is on the old licence', 'internal');
      const requester = await client.requester(acme.token, 'cust-ann');
      await http().post(`/v1/tickets/${ticket.id}/messages`).auth(requester, { type: 'bearer' }).send({ body: 'Here you go. password: Hunter2Secret!' }).expect(201);
      await agentPost(ticket.id, 'Second answer: fixed in 4.2.2.');
      const link = await mint(acme.token, ticket.id);

      const page = await http().get(link.path);
      expect(page.status).toBe(200);
      expectPageHeaders(page);
      expect(page.text).toContain('<html lang="en">');
      expect(page.text).toContain(`<title>Your request ${ticket.reference}</title>`);
      expect(page.text).toContain(`<dd class="reference">${ticket.reference}</dd>`);
      expect(page.text).toContain('<dt>Status</dt><dd>In progress</dd>');
      // P5: the level and its target from the ticket's clock (sla-timer hears of the ticket by its event).
      const withClock = await waitFor('the response clock on the page', async () => {
        const text = (await http().get(link.path)).text;
        return text.includes('response within') ? text : undefined;
      });
      expect(withClock).toContain('<dd>Standard (response within 12 hours)</dd>');
      const first = page.text.indexOf('First answer');
      const mine = page.text.indexOf('Here you go.');
      const second = page.text.indexOf('Second answer');
      expect(first).toBeGreaterThan(0);
      expect(mine).toBeGreaterThan(first);
      expect(second).toBeGreaterThan(mine);
      expect(page.text).not.toContain('INTERNAL');
      expect(page.text).not.toContain('Hunter2Secret');
      expect(page.text).not.toMatch(/<script|style=/i);
      // No "not solved" before the ticket is resolved.
      expect(page.text).not.toContain(`${link.path}/reopen`);
    });

    it('a thread longer than a page of intake’s shows whole, in order (intake hands the thread out a page at a time)', async () => {
      const ticket = await file(acme.token);
      // 450 agent answers written straight to intake's table: more than two of its largest pages.
      await platform.query(
        'ticket-intake',
        `INSERT INTO ticket_intake.messages (id, ticket_id, partner_id, author_kind, author_id, visibility, channel, body, created_at)
         SELECT gen_random_uuid(), $1, $2, 'agent', $3, 'public', 'api', 'Answer number ' || n || '.', $4 FROM generate_series(1, 450) AS n ORDER BY n`,
        [ticket.id, acme.partnerId, agent.staffId, clock.now()],
      );
      const link = await mint(acme.token, ticket.id);

      const page = await http().get(link.path);
      expect(page.status).toBe(200);
      const shown = [...page.text.matchAll(/Answer number (\d+)\./g)].map((m) => Number(m[1]));
      expect(shown).toEqual(Array.from({ length: 450 }, (_, i) => i + 1));
    });

    it("P5: the level's response time is the partner's agreement, and the page shows when the response owed is due", async () => {
      const HOUR = 3_600_000;
      const terms = (targetMs: number) => ({ targetMs, phoneSupport: false });
      const agreement = { levels: { emergency: terms(2 * HOUR), standard: terms(4 * HOUR), consulting: terms(21 * HOUR), development: terms(3 * 24 * HOUR) }, warningAt: [0.75], overdueAt: 1.5 };
      // Agreements name partners sla-timer learned from the gateway (docs/adr/0031, addendum of 2026-12-04, fourth session).
      await platform.partnerKnownToSlaTimer(rival.partnerId);
      const stored = await http().put(`/v1/partners/${rival.partnerId}/sla-policy`).auth(admin, { type: 'bearer' }).send(agreement);
      expect(stored.status).toBe(200);
      const ticket = await file(rival.token, { language: 'ru' });
      const link = await mint(rival.token, ticket.id);
      const page = await waitFor('the response clock on the page', async () => {
        const text = (await http().get(link.path)).text;
        return text.includes('ответ в течение') ? text : undefined;
      });
      expect(page).toContain('<dd>Стандартный (ответ в течение 4 часов)</dd>');
      // Not the rules' default (a reference or a time on the page may well hold the digits 12).
      expect(page).not.toContain('в течение 12 часов');
      const dueAt = new Date(clock.now().getTime() + 4 * HOUR).toISOString();
      expect(page).toContain(`<dt>Мы ответим не позднее</dt><dd><time datetime="${dueAt}">`);
      // Answered: nothing is owed, so no due time; the level keeps the agreement's target.
      await agentPost(ticket.id, 'Answer.');
      const answered = await waitFor('the clock stopped', async () => {
        const text = (await http().get(link.path)).text;
        return text.includes('Мы ответим не позднее') ? undefined : text;
      });
      expect(answered).toContain('<dd>Стандартный (ответ в течение 4 часов)</dd>');
    });

    it('a reply with text lands on the ticket, then a 303 back to the page with a notice', async () => {
      const ticket = await file(acme.token);
      const link = await mint(acme.token, ticket.id);
      const page = await http().get(link.path);
      const posted = await http().post(`${link.path}/reply`).field('_csrf', csrfOf(page.text, `${link.path}/reply`)).field('text', 'It happens with <b>PDF</b> files too.');
      expect(posted.status).toBe(303);
      expect(posted.headers.location).toBe(`${link.path}?done=reply#main`);
      // P12: written on the support site, and recorded so.
      expect((await thread(ticket.id)).items).toEqual([
        expect.objectContaining({ body: 'It happens with <b>PDF</b> files too.', visibility: 'public', channel: 'site', author: expect.objectContaining({ kind: 'requester' }) }),
      ]);
      const after = await http().get(`${link.path}?done=reply`);
      expect(after.text).toContain('<div class="notice" role="status"><p>Your reply was sent.');
      expect(after.text).toContain('It happens with &lt;b&gt;PDF&lt;/b&gt; files too.');
    });

    it('a reply with an attachment lands on the ticket and downloads from the page', async () => {
      const ticket = await file(acme.token);
      const link = await mint(acme.token, ticket.id);
      const page = await http().get(link.path);
      const png = pngBytes();
      const posted = await http()
        .post(`${link.path}/reply`)
        .field('_csrf', csrfOf(page.text, `${link.path}/reply`))
        .field('text', 'Screenshot attached.')
        .attach('file', png, { filename: 'screen.png', contentType: 'image/png' });
      expect(posted.status).toBe(303);
      const [message] = (await thread(ticket.id)).items;
      expect(message).toMatchObject({ body: 'Screenshot attached.', channel: 'site', attachmentIds: [expect.any(String)] });
      const shown = await http().get(link.path);
      const href = `${link.path}/attachments/${message.attachmentIds[0]}`;
      expect(shown.text).toContain(`<a href="${href}" download dir="auto">screen.png</a>`);
      const download = await http().get(href).buffer(true);
      expect(download.status).toBe(200);
      expect(download.headers['content-type']).toBe('image/png');
      expect(download.headers['content-disposition']).toMatch(/^attachment;/);
      expect(download.headers['cache-control']).toBe('no-store');
      expect(Buffer.compare(download.body as Buffer, png)).toBe(0);
    });

    it('a file whose name has double quotes, sent as browsers send it (%22), shows and downloads under its own name, encoded once', async () => {
      const ticket = await file(acme.token);
      const link = await mint(acme.token, ticket.id);
      const page = await http().get(link.path);
      const boundary = '----tss-site-browser';
      const field = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
      const body = Buffer.concat([
        Buffer.from(field('_csrf', csrfOf(page.text, `${link.path}/reply`)) + field('text', 'Quoted name.')),
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="Ärger 截图 %22quoted%22.png"\r\nContent-Type: image/png\r\n\r\n`),
        pngBytes(),
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const posted = await http().post(`${link.path}/reply`).set('content-type', `multipart/form-data; boundary=${boundary}`).send(body);
      expect(posted.status).toBe(303);
      const [message] = (await thread(ticket.id)).items.filter((m) => m.body === 'Quoted name.');
      const href = `${link.path}/attachments/${message.attachmentIds[0]}`;
      expect((await http().get(link.path)).text).toContain(`<a href="${href}" download dir="auto">Ärger 截图 &quot;quoted&quot;.png</a>`);
      const download = await http().get(href).buffer(true);
      expect(download.headers['content-disposition']).toBe(`attachment; filename="_rger __ _quoted_.png"; filename*=UTF-8''%C3%84rger%20%E6%88%AA%E5%9B%BE%20%22quoted%22.png`);
    });

    it('the same reply form with a file posted twice is one message with one file; nothing shows under the request (docs/adr/0028)', async () => {
      const ticket = await file(acme.token);
      const link = await mint(acme.token, ticket.id);
      const page = await http().get(link.path);
      const csrf = csrfOf(page.text, `${link.path}/reply`);
      const png = pngBytes();
      const post = () => http().post(`${link.path}/reply`).field('_csrf', csrf).field('text', 'dup').attach('file', png, { filename: 'dup.png', contentType: 'image/png' });
      expect((await post()).status).toBe(303);
      expect((await post()).status).toBe(303);

      const { items } = await thread(ticket.id);
      expect(items).toEqual([expect.objectContaining({ body: 'dup', attachmentIds: [expect.any(String)] })]);
      const stored = await platform.query<{ id: string; message_id: string | null }>('ticket-intake', 'SELECT id, message_id FROM ticket_intake.attachments WHERE ticket_id = $1', [ticket.id]);
      expect(stored).toEqual([{ id: items[0].attachmentIds[0], message_id: items[0].id }]);
      const shown = (await http().get(link.path)).text;
      expect(shown.slice(shown.indexOf('<h2>Your description of the problem</h2>'), shown.indexOf('<h2>Conversation</h2>'))).not.toContain('dup.png');
    });

    it('files sent with the request itself are listed under it, downloadable', async () => {
      const ticket = await file(acme.token);
      const ann = await client.requester(acme.token, 'cust-ann');
      const upload = await http().post(`/v1/tickets/${ticket.id}/attachments`).auth(ann, { type: 'bearer' }).attach('file', pngBytes(), { filename: 'before.png', contentType: 'image/png' });
      expect(upload.status).toBe(201);
      const attachmentId = (upload.body as { items: { id: string }[] }).items[0].id;
      const link = await mint(acme.token, ticket.id);
      const page = await http().get(link.path);
      const request = page.text.slice(page.text.indexOf('<h2>Your description of the problem</h2>'), page.text.indexOf('<h2>Conversation</h2>'));
      expect(request).toContain(`<a href="${link.path}/attachments/${attachmentId}" download dir="auto">before.png</a>`);
      expect((await http().get(`${link.path}/attachments/${attachmentId}`)).status).toBe(200);
    });

    it('a refused file comes back as the form’s error linked to the field; nothing is recorded', async () => {
      const ticket = await file(acme.token);
      const link = await mint(acme.token, ticket.id);
      const page = await http().get(link.path);
      const posted = await http()
        .post(`${link.path}/reply`)
        .field('_csrf', csrfOf(page.text, `${link.path}/reply`))
        .field('text', 'A document.')
        .attach('file', Buffer.from('%PDF-1.4 not an image'), { filename: 'notes.png', contentType: 'image/png' });
      expect(posted.status).toBeGreaterThanOrEqual(400);
      expect(posted.status).toBeLessThan(500);
      expectPageHeaders(posted);
      expect(posted.text).toContain('<h2 id="error-summary-title">There is a problem</h2>');
      expect(posted.text).toMatch(/<li><a href="#files">[^<]+<\/a><\/li>/);
      expect(posted.text).toContain('A document.</textarea>');
      expect((await thread(ticket.id)).items).toEqual([]);
    });

    it('an empty reply is the form again with its error, nothing recorded', async () => {
      const ticket = await file(acme.token);
      const link = await mint(acme.token, ticket.id);
      const page = await http().get(link.path);
      const posted = await http().post(`${link.path}/reply`).field('_csrf', csrfOf(page.text, `${link.path}/reply`)).field('text', '   ');
      expect(posted.status).toBe(400);
      expect(posted.text).toContain('<li><a href="#text">Enter your message</a></li>');
      expect((await thread(ticket.id)).items).toEqual([]);
    });

    it('more files than a reply may carry is the form’s error (413), nothing recorded', async () => {
      const ticket = await file(acme.token);
      const link = await mint(acme.token, ticket.id);
      const page = await http().get(link.path);
      let request = http().post(`${link.path}/reply`).field('_csrf', csrfOf(page.text, `${link.path}/reply`)).field('text', 'Many screenshots.');
      for (let i = 0; i < 21; i += 1) request = request.attach('file', pngBytes(), { filename: `s${i}.png`, contentType: 'image/png' });
      const posted = await request;
      expect(posted.status).toBe(413);
      expectPageHeaders(posted);
      expect(posted.text).toMatch(/<li><a href="#files">[^<]+<\/a><\/li>/);
      expect((await thread(ticket.id)).items).toEqual([]);
    });

    // The 403 page said "The form has expired" of a token that was missing or wrong (outside
    // accessibility test, SC 2.4.6): an old token of ours is no refusal (long-open-forms.int.spec.ts).
    it('CSRF: a missing, wrong, other-form or other-link token is a 403 page that does not say the form expired, and nothing is recorded', async () => {
      const ticket = await file(acme.token);
      const link = await mint(acme.token, ticket.id);
      const other = await mint(acme.token, ticket.id);
      const otherPage = await http().get(other.path);
      await resolve(ticket.id);
      const page = await http().get(link.path);
      const reopenToken = csrfOf(page.text, `${link.path}/reopen`);
      const attempts = [
        http().post(`${link.path}/reply`).field('text', 'no token'),
        http().post(`${link.path}/reply`).field('_csrf', '1796119200.yi9Cl7ACdy0B2Xx8bCMh2wIjh6L00qo_CXIzuFTMw64').field('text', 'forged token'),
        http().post(`${link.path}/reply`).field('_csrf', reopenToken).field('text', 'the reopen form’s token'),
        http().post(`${link.path}/reply`).field('_csrf', csrfOf(otherPage.text, `${other.path}/reply`)).field('text', 'another link’s token'),
        http().post(`${link.path}/reopen`).type('form').send({ reason: 'no token' }),
        http().post(`${link.path}/reopen`).type('form').send({ _csrf: csrfOf(page.text, `${link.path}/reply`), reason: 'the reply form’s token' }),
      ];
      for (const attempt of attempts) {
        const response = await attempt;
        expect(response.status).toBe(403);
        expectPageHeaders(response);
        expect(response.text).toContain('<h1>This form could not be accepted</h1>');
        expect(response.text).not.toContain('expired');
      }
      expect((await thread(ticket.id)).items).toEqual([]);
      expect((await http().get(`/v1/tickets/${ticket.id}`).auth(acme.token, { type: 'bearer' })).body.status).toBe('resolved');
    });

    it('"my problem is not solved" reopens a resolved ticket (P11)', async () => {
      const ticket = await file(acme.token);
      await agentPost(ticket.id, 'Fixed, please update.');
      await resolve(ticket.id);
      const link = await mint(acme.token, ticket.id);
      const page = await http().get(link.path);
      expect(page.text).toContain('<dd>Resolved</dd>');
      expect(page.text).toContain('My problem is not solved');
      const posted = await http().post(`${link.path}/reopen`).type('form').send({ _csrf: csrfOf(page.text, `${link.path}/reopen`), reason: 'Still crashes.' });
      expect(posted.status).toBe(303);
      expect(posted.headers.location).toBe(`${link.path}?done=reopened#main`);
      const read = await http().get(`/v1/tickets/${ticket.id}`).auth(acme.token, { type: 'bearer' });
      expect(read.body).toMatchObject({ status: 'open', responseOwed: true });
      // "What is still wrong" is the requester's message on the thread, not only a line of the history (P7, P9 apply to it).
      expect((await thread(ticket.id)).items.at(-1)).toMatchObject({ body: 'Still crashes.', channel: 'site', author: { kind: 'requester' } });
      const reopenedPage = await http().get(`${link.path}?done=reopened`);
      expect(reopenedPage.text).toContain('Your request is open again.');
      expect(reopenedPage.text).toContain('Still crashes.');
    });

    it("P11: the requester's reply on the site to a resolved ticket reopens it, as a reply to the resolved mail does", async () => {
      const ticket = await file(acme.token);
      await agentPost(ticket.id, 'Fixed, please update.');
      await resolve(ticket.id);
      const link = await mint(acme.token, ticket.id);
      const page = await http().get(link.path);
      const posted = await http().post(`${link.path}/reply`).field('_csrf', csrfOf(page.text, `${link.path}/reply`)).field('text', 'It still crashes after the update.');
      expect(posted.status).toBe(303);
      expect(posted.headers.location).toBe(`${link.path}?done=reply#main`);
      const read = await http().get(`/v1/tickets/${ticket.id}`).auth(acme.token, { type: 'bearer' });
      expect(read.body).toMatchObject({ status: 'open', responseOwed: true });
      const shown = await http().get(`${link.path}?done=reply`);
      expect(shown.text).toContain('Your reply was sent. Support will answer here and by e-mail.');
      expect(shown.text).toContain('<dt>Status</dt><dd>In progress</dd>');
    });

    it('P11: "not solved" sent twice from one form (a double click) reopens once, and the repeat shows the same success page', async () => {
      const ticket = await file(acme.token);
      await agentPost(ticket.id, 'Fixed, please update.');
      await resolve(ticket.id);
      const link = await mint(acme.token, ticket.id);
      const page = await http().get(link.path);
      const fields = { _csrf: csrfOf(page.text, `${link.path}/reopen`), reason: 'Still crashes twice.' };
      const first = await http().post(`${link.path}/reopen`).type('form').send(fields);
      const second = await http().post(`${link.path}/reopen`).type('form').send(fields);
      expect([first.status, second.status]).toEqual([303, 303]);
      expect(first.headers.location).toBe(`${link.path}?done=reopened#main`);
      expect(second.headers.location).toBe(first.headers.location);
      expect((await thread(ticket.id)).items.filter((m) => m.body === 'Still crashes twice.')).toHaveLength(1);
    });

    it('P11: on a closed ticket "not solved" files one follow-up per form; a repeat shows the same one, and then the page names it instead of offering another', async () => {
      const ticket = await file(acme.token);
      await resolve(ticket.id);
      await close(ticket.id);
      const link = await mint(acme.token, ticket.id);
      const page = await http().get(link.path);
      const csrf = csrfOf(page.text, `${link.path}/reopen`);
      const first = await http().post(`${link.path}/reopen`).type('form').send({ _csrf: csrf, reason: 'Not solved.' });
      const second = await http().post(`${link.path}/reopen`).type('form').send({ _csrf: csrf, reason: 'Not solved.' });
      expect([first.status, second.status]).toEqual([303, 303]);
      const followUps = await followUpsOf(ticket.id);
      expect(followUps).toHaveLength(1);
      expect(first.headers.location).toBe(`${link.path}?done=followup&ref=${followUps[0].reference}#main`);
      expect(second.headers.location).toBe(first.headers.location);
      const after = await http().get(link.path);
      expect(after.text).toContain(followUps[0].reference);
      expect(after.text).not.toContain(`action="${link.path}/reopen"`);
      // A form left open in another tab, sent later with other words, files no second follow-up.
      const stale = await http().post(`${link.path}/reopen`).type('form').send({ _csrf: csrf, reason: 'Still not solved.' });
      expect(stale.status).toBe(303);
      expect(stale.headers.location).toBe(first.headers.location);
      expect(await followUpsOf(ticket.id)).toHaveLength(1);
    });

    it('P6: a ticket closed as out of scope shows why and whom to turn to, and no reply form (intake takes no replies on it)', async () => {
      const ticket = await file(acme.token);
      const read = await http().get(`/v1/tickets/${ticket.id}`).auth(agent.token, { type: 'bearer' });
      await http()
        .patch(`/v1/tickets/${ticket.id}`)
        .auth(agent.token, { type: 'bearer' })
        .set('if-match', read.headers.etag as string)
        .send({ status: 'closed', closure: { reason: 'malware_removal', thirdParty: 'security_software_vendor' } })
        .expect(200);
      const link = await mint(acme.token, ticket.id);
      const page = await http().get(link.path);
      expect(page.status).toBe(200);
      expect(page.text).toContain('<dt>Status</dt><dd>Closed</dd>');
      expect(page.text).toContain('<dt>Why it was closed</dt><dd>Outside technical support: Malware removal from client&#39;s device won&#39;t work</dd>');
      expect(page.text).toContain('<dt>Please turn to</dt><dd>The vendor of your security (antivirus) software</dd>');
      expect(page.text).toContain('This request is closed, so it takes no more replies.');
      expect(page.text).not.toContain(`${link.path}/reply`);
      // "Not solved" still opens a linked request.
      expect(page.text).toContain(`${link.path}/reopen`);
    });

    // SC 2.4.6 (outside accessibility test): the H1 "Your request TSS-…" was followed by an H2 "Your
    // request" heading the description, «Ваше обращение» twice in Russian.
    it('its headings say what each part is: none under the H1 repeats it (SC 2.4.6), in English and Russian', async () => {
      for (const language of ['en', 'ru'] as const) {
        const ticket = await file(acme.token, { language });
        const page = await http().get((await mint(acme.token, ticket.id)).path);
        const h1 = /<h1>([^<]+)<\/h1>/.exec(page.text)![1];
        const h2s = [...page.text.matchAll(/<h2[^>]*>([^<]+)<\/h2>/g)].map((m) => m[1]);
        expect({ language, h2s }).toEqual({
          language,
          h2s: language === 'en' ? ['Your description of the problem', 'Conversation', 'Reply'] : ['Ваше описание проблемы', 'Переписка', 'Ответить'],
        });
        for (const h2 of h2s) expect(h1.startsWith(h2)).toBe(false);
      }
    });

    it('is in Russian for a Russian requester’s link, and by Accept-Language otherwise', async () => {
      const ticket = await file(acme.token, { language: 'ru' });
      const link = await mint(acme.token, ticket.id);
      const page = await http().get(link.path).set('accept-language', 'en-GB');
      expect(page.text).toContain('<html lang="ru">');
      expect(page.text).toContain(`<title>Ваше обращение ${ticket.reference}</title>`);
      expect(page.text).toContain('Перейти к основному содержанию');
      expect(page.text).toContain('<dd>Получено</dd>');
      const english = await file(acme.token);
      const englishLink = await mint(acme.token, english.id);
      const byBrowser = await http().get(englishLink.path).set('accept-language', 'ru-RU,ru;q=0.9,en;q=0.5');
      // An English ticket's link names its language, which wins over the browser's.
      expect(byBrowser.text).toContain('<html lang="en">');
      expect((await http().get('/support/t/nonsense').set('accept-language', 'ru')).text).toContain('<html lang="ru">');
    });

    it('on a Russian page intake’s refusals are in Russian: a file of a type it refuses, too many files (with the limit), a reopen of an open ticket', async () => {
      const ticket = await file(acme.token, { language: 'ru' });
      const link = await mint(acme.token, ticket.id);
      const page = await http().get(link.path);
      const refusedFile = await http()
        .post(`${link.path}/reply`)
        .field('_csrf', csrfOf(page.text, `${link.path}/reply`))
        .field('text', 'Документ.')
        .attach('file', Buffer.from('%PDF-1.4 not an image'), { filename: 'notes.png', contentType: 'image/png' });
      const fileError = /<li><a href="#files">([^<]+)<\/a><\/li>/.exec(refusedFile.text)?.[1];
      expect(fileError).toContain('notes.png');
      expect(fileError).toContain('принимаются только изображения JPG, GIF и PNG');
      expect(fileError).toContain('«notes.png»');
      expect(fileError).not.toMatch(/[A-Za-z]{4,} [A-Za-z]{4,}/);

      let many = http().post(`${link.path}/reply`).field('_csrf', csrfOf(page.text, `${link.path}/reply`)).field('text', 'Много снимков.');
      for (let i = 0; i < 21; i += 1) many = many.attach('file', pngBytes(), { filename: `s${i}.png`, contentType: 'image/png' });
      const tooMany = await many;
      expect(tooMany.status).toBe(413);
      expect(/<li><a href="#files">([^<]+)<\/a><\/li>/.exec(tooMany.text)?.[1]).toBe('Прикрепить файлы: не более 20 файлов, каждый не больше 25 МБ');

      await resolve(ticket.id);
      const resolvedPage = await http().get(link.path);
      await http().post(`/v1/tickets/${ticket.id}/reopen`).auth(acme.token, { type: 'bearer' }).send({}).expect(200);
      const stale = await http().post(`${link.path}/reopen`).type('form').send({ _csrf: csrfOf(resolvedPage.text, `${link.path}/reopen`), reason: 'Снова.' });
      expect(stale.status).toBe(409);
      const reopenError = /<li><a href="#reason">([^<]+)<\/a><\/li>/.exec(stale.text)?.[1];
      expect(reopenError).toBe('Снова открыть можно только решённое обращение, а это обращение сейчас не решено.');
    });

    it('P9: masked access particulars read in the page’s language', async () => {
      const ticket = await file(acme.token, { language: 'ru' });
      const ann = await client.requester(acme.token, 'cust-ann');
      await http().post(`/v1/tickets/${ticket.id}/messages`).auth(ann, { type: 'bearer' }).send({ body: 'Вход: логин ann, пароль: Hunter2Secret!' }).expect(201);
      const page = await http().get((await mint(acme.token, ticket.id)).path);
      expect(page.text).not.toContain('Hunter2Secret');
      expect(page.text).not.toContain('credentials stored securely');
      expect(page.text).toMatch(/\[данные для доступа перенесены в защищённое хранилище: TSS #[0-9a-f]{8}\]/);
    });

    it('web addresses in messages are links, escaped and marked rel="noopener noreferrer nofollow"; nothing else becomes markup', async () => {
      const ticket = await file(acme.token);
      await agentPost(ticket.id, 'See https://docs.example.com/setup?a=1&b=2 (section 3). Not javascript:alert(1) or <a href="https://evil.example">x</a>.');
      const page = await http().get((await mint(acme.token, ticket.id)).path);
      expect(page.text).toContain('See <a href="https://docs.example.com/setup?a=1&amp;b=2" rel="noopener noreferrer nofollow">https://docs.example.com/setup?a=1&amp;b=2</a> (section 3).');
      expect(page.text).toContain('Not javascript:alert(1) or &lt;a href=&quot;<a href="https://evil.example" rel="noopener noreferrer nofollow">https://evil.example</a>&quot;&gt;x&lt;/a&gt;.');
      // The site's own footer: this page's address opens the request.
      expect(page.text).toContain('Keep its address to yourself');
    });

    it('serves its stylesheet from a hashed address, cacheable', async () => {
      const ticket = await file(acme.token);
      const page = await http().get((await mint(acme.token, ticket.id)).path);
      const href = /<link rel="stylesheet" href="([^"]+)">/.exec(page.text)![1];
      expect(href).toMatch(/^\/support\/assets\/pages\.[0-9a-f]{12}\.css$/);
      const css = await http().get(href);
      expect(css.status).toBe(200);
      expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
      expect(css.headers['cache-control']).toContain('immutable');
    });
  });

  describe('links that open nothing: a plain page, nothing recorded', () => {
    it('a forged, malformed or unknown-key link is a 404 page', async () => {
      const ticket = await file(acme.token);
      const link = await mint(acme.token, ticket.id);
      const forged = `${link.token.slice(0, -2)}${link.token.endsWith('AA') ? 'BB' : 'AA'}`;
      const [version, kid, sealed] = link.token.split('.');
      const bytes = Buffer.from(sealed, 'base64url');
      bytes[20] ^= 0x01;
      const flipped = [version, kid, bytes.toString('base64url')].join('.');
      // A readable payload naming someone else under the link's key id, as the signed-only links were (v1): its MAC is made up.
      const claims = { l: randomUUID(), t: ticket.id, p: acme.partnerId, r: 'someone-else', e: Math.floor(new Date(link.expiresAt).getTime() / 1000) };
      const relabelled = `v1.${kid}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${'A'.repeat(43)}`;
      for (const token of [forged, flipped, relabelled, 'garbage', `v2.nokey.${sealed}`]) {
        const page = await http().get(`/support/t/${token}`);
        expect(page.status).toBe(404);
        expectPageHeaders(page);
        expect(page.text).toContain('<h1>Page not found</h1>');
        expect(page.text).not.toContain(ticket.reference);
        const reply = await http().post(`/support/t/${token}/reply`).field('text', 'x');
        expect(reply.status).toBe(404);
      }
      expect((await thread(ticket.id)).items).toEqual([]);
    });

    it('a site address that serves nothing is the site’s 404 page, not the API’s problem', async () => {
      for (const path of ['/support/new/?partner=x', '/support/nothing', '/support/t']) {
        const page = await http().get(path);
        expect(page.status).toBe(404);
        expectPageHeaders(page);
        expect(page.text).toContain('<h1>Page not found</h1>');
      }
      const api = await http().get('/v1/nothing');
      expect(api.status).toBe(404);
      expect(api.headers['content-type']).toContain('application/problem+json');
    });

    it('a revoked link is a 410 page saying it was withdrawn, not that it expired, and revoking is idempotent', async () => {
      const ticket = await file(acme.token);
      const link = await mint(acme.token, ticket.id);
      const page = await http().get(link.path);
      expect(page.status).toBe(200);
      await http().delete(`/v1/tickets/${ticket.id}/site-links/${link.linkId}`).auth(acme.token, { type: 'bearer' }).expect(204);
      await http().delete(`/v1/tickets/${ticket.reference}/site-links/${link.linkId}`).auth(acme.token, { type: 'bearer' }).expect(204);
      const revoked = await http().get(link.path);
      expect(revoked.status).toBe(410);
      expect(revoked.text).toContain('<h1>This link was withdrawn</h1>');
      expect(revoked.text).not.toContain('expired');
      // In the link's language (this ticket's, English), as its live page was, whatever the browser asks.
      const russian = await http().get(link.path).set('accept-language', 'ru');
      expect(russian.status).toBe(410);
      expect(russian.text).toContain('<h1>This link was withdrawn</h1>');
      const reply = await http().post(`${link.path}/reply`).field('_csrf', csrfOf(page.text, `${link.path}/reply`)).field('text', 'after revocation');
      expect(reply.status).toBe(410);
      expect((await thread(ticket.id)).items).toEqual([]);
      // Another link of the same ticket still opens.
      expect((await http().get((await mint(acme.token, ticket.id)).path)).status).toBe(200);
    });

    it("another partner revoking a link's id through its own ticket neither revokes the link nor stops its owner revoking it", async () => {
      const ticket = await file(acme.token);
      const link = await mint(acme.token, ticket.id);
      const rivals = await file(rival.token, { requester: { id: 'cust-rival', email: 'rival@example.com' } });
      // The site hears of the rival's new ticket a moment after filing (503 until then).
      await waitFor('the rival ticket known to the site', async () => (await http().delete(`/v1/tickets/${rivals.id}/site-links/${link.linkId}`).auth(rival.token, { type: 'bearer' })).status === 204);
      expect((await http().get(link.path)).status).toBe(200);
      await http().delete(`/v1/tickets/${ticket.id}/site-links/${link.linkId}`).auth(acme.token, { type: 'bearer' }).expect(204);
      expect((await http().get(link.path)).status).toBe(410);
    });

    it('a link never shows another ticket: not another ticket’s attachment, not a ticket of another requester', async () => {
      const mine = await file(acme.token);
      const theirs = await file(acme.token, { requester: { id: 'cust-bob' } });
      const bob = await client.requester(acme.token, 'cust-bob');
      const upload = await http().post(`/v1/tickets/${theirs.id}/attachments`).auth(bob, { type: 'bearer' }).attach('file', pngBytes(), { filename: 'bob.png', contentType: 'image/png' });
      expect(upload.status).toBe(201);
      const bobsAttachment = (upload.body as { items: { id: string }[] }).items[0].id;
      const link = await mint(acme.token, mine.id);
      expect((await http().get(`${link.path}/attachments/${bobsAttachment}`)).status).toBe(404);
      // A correctly signed link naming Bob's ticket for Ann (as if its grant were mixed up) opens nothing.
      const { token } = SiteLinkKeys.fromSettings({}).mint({ ticketId: theirs.id, partnerId: acme.partnerId, requester: 'cust-ann', expiresAt: new Date(clock.now().getTime() + 3_600_000) });
      const page = await http().get(`/support/t/${token}`);
      expect(page.status).toBe(404);
      expect(page.text).not.toContain(theirs.reference);
    });

    it('an expired link is a 410 page saying it expired', async () => {
      const ticket = await file(acme.token);
      const { token } = SiteLinkKeys.fromSettings({}).mint({ ticketId: ticket.id, partnerId: acme.partnerId, requester: 'cust-ann', expiresAt: new Date(clock.now().getTime() + 60_000) });
      expect((await http().get(`/support/t/${token}`)).status).toBe(200);
      clock.advanceMs(60_000);
      const expired = await http().get(`/support/t/${token}`);
      expect(expired.status).toBe(410);
      expectPageHeaders(expired);
      expect(expired.text).toContain('<h1>This link has expired</h1>');
      expect((await http().get(`/support/t/${token}`).set('accept-language', 'ru')).text).toContain('<h1>Срок действия ссылки истёк</h1>');
    });
  });

  // A Russian ticket's revoked or expired link said "This link was withdrawn" in English unless the
  // browser asked for Russian (outside tester, sixth session of 2026-12-04): the link's own language
  // is trusted once its signature holds, never that of a link whose signature fails.
  describe('the language of a link that opens nothing', () => {
    it('a revoked link’s 410 page is in the signed link’s language, whatever the browser asks', async () => {
      const ticket = await file(acme.token, { language: 'ru' });
      const link = await mint(acme.token, ticket.id);
      expect((await http().get(link.path)).text).toContain('<html lang="ru">');
      await http().delete(`/v1/tickets/${ticket.id}/site-links/${link.linkId}`).auth(acme.token, { type: 'bearer' }).expect(204);
      for (const acceptLanguage of [undefined, 'en']) {
        const request = http().get(link.path);
        const revoked = await (acceptLanguage ? request.set('accept-language', acceptLanguage) : request);
        expect(revoked.status).toBe(410);
        expect(revoked.text).toContain('<html lang="ru">');
        expect(revoked.text).toContain('<h1>Эта ссылка отозвана</h1>');
      }
    });

    it('an expired link’s 410 page is in its language; a link whose signature fails is in the browser’s', async () => {
      const ticket = await file(acme.token, { language: 'ru' });
      const keys = SiteLinkKeys.fromSettings({});
      const { token } = keys.mint({ ticketId: ticket.id, partnerId: acme.partnerId, requester: 'cust-ann', language: 'ru', expiresAt: new Date(clock.now().getTime() + 60_000) });
      clock.advanceMs(60_000);
      const expired = await http().get(`/support/t/${token}`);
      expect(expired.status).toBe(410);
      expect(expired.text).toContain('<html lang="ru">');
      expect(expired.text).toContain('<h1>Срок действия ссылки истёк</h1>');

      // The same payload under a signature that fails: its language is nobody's word.
      const forged = `${token.slice(0, token.lastIndexOf('.'))}.${'A'.repeat(43)}`;
      const refused = await http().get(`/support/t/${forged}`);
      expect(refused.status).toBe(404);
      expect(refused.text).toContain('<html lang="en">');
      expect((await http().get(`/support/t/${forged}`).set('accept-language', 'ru')).text).toContain('<html lang="ru">');
    });
  });

  describe('the new-request form, /support/new?partner=', () => {
    const ticketCount = async () => Number((await platform.query<{ n: string }>('ticket-intake', `SELECT count(*) AS n FROM ticket_intake.tickets`))[0].n);

    it('is a 404 page until the partner enables its site (admin PATCH)', async () => {
      const closed = await http().get(`/support/new?partner=${rival.partnerId}`);
      expect(closed.status).toBe(404);
      expectPageHeaders(closed);
      expect((await http().get('/support/new')).status).toBe(404);
      const patched = await http().patch(`/v1/partners/${rival.partnerId}`).auth(admin, { type: 'bearer' }).send({ siteEnabled: true });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ id: rival.partnerId, siteEnabled: true });
      expect((await http().patch(`/v1/partners/${rival.partnerId}`).auth(rival.token, { type: 'bearer' }).send({ siteEnabled: false })).status).toBe(403);
      expect((await http().get(`/support/new?partner=${rival.partnerId}`)).status).toBe(200);
    });

    it('files a request as the partner with channel site and shows its reference (P2, P3, P12)', async () => {
      await http().patch(`/v1/partners/${acme.partnerId}`).auth(admin, { type: 'bearer' }).send({ siteEnabled: true }).expect(200);
      const form = await http().get(`/support/new?partner=${acme.partnerId}`);
      expect(form.status).toBe(200);
      expectPageHeaders(form);
      const cookie = cookieOf(form);
      expect(form.headers['set-cookie']![0]).toMatch(/^tss_site_form=[A-Za-z0-9_-]+; Path=\/support; HttpOnly; SameSite=Strict$/);
      for (const id of ['product', 'productVersion', 'description', 'stepsToReproduce', 'browser', 'operatingSystem', 'operatingSystemVersion', 'connectivity', 'antivirus', 'email', 'name']) {
        expect(form.text).toContain(`<label for="${id}">`);
      }
      const filed = await http()
        .post(`/support/new?partner=${acme.partnerId}`)
        .set('cookie', cookie)
        .type('form')
        .send({
          _csrf: csrfOf(form.text, `/support/new?partner=${acme.partnerId}`),
          product: 'player',
          productVersion: '2.0.1',
          description: 'Video stops after ten seconds.',
          browser: 'Firefox 133',
          email: 'Dana@Example.com',
          name: 'Dana',
        });
      expect(filed.status).toBe(201);
      expectPageHeaders(filed);
      const reference = /<strong class="reference">(TSS-[A-Z0-9-]+)<\/strong>/.exec(filed.text)![1];
      const ticket = await http().get(`/v1/tickets/${reference}`).auth(acme.token, { type: 'bearer' });
      expect(ticket.body).toMatchObject({ reference, channel: 'site', product: 'player', productVersion: '2.0.1', language: 'en' });
      // Dana can be sent a site link: her requester id is her address.
      const link = await mint(acme.token, ticket.body.id);
      expect(SiteLinkKeys.fromSettings({}).verify(link.token, clock.now())).toMatchObject({ ok: true, value: { requester: 'mail:dana@example.com' } });
      expect(filed.text).toContain('We are also sending it to your e-mail address.');
      // The address is not confirmed: the link to the request's page goes to it, in the acknowledgment, not to whoever filed (docs/adr/0037).
      expect(filed.text).not.toContain('class="follow-link"');
      expect(filed.text).toContain('The mail carries the link to your request’s page');
    });

    it('P12: without an e-mail address the page promises no mail and gives the link to follow the request, which opens it', async () => {
      const action = `/support/new?partner=${acme.partnerId}`;
      const form = await http().get(action);
      const fields = { _csrf: csrfOf(form.text, action), product: 'reader', productVersion: '4.2', description: 'No address given.', name: 'Eli' };
      const filed = await http().post(action).set('cookie', cookieOf(form)).type('form').send(fields);
      expect(filed.status).toBe(201);
      expect(filed.text).not.toContain('e-mail address too');
      expect(filed.text).not.toContain('sending it to your e-mail');
      expect(filed.text).toContain('You gave no e-mail address, so we cannot write to you');
      const reference = /<strong class="reference">(TSS-[A-Z0-9-]+)<\/strong>/.exec(filed.text)![1];
      const url = /<a class="follow-link" href="([^"]+)">Follow your request<\/a>/.exec(filed.text)![1];
      const path = new URL(url.replace(/&amp;/g, '&')).pathname;
      const page = await http().get(path);
      expect(page.status).toBe(200);
      expect(page.text).toContain(`<dd class="reference">${reference}</dd>`);
      expect(page.text).toContain('No address given.');
      // Replying through it works, as the requester; and a repeated post is the same request and the same requester.
      const replied = await http().post(`${path}/reply`).field('_csrf', csrfOf(page.text, `${path}/reply`)).field('text', 'More detail.');
      expect(replied.status).toBe(303);
      // No address, no mail: the notice promises only this page.
      expect((await http().get(replied.headers.location as string)).text).toContain('Your reply was sent. Support will answer here, on this page.');
      const again = await http().post(action).set('cookie', cookieOf(form)).type('form').send(fields);
      expect(/<strong class="reference">(TSS-[A-Z0-9-]+)<\/strong>/.exec(again.text)![1]).toBe(reference);
      const rows = await platform.query<{ requester_id: string }>('ticket-intake', `SELECT requester_id FROM ticket_intake.tickets WHERE reference = $1`, [reference]);
      expect(rows).toEqual([{ requester_id: expect.stringMatching(/^visitor:[A-Za-z0-9_-]{32}$/) }]);
      expect(SiteLinkKeys.fromSettings({}).verify(path.split('/support/t/')[1], clock.now())).toMatchObject({ ok: true, value: { requester: rows[0].requester_id } });
    });

    it('the form sent twice at once (a double click) files one request and both answers show its reference, never "send it again"', async () => {
      await http().patch(`/v1/partners/${acme.partnerId}`).auth(admin, { type: 'bearer' }).send({ siteEnabled: true }).expect(200);
      const action = `/support/new?partner=${acme.partnerId}`;
      const form = await http().get(action);
      const fields = { _csrf: csrfOf(form.text, action), product: 'reader', productVersion: '4.4.917', description: 'Double-clicked the send button.' };
      const [first, second] = await Promise.all([0, 1].map(() => http().post(action).set('cookie', cookieOf(form)).type('form').send(fields)));
      expect([first.status, second.status]).toEqual([201, 201]);
      const referenceOf = (text: string) => /<strong class="reference">(TSS-[A-Z0-9-]+)<\/strong>/.exec(text)?.[1];
      expect(referenceOf(second.text)).toBe(referenceOf(first.text));
      const rows = await platform.query<{ reference: string }>('ticket-intake', `SELECT reference FROM ticket_intake.tickets WHERE request->>'productVersion' = $1`, ['4.4.917']);
      expect(rows).toEqual([{ reference: referenceOf(first.text) }]);
    });

    it('a reply sent twice at once from one form is stored once, and neither answer asks to send it again', async () => {
      const ticket = await file(acme.token);
      const link = await mint(acme.token, ticket.id);
      const page = await http().get(link.path);
      const csrf = csrfOf(page.text, `${link.path}/reply`);
      const [first, second] = await Promise.all([0, 1].map(() => http().post(`${link.path}/reply`).field('_csrf', csrf).field('text', 'Clicked twice on the site.')));
      expect([first.status, second.status]).toEqual([303, 303]);
      expect((await thread(ticket.id)).items.filter((m) => m.body === 'Clicked twice on the site.')).toHaveLength(1);
    });

    it('P11, P12: a visitor who gave no address and finds the request closed unsolved gets a link to the follow-up filed for them', async () => {
      const { reference, path } = await fileAsVisitor(http, acme.partnerId, { productVersion: '4.3', description: 'Closed too early, no address.' });
      const ticketId = (await http().get(`/v1/tickets/${reference}`).auth(acme.token, { type: 'bearer' })).body.id as string;
      await resolve(ticketId);
      await close(ticketId);
      const page = await http().get(path);
      const posted = await http().post(`${path}/reopen`).type('form').send({ _csrf: csrfOf(page.text, `${path}/reopen`), reason: 'Still broken.' });
      expect(posted.status).toBe(303);
      const [followUp] = await followUpsOf(ticketId);
      const shown = await http().get(posted.headers.location as string);
      expect(shown.text).toContain(`A new request linked to this one was opened: ${followUp.reference}.`);
      const href = new RegExp(`<a class="follow-up-link" href="([^"]+)">${followUp.reference}</a>`).exec(shown.text)?.[1];
      expect(href).toBeDefined();
      const followUpPage = await http().get(new URL(href!.replace(/&amp;/g, '&')).pathname);
      expect(followUpPage.status).toBe(200);
      expect(followUpPage.text).toContain(`<dd class="reference">${followUp.reference}</dd>`);
    });

    it('one address is named by at most MAIL_INBOUND_NEW_TICKETS_PER_SENDER_PER_HOUR (5) requests an hour: the next is the form’s error, filed and mailed nowhere', async () => {
      const action = `/support/new?partner=${acme.partnerId}`;
      const form = await http().get(action);
      const statuses: number[] = [];
      let refused = '';
      for (let n = 0; n < 8; n += 1) {
        const posted = await http()
          .post(action)
          .set('cookie', cookieOf(form))
          .type('form')
          .send({ _csrf: csrfOf(form.text, action), product: 'reader', productVersion: '1.0', description: `Mail bomb ${n}`, email: n % 2 === 0 ? 'Victim@Example.net' : 'victim@example.net' });
        statuses.push(posted.status);
        if (posted.status !== 201) {
          refused = posted.text;
          expect(posted.headers['retry-after']).toMatch(/^\d+$/);
        }
      }
      expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429, 429]);
      expect(refused).toContain('<li><a href="#email">');
      expect(refused).toContain('at most 5 requests an hour');
      const rows = await platform.query<{ n: string }>('ticket-intake', `SELECT count(*) AS n FROM ticket_intake.tickets WHERE requester_id = 'mail:victim@example.net'`);
      expect(Number(rows[0].n)).toBe(5);
    });

    it('a second post of the same rendered form files nothing more (idempotent), and a very long address is filed without a requester id', async () => {
      const form = await http().get(`/support/new?partner=${acme.partnerId}`);
      const action = `/support/new?partner=${acme.partnerId}`;
      const longAddress = `${'a'.repeat(64)}@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(10)}.example.com`; // mail:<it> is over 200
      const fields = { _csrf: csrfOf(form.text, action), product: 'reader', productVersion: '1.0', description: 'Posted twice.', email: longAddress };
      const first = await http().post(action).set('cookie', cookieOf(form)).type('form').send(fields);
      const before = await ticketCount();
      const second = await http().post(action).set('cookie', cookieOf(form)).type('form').send(fields);
      expect([first.status, second.status]).toEqual([201, 201]);
      const referenceOf = (text: string) => /<strong class="reference">(TSS-[A-Z0-9-]+)<\/strong>/.exec(text)![1];
      expect(referenceOf(second.text)).toBe(referenceOf(first.text));
      expect(await ticketCount()).toBe(before);
      const [row] = await platform.query<{ requester_id: string | null }>('ticket-intake', `SELECT requester_id FROM ticket_intake.tickets WHERE reference = $1`, [referenceOf(first.text)]);
      expect(row).toEqual({ requester_id: null });
    });

    it('bad input is the form again with an error summary linked to the fields; nothing is filed', async () => {
      const form = await http().get(`/support/new?partner=${acme.partnerId}`);
      const before = await ticketCount();
      const posted = await http()
        .post(`/support/new?partner=${acme.partnerId}`)
        .set('cookie', cookieOf(form))
        .type('form')
        .send({ _csrf: csrfOf(form.text, `/support/new?partner=${acme.partnerId}`), product: 'toaster', productVersion: '', description: '', email: 'not-an-address', browser: 'Kept <value>' });
      expect(posted.status).toBe(400);
      expect(posted.text).toContain('<title>There is a problem: Ask for technical support</title>');
      expect([...posted.text.matchAll(/<li><a href="#(\w+)">/g)].map((m) => m[1])).toEqual(['product', 'productVersion', 'description', 'email']);
      expect(posted.text).toContain('value="Kept &lt;value&gt;"');
      expect(await ticketCount()).toBe(before);
    });

    it('CSRF: without the cookie, without the token or with another cookie’s token it is a 403 page, in the form’s language; nothing is filed', async () => {
      const form = await http().get(`/support/new?partner=${acme.partnerId}`);
      const other = await http().get(`/support/new?partner=${acme.partnerId}`);
      const fields = { product: 'reader', productVersion: '1', description: 'CSRF attempt' };
      const before = await ticketCount();
      const action = `/support/new?partner=${acme.partnerId}`;
      const attempts = [
        http().post(action).type('form').send({ ...fields, _csrf: csrfOf(form.text, action) }),
        http().post(action).set('cookie', cookieOf(form)).type('form').send(fields),
        http().post(action).set('cookie', cookieOf(other)).type('form').send({ ...fields, _csrf: csrfOf(form.text, action) }),
      ];
      for (const attempt of attempts) {
        const response = await attempt;
        expect(response.status).toBe(403);
        expect(response.text).toContain('<h1>This form could not be accepted</h1>');
        expect(response.text).not.toContain('expired');
      }
      const russian = await http().post(action).type('form').send({ ...fields, language: 'ru', _csrf: csrfOf(form.text, action) });
      expect(russian.status).toBe(403);
      expect(russian.text).toContain('<h1>Форму не удалось принять</h1>');
      expect(russian.text).not.toContain('истёк');
      expect(await ticketCount()).toBe(before);
    });

    it('does not tell the visitor to keep its address to themselves: it opens no request', async () => {
      const form = await http().get(`/support/new?partner=${acme.partnerId}`);
      expect(form.status).toBe(200);
      expect(form.text).toContain('This page uses no scripts and no tracking.');
      expect(form.text).not.toContain('Keep its address to yourself');
    });

    it('is in Russian by Accept-Language', async () => {
      const form = await http().get(`/support/new?partner=${acme.partnerId}`).set('accept-language', 'ru-RU,ru;q=0.9');
      expect(form.text).toContain('<html lang="ru">');
      expect(form.text).toContain('<h1>Обращение в техническую поддержку</h1>');
      expect(form.text).toContain('<input type="hidden" name="language" value="ru">');
    });
  });

  // Last: it moves the clock 15 days, past every token issued before.
  describe('after the reopen window (P11)', () => {
    it('"not solved" files a new ticket linked to the closed one, and the page names its reference', async () => {
      const ticket = await file(acme.token);
      await resolve(ticket.id);
      clock.advanceMs(15 * 86_400_000); // past the 14-day reopen window
      const acmeNow = await client.token(acme.clientId, acme.clientSecret);
      const link = await mint(acmeNow, ticket.id);
      const page = await http().get(link.path);
      expect(page.text).toContain('My problem is not solved');
      const posted = await http().post(`${link.path}/reopen`).type('form').send({ _csrf: csrfOf(page.text, `${link.path}/reopen`) });
      expect(posted.status).toBe(303);
      const followUp = /done=followup&ref=(TSS-[A-Z0-9-]+)#main$/.exec(posted.headers.location as string)![1];
      expect(followUp).not.toBe(ticket.reference);
      const linked = await http().get(`/v1/tickets/${followUp}`).auth(acmeNow, { type: 'bearer' });
      expect(linked.body).toMatchObject({ linkedTicketId: ticket.id, status: expect.any(String) });
      const shown = await http().get(posted.headers.location as string);
      expect(shown.text).toContain(`A new request linked to this one was opened: ${followUp}.`);
    });

    it('an address that reached its hourly limit on the public form may be named again once the hour is over', async () => {
      const action = `/support/new?partner=${acme.partnerId}`;
      const form = await http().get(action);
      const posted = await http()
        .post(action)
        .set('cookie', cookieOf(form))
        .type('form')
        .send({ _csrf: csrfOf(form.text, action), product: 'reader', productVersion: '1.0', description: 'Days later.', email: 'victim@example.net' });
      expect(posted.status).toBe(201);
    });
  });
});
