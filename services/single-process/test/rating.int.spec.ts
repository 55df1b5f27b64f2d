import { randomUUID } from 'node:crypto';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { ratingHelpers } from './rating-support';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const DAY_MS = 86_400_000;

type Problemish = { status: number; headers: Record<string, string>; body: { type?: string } };
const expectProblem = (response: Problemish, status: number, slug: string) => {
  expect({ status: response.status, type: response.body.type }).toEqual({ status, type: `https://tss.dev/problems/${slug}` });
  expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
};

// Issue #13 through the whole platform: intake resolves and reopens, notification mails the link,
// escalation escalates low ratings, rating records and reports.
describe('rating through the platform (issue #13, P11)', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let h: ReturnType<typeof ratingHelpers>;
  type Client = { clientId: string; clientSecret: string; token: string };
  let acme: Client & { partnerId: string };
  let rival: Client & { partnerId: string };
  let agent: Client & { staffId: string };
  let quality: Client & { staffId: string };
  let ann: string;
  let bob: string;
  const clock = new TestClock('2026-06-01T09:00:00.000Z');

  /** Tokens minted before a clock jump would have expired: everyone gets a fresh one. */
  const refreshTokens = async () => {
    for (const c of [acme, rival, agent, quality]) c.token = await client.token(c.clientId, c.clientSecret);
    ann = await client.requester(acme.token, 'cust-ann');
    bob = await client.requester(acme.token, 'cust-bob');
  };

  beforeAll(async () => {
    // Links open longer than the reopen window here, so "not solved" can come after it (P11).
    platform = await startTestPlatform('rating_platform', { clock, env: { TSS_PUBLIC_URL: 'https://help.example', RATING_LINK_TTL_MS: String(30 * DAY_MS) } });
    client = platform.client;
    h = ratingHelpers(platform);
    const admin = await platform.adminToken();
    acme = await client.partner(admin, 'Acme Rating');
    rival = await client.partner(admin, 'Rival Rating');
    agent = await client.staff(admin, ['agent'], 'Rae Agent');
    quality = await client.staff(admin, ['quality'], 'Quinn Quality');
    await refreshTokens();
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const ticketOfAnn = async () => h.file(acme.token, sampleTicket({ requester: { id: 'cust-ann', email: 'ann@client.example' } }));
  const ticketStatus = async (id: string) => (await h.http().get(`/v1/tickets/${id}`).auth(acme.token, { type: 'bearer' })).body as { status: string; linkedTicketId?: string };

  it('P11: a resolution invites a rating: rating.requested with the link, and the resolved mail carries it', async () => {
    const ticket = await ticketOfAnn();
    await h.resolve(agent.token, ticket.id);
    const link = await h.rateLink(ticket.id);
    expect(link.rateUrl).toMatch(/^https:\/\/help\.example\/rate\/[A-Za-z0-9_-]{43}$/);
    expect(link).toMatchObject({ partnerId: acme.partnerId, expiresAt: new Date(clock.now().getTime() + 30 * DAY_MS).toISOString() });
    // It names the ticket.resolved that asked for it, so webhooks queue it after that one (docs/adr/0066).
    const [resolution] = await platform.query<{ sequence: number }>(
      'ticket-intake',
      `SELECT (event->'data'->>'sequence')::int AS sequence FROM ticket_intake.outbox WHERE event_type = 'ticket.resolved' AND message_key = $1`,
      [ticket.id],
    );
    expect(link).toMatchObject({ ticketSequence: resolution.sequence });
    const sent = await waitFor('the resolved mail', async () =>
      (await platform.query<{ text_body: string; html_body: string }>('notification', `SELECT text_body, html_body FROM notification.mail_messages WHERE ticket_id = $1 AND kind = 'resolved'`, [ticket.id]))[0],
    );
    expect(sent.text_body).toContain(link.rateUrl);
    expect(sent.html_body).toContain(`href="${link.rateUrl}"`);
  });

  it('the mail outbox shows staff no live link: the rating and site links are withheld, the rest of the mail as sent; the requester’s link still rates', async () => {
    // Another partner's ticket: the report's test below counts acme's alone.
    const ticket = await h.file(rival.token, sampleTicket({ requester: { id: 'cust-rae', email: 'rae@rival.example' } }));
    await h.resolve(agent.token, ticket.id);
    const link = await h.rateLink(ticket.id);
    const mail = await waitFor('the resolved mail', async () => {
      const response = await h.http().get(`/v1/mail/outbox?ticketId=${ticket.id}`).auth(agent.token, { type: 'bearer' });
      return (response.body.items as { kind: string; subject: string; text: string; html: string }[]).find((m) => m.kind === 'resolved');
    });
    // Staff who read the outbox cannot rate their own work, nor answer on the site as the requester.
    expect(JSON.stringify(mail)).not.toContain(link.token);
    expect(mail.text).toContain('https://help.example/rate/[withheld]');
    expect(mail.html).toContain('href="https://help.example/rate/[withheld]"');
    expect(mail.text).toContain('https://help.example/support/t/[withheld]');
    expect(mail.text).not.toMatch(/\/support\/t\/v[12]\./);
    expect(mail.subject).toContain(ticket.reference);
    const listed = (await h.http().get(`/v1/mail/outbox?ticketId=${ticket.id}`).auth(agent.token, { type: 'bearer' })).body.items as { text: string; html: string }[];
    for (const m of listed) expect(`${m.text}${m.html}`).not.toMatch(/\/(rate|support\/t)\/(?!\[withheld\])/);
    // The mail as sent keeps its link: the requester rates with it.
    const sent = (await platform.query<{ text_body: string }>('notification', `SELECT text_body FROM notification.mail_messages WHERE ticket_id = $1 AND kind = 'resolved'`, [ticket.id]))[0];
    const mailed = /\/rate\/([A-Za-z0-9_-]{43})/.exec(sent.text_body)?.[1];
    expect(mailed).toBe(link.token);
    const rated = await h.http().post(`/v1/ratings/${mailed}`).send({ score: 4, solved: true });
    expect(rated.status).toBe(201);
  });

  it('the link rates without a bearer token (bad input refused first); a second rating is a 409; the ticket, the partner and staff read it', async () => {
    const ticket = await ticketOfAnn();
    await h.resolve(agent.token, ticket.id);
    const link = await h.rateLink(ticket.id);
    // Bad input through the gateway: a 400 or 415 problem, nothing recorded.
    expectProblem(await h.http().post(`/v1/ratings/${link.token}`).send({ score: 6, solved: true }), 400, 'validation');
    expectProblem(await h.http().post(`/v1/ratings/${link.token}`).send({ score: 5, solved: true, comment: 'x'.repeat(4_001) }), 400, 'validation');
    const notJson = await h.http().post(`/v1/ratings/${link.token}`).set('content-type', 'text/plain').send('score=5&solved=true');
    expect(notJson.status).toBe(415);
    expect(notJson.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(await h.ratingEvents(ticket.id, 'rating.submitted')).toEqual([]);
    const rated = await h.http().post(`/v1/ratings/${link.token}`).send({ score: 5, solved: true, comment: 'Great help' });
    expect(rated.status).toBe(201);
    expect(rated.body).toMatchObject({ ticketId: ticket.id, reference: ticket.reference, score: 5, solved: true, via: 'link', escalated: false });
    expectProblem(await h.http().post(`/v1/ratings/${link.token}`).send({ score: 1, solved: false }), 409, 'conflict');
    expectProblem(await h.http().post(`/v1/tickets/${ticket.id}/rating`).auth(ann, { type: 'bearer' }).send({ score: 1, solved: false }), 409, 'conflict');
    for (const token of [acme.token, ann, agent.token]) {
      const read = await h.http().get(`/v1/tickets/${ticket.reference}/rating`).auth(token, { type: 'bearer' });
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ survey: { state: 'rated' }, rating: { score: 5, comment: 'Great help' } });
    }
    // solved: true leaves the ticket resolved.
    expect((await ticketStatus(ticket.id)).status).toBe('resolved');
    expectProblem(await h.http().post(`/v1/ratings/${link.token.slice(0, -1)}${link.token.endsWith('x') ? 'y' : 'x'}`).send({ score: 5, solved: true }), 404, 'not-found');
  });

  it('P11: "not solved" by the requester through the API reopens the ticket inside the window; a score of 2 escalates to the team leader and the rating shows it', async () => {
    const ticket = await ticketOfAnn();
    await h.resolve(agent.token, ticket.id);
    const link = await h.rateLink(ticket.id);
    const rated = await h.http().post(`/v1/tickets/${ticket.id}/rating`).auth(ann, { type: 'bearer' }).send({ score: 2, solved: false, comment: 'Still crashes on EPUB 3' });
    expect(rated.status).toBe(201);
    await waitFor('the ticket reopened by intake', async () => (await ticketStatus(ticket.id)).status === 'open');
    const shown = await waitFor('the escalation on the rating', async () => {
      const read = await h.http().get(`/v1/tickets/${ticket.id}/rating`).auth(acme.token, { type: 'bearer' });
      return read.body.rating?.escalated ? read.body : undefined;
    });
    expect(shown.rating).toMatchObject({ surveyId: link.surveyId, score: 2, solved: false, escalations: [expect.objectContaining({ kind: 'low_rating', targetRole: 'team_leader' })] });
    const history = (await h.http().get(`/v1/tickets/${ticket.id}/history`).auth(acme.token, { type: 'bearer' })).body.items as { action: string; actor: unknown }[];
    expect(history.filter((e) => e.action === 'reopened')).toEqual([expect.objectContaining({ actor: { kind: 'service', id: 'rating' } })]);
  });

  it('tenancy: another partner’s or requester’s token is a 404 on every rating route, like a missing ticket; nothing recorded', async () => {
    const ticket = await ticketOfAnn();
    await h.resolve(agent.token, ticket.id);
    await h.rateLink(ticket.id);
    const body = { score: 1, solved: false };
    for (const token of [rival.token, bob]) {
      for (const id of [ticket.id, ticket.reference]) {
        expectProblem(await h.http().post(`/v1/tickets/${id}/rating`).auth(token, { type: 'bearer' }).send(body), 404, 'not-found');
        expectProblem(await h.http().get(`/v1/tickets/${id}/rating`).auth(token, { type: 'bearer' }), 404, 'not-found');
      }
    }
    expectProblem(await h.http().post(`/v1/tickets/${randomUUID()}/rating`).auth(acme.token, { type: 'bearer' }).send(body), 404, 'not-found');
    expectProblem(await h.http().get('/v1/reports/quality').auth(acme.token, { type: 'bearer' }), 403, 'forbidden');
    expect(await h.ratingEvents(ticket.id, 'rating.submitted')).toEqual([]);
  });

  it('the quality report counts the ratings made here, as JSON and CSV', async () => {
    const json = await h.http().get('/v1/reports/quality?groupBy=partner').auth(quality.token, { type: 'bearer' });
    expect(json.status).toBe(200);
    const acmeRow = (json.body.groups as { key: string; ratings: number; csatPercent: number; averageScore: number; notSolved: number; surveys: number; reopened: number }[]).find((g) => g.key === acme.partnerId);
    // Four resolutions so far; rated 5 (solved) and 2 (not solved, reopened).
    expect(acmeRow).toMatchObject({ ratings: 2, csatPercent: 50, averageScore: 3.5, notSolved: 1, surveys: 4, reopened: 1, reopenRatePercent: 25 });
    const csv = await h.http().get('/v1/reports/quality?groupBy=partner').auth(quality.token, { type: 'bearer' }).set('accept', 'text/csv');
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.text).toContain(`${acme.partnerId},2,50,3.5,1,`);
  });

  it('P11: after the reopen window, "not solved" opens a new ticket linked to the old one; a link past its expiry is a 410', async () => {
    const ticket = await ticketOfAnn();
    await h.resolve(agent.token, ticket.id);
    const link = await h.rateLink(ticket.id);
    clock.advanceMs(15 * DAY_MS);
    await refreshTokens();
    await waitFor('the ticket closed at the end of its reopen window', async () => (await ticketStatus(ticket.id)).status === 'closed');
    const rated = await h.http().post(`/v1/ratings/${link.token}`).send({ score: 3, solved: false, comment: 'It broke again' });
    expect(rated.status).toBe(201);
    const followUp = await waitFor('the linked new ticket', async () => {
      const rows = await platform.query<{ id: string }>(
        'ticket-intake',
        `SELECT event->>'subject' AS id FROM ticket_intake.outbox WHERE event_type = 'ticket.created' AND event->'data'->>'linkedTicketId' = $1`,
        [ticket.id],
      );
      return rows[0];
    });
    expect(await ticketStatus(followUp.id)).toMatchObject({ linkedTicketId: ticket.id });
    expect((await ticketStatus(ticket.id)).status).toBe('closed');

    const late = await ticketOfAnn();
    await h.resolve(agent.token, late.id);
    const lateLink = await h.rateLink(late.id);
    clock.advanceMs(30 * DAY_MS);
    expectProblem(await h.http().post(`/v1/ratings/${lateLink.token}`).send({ score: 5, solved: true }), 410, 'gone');
  });
});
