import { randomUUID } from 'node:crypto';
import { EscalationRaisedV1, TICKET_BEHIND_HEADER, TicketReopenedV1 } from '@tss/contracts';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { startRating, type RatingUnderTest } from './support/rating-under-test';

const DAY_MS = 86_400_000;

type Response = { status: number; headers: Record<string, string>; body: Record<string, unknown> };
const expectProblem = (response: Response, status: number, slug: string) => {
  expect({ status: response.status, type: response.body.type }).toEqual({ status, type: `https://tss.dev/problems/${slug}` });
  expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
};

// Issue #13: POST /v1/ratings/{token}, POST and GET /v1/tickets/{id}/rating.
describe('rating routes (issue #13, P11)', () => {
  const clock = new TestClock('2026-04-01T09:00:00.000Z');
  const acme = randomUUID();
  const rival = randomUUID();
  let rating: RatingUnderTest;
  const tokens = () => ({
    acme: rating.sut.token({ kind: 'partner', partner_id: acme, scope: 'tickets:read tickets:write' }),
    rival: rating.sut.token({ kind: 'partner', partner_id: rival, scope: 'tickets:read tickets:write' }),
    ann: rating.sut.token({ kind: 'requester', partner_id: acme, requester_id: 'cust-ann', scope: 'tickets:read tickets:write' }),
    bob: rating.sut.token({ kind: 'requester', partner_id: acme, requester_id: 'cust-bob', scope: 'tickets:read tickets:write' }),
    agent: rating.sut.token({ kind: 'staff', sub: 'agent-1', roles: ['agent'], scope: 'tickets:read tickets:write queue:read' }),
    readOnly: rating.sut.token({ kind: 'partner', partner_id: acme, scope: 'tickets:read' }),
  });
  const http = () => rating.sut.http();
  const resolvedTicket = async (requesterId = 'cust-ann') => {
    const ticket = await rating.ticketCreated({ partnerId: acme, requesterId });
    const link = await rating.resolve({ ...ticket, partnerId: acme }, 2);
    return { ...ticket, link };
  };

  beforeAll(async () => {
    rating = await startRating(clock, { TSS_PUBLIC_URL: 'https://support.example' });
  });
  afterAll(async () => {
    await rating?.sut.stop();
  });

  describe('POST /v1/ratings/{token} (public)', () => {
    it('rates without a bearer token: 201 with the rating, rating.submitted published; a second rating is a 409 and changes nothing', async () => {
      const t = await resolvedTicket();
      const rated = await http().post(`/v1/ratings/${t.link.token}`).send({ score: 4, solved: true, comment: 'Thanks!' });
      expect(rated.status).toBe(201);
      expect(rated.body).toEqual({
        surveyId: t.link.surveyId,
        ticketId: t.ticketId,
        reference: t.reference,
        score: 4,
        solved: true,
        comment: 'Thanks!',
        via: 'link',
        submittedAt: clock.now().toISOString(),
        escalated: false,
        escalations: [],
      });
      expect(await rating.events(t.ticketId, 'rating.submitted')).toEqual([expect.objectContaining({ surveyId: t.link.surveyId, score: 4, solved: true })]);
      expectProblem(await http().post(`/v1/ratings/${t.link.token}`).send({ score: 1, solved: false }), 409, 'conflict');
      expect(await rating.events(t.ticketId, 'rating.submitted')).toHaveLength(1);
      const survey = await http().get(`/v1/ratings/${t.link.token}`);
      expect(survey.status).toBe(200);
      expect(survey.headers['cache-control']).toBe('no-store');
      expect(survey.body).toEqual({ surveyId: t.link.surveyId, ticketId: t.ticketId, reference: t.reference, subject: 'Reader crashes on opening EPUB', language: 'en', expiresAt: t.link.expiresAt, rated: true, reopened: false });
      const read = await http().get(`/v1/tickets/${t.ticketId}/rating`).auth(tokens().acme, { type: 'bearer' });
      expect(read.body.rating).toMatchObject({ score: 4, solved: true });
    });

    it('token abuse: forged 404, superseded 410, expired 410, another ticket’s token rates only its own ticket; nothing recorded', async () => {
      const t = await resolvedTicket();
      const forged = `${t.link.token.slice(0, -2)}${t.link.token.endsWith('AA') ? 'BB' : 'AA'}`;
      expectProblem(await http().post(`/v1/ratings/${forged}`).send({ score: 5, solved: true }), 404, 'not-found');
      expectProblem(await http().get(`/v1/ratings/${forged}`), 404, 'not-found');
      expect((await http().get(`/v1/ratings/${t.link.token}`)).body).toMatchObject({ rated: false });
      expectProblem(await http().post(`/v1/ratings/${'x'.repeat(43)}`).send({ score: 5, solved: true }), 404, 'not-found');
      expectProblem(await http().post('/v1/ratings/short').send({ score: 5, solved: true }), 404, 'not-found');

      await rating.publish(TicketReopenedV1, t.ticketId, { partnerId: acme, sequence: 3, reopenedAt: clock.now().toISOString() });
      const second = await rating.resolve({ ticketId: t.ticketId, partnerId: acme }, 4, 2);
      const superseded = await http().post(`/v1/ratings/${t.link.token}`).send({ score: 5, solved: true });
      expectProblem(superseded, 410, 'gone');
      expect(superseded.body.detail).toContain('replaced');
      expectProblem(await http().get(`/v1/ratings/${t.link.token}`), 410, 'gone');

      // Another ticket's link rates that ticket, never this one.
      const other = await resolvedTicket();
      expect((await http().post(`/v1/ratings/${other.link.token}`).send({ score: 2, solved: true })).body).toMatchObject({ ticketId: other.ticketId });
      expect(await rating.sut.query(`SELECT 1 FROM rating.ratings WHERE ticket_id = $1`, [t.ticketId])).toEqual([]);

      clock.advanceMs(14 * DAY_MS);
      const expired = await http().post(`/v1/ratings/${second.token}`).send({ score: 5, solved: true });
      expectProblem(expired, 410, 'gone');
      expect(expired.body.detail).toContain('expired');
      expect(await rating.sut.query(`SELECT 1 FROM rating.ratings WHERE ticket_id = $1`, [t.ticketId])).toEqual([]);
      expect(await rating.events(t.ticketId, 'rating.submitted')).toEqual([]);
    });

    it('bad input is a 400 naming the field: scores outside 1–5, oversize or unstorable comments, unknown fields; a body not JSON is a 415; nothing recorded', async () => {
      const t = await resolvedTicket();
      const post = () => http().post(`/v1/ratings/${t.link.token}`);
      for (const body of [{ score: 0, solved: true }, { score: 6, solved: true }, { score: 4.5, solved: true }, { score: '5', solved: true }, { score: 5 }, { score: 5, solved: 'yes' }]) {
        const response = await post().send(body);
        expectProblem(response, 400, 'validation');
      }
      const oversize = await post().send({ score: 3, solved: true, comment: 'x'.repeat(4_001) });
      expectProblem(oversize, 400, 'validation');
      expect(oversize.body.errors).toEqual([expect.objectContaining({ pointer: '/comment' })]);
      expectProblem(await post().send({ score: 3, solved: true, comment: 'a\u0000b' }), 400, 'validation');
      expectProblem(await post().send({ score: 3, solved: true, extra: 1 }), 400, 'validation');
      const notJson = await post().set('content-type', 'text/plain').send('score=5');
      expect(notJson.status).toBe(415);
      expect(notJson.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      const malformed = await post().set('content-type', 'application/json').send('{"score": 5,');
      expect(malformed.status).toBe(400);
      expect(malformed.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect(await rating.sut.query(`SELECT 1 FROM rating.ratings WHERE ticket_id = $1`, [t.ticketId])).toEqual([]);
      expect((await post().send({ score: 3, solved: true, comment: 'x'.repeat(4_000) })).status).toBe(201);
    });
  });

  describe('POST /v1/tickets/{id}/rating', () => {
    it('the support site acting for a link a staff member minted cannot rate: a 403 problem, nothing recorded; the requester still rates', async () => {
      const t = await resolvedTicket();
      const staffLink = rating.sut.token({
        kind: 'requester',
        partner_id: acme,
        requester_id: 'cust-ann',
        scope: 'tickets:read tickets:write',
        act: { kind: 'staff', sub: 'agent-1', link_id: randomUUID() },
      });
      const refused = await http().post(`/v1/tickets/${t.ticketId}/rating`).auth(staffLink, { type: 'bearer' }).send({ score: 5, solved: true, comment: 'Excellent agent!' });
      expectProblem(refused, 403, 'forbidden');
      expect(await rating.events(t.ticketId, 'rating.submitted')).toEqual([]);
      expect((await http().get(`/v1/tickets/${t.ticketId}/rating`).auth(tokens().acme, { type: 'bearer' })).body).toMatchObject({ survey: { state: 'open' } });
      // A partner's link acts for the partner's requester, who may rate.
      const partnerLink = rating.sut.token({ kind: 'requester', partner_id: acme, requester_id: 'cust-ann', scope: 'tickets:read tickets:write', act: { kind: 'partner', sub: 'pc_acme' } });
      expect((await http().post(`/v1/tickets/${t.ticketId}/rating`).auth(partnerLink, { type: 'bearer' }).send({ score: 4, solved: true })).status).toBe(201);
    });

    // docs/adr/0040, addendum of 2026-12-04, seventh session: the support site rates through this route as the link's requester.
    it('the support site’s form, for a visitor who filed without an address and for a partner’s link: read the open survey, rate once per Idempotency-Key', async () => {
      const visitor = 'visitor:Zx3_kQ9-vB2mT7wLp4Rn8sYc1dFh6jUa';
      const t = await resolvedTicket(visitor);
      const site = rating.sut.token({ kind: 'requester', partner_id: acme, requester_id: visitor, scope: 'tickets:read tickets:write', act: { kind: 'partner', sub: 'pc_acme' } });
      expect((await http().get(`/v1/tickets/${t.ticketId}/rating`).auth(site, { type: 'bearer' })).body).toMatchObject({ survey: { state: 'open' } });
      const post = () => http().post(`/v1/tickets/${t.ticketId}/rating`).auth(site, { type: 'bearer' }).set('idempotency-key', 'site-form-once').send({ score: 5, solved: true, comment: 'Thanks' });
      const first = await post();
      const repeat = await post();
      expect([first.status, repeat.status]).toEqual([201, 201]);
      expect(repeat.headers['idempotent-replayed']).toBe('true');
      expect(repeat.body).toEqual(first.body);
      expect(await rating.events(t.ticketId, 'rating.submitted')).toHaveLength(1);
      expect(await rating.sut.query(`SELECT rated_by, via FROM rating.ratings WHERE survey_id = $1`, [t.link.surveyId])).toEqual([{ rated_by: `requester:${visitor}`, via: 'api' }]);
      // The page then reads the rating it shows; another form (another key) is the 409 of a rated survey.
      expect((await http().get(`/v1/tickets/${t.ticketId}/rating`).auth(site, { type: 'bearer' })).body).toMatchObject({ survey: { state: 'rated' }, rating: { score: 5, solved: true, comment: 'Thanks' } });
      expectProblem(await http().post(`/v1/tickets/${t.ticketId}/rating`).auth(site, { type: 'bearer' }).set('idempotency-key', 'site-form-other').send({ score: 1, solved: false }), 409, 'conflict');
    });

    it('the partner rates by reference, the ticket’s requester by id; each resolution takes one rating', async () => {
      const t = await resolvedTicket();
      const byPartner = await http().post(`/v1/tickets/${t.reference.toLowerCase()}/rating`).auth(tokens().acme, { type: 'bearer' }).send({ score: 5, solved: true });
      expect(byPartner.status).toBe(201);
      expect(byPartner.headers.location).toBe(`/v1/tickets/${t.ticketId}/rating`);
      expect(byPartner.body).toMatchObject({ surveyId: t.link.surveyId, via: 'api', score: 5 });
      const again = await http().post(`/v1/tickets/${t.ticketId}/rating`).auth(tokens().ann, { type: 'bearer' }).send({ score: 1, solved: false });
      expectProblem(again, 409, 'conflict');
      // Rated already: whatever intake shows, a lag would not explain it, so it is not marked.
      expect(again.headers[TICKET_BEHIND_HEADER]).toBeUndefined();
      expectProblem(await http().post(`/v1/ratings/${t.link.token}`).send({ score: 1, solved: false }), 409, 'conflict');

      const u = await resolvedTicket();
      const byRequester = await http().post(`/v1/tickets/${u.ticketId}/rating`).auth(tokens().ann, { type: 'bearer' }).send({ score: 2, solved: false, comment: 'Still crashes' });
      expect(byRequester.status).toBe(201);
      expect(await rating.sut.query(`SELECT rated_by, via FROM rating.ratings WHERE survey_id = $1`, [u.link.surveyId])).toEqual([{ rated_by: 'requester:cust-ann', via: 'api' }]);
      expect(await rating.events(u.ticketId, 'rating.submitted')).toEqual([expect.objectContaining({ score: 2, solved: false, comment: 'Still crashes' })]);
    });

    it('tenancy: another partner’s or requester’s ticket is a 404 like a missing one; staff and read-only tokens are refused; before resolution 409', async () => {
      const t = await resolvedTicket();
      const body = { score: 5, solved: true };
      expectProblem(await http().post(`/v1/tickets/${t.ticketId}/rating`).auth(tokens().rival, { type: 'bearer' }).send(body), 404, 'not-found');
      expectProblem(await http().post(`/v1/tickets/${t.reference}/rating`).auth(tokens().rival, { type: 'bearer' }).send(body), 404, 'not-found');
      expectProblem(await http().post(`/v1/tickets/${t.ticketId}/rating`).auth(tokens().bob, { type: 'bearer' }).send(body), 404, 'not-found');
      expectProblem(await http().post(`/v1/tickets/${randomUUID()}/rating`).auth(tokens().acme, { type: 'bearer' }).send(body), 404, 'not-found');
      expectProblem(await http().post(`/v1/tickets/TSS-00000-00001/rating`).auth(tokens().acme, { type: 'bearer' }).send(body), 400, 'invalid-reference');
      expectProblem(await http().post(`/v1/tickets/${t.ticketId}/rating`).auth(tokens().agent, { type: 'bearer' }).send(body), 403, 'forbidden');
      expectProblem(await http().post(`/v1/tickets/${t.ticketId}/rating`).auth(tokens().readOnly, { type: 'bearer' }).send(body), 403, 'forbidden');
      expect((await http().post(`/v1/tickets/${t.ticketId}/rating`).send(body)).status).toBe(401);
      expect(await rating.sut.query(`SELECT 1 FROM rating.ratings WHERE ticket_id = $1`, [t.ticketId])).toEqual([]);

      const open = await rating.ticketCreated({ partnerId: acme, requesterId: 'cust-ann' });
      await waitFor('the ticket known to rating', async () => (await rating.sut.query(`SELECT 1 FROM rating.tickets WHERE ticket_id = $1`, [open.ticketId])).length === 1);
      const early = await http().post(`/v1/tickets/${open.ticketId}/rating`).auth(tokens().acme, { type: 'bearer' }).send(body);
      expectProblem(early, 409, 'conflict');
      expect(early.body.detail).toContain('not been resolved');
      // Maybe only not resolved here yet: marked for the gateway, which asks intake (docs/adr/0068, addendum of 2026-12-05).
      expect(early.headers[TICKET_BEHIND_HEADER]).toBe('resolved');
      expect(early.headers['retry-after']).toBeUndefined();
    });

    it('P11: a reopened ticket is not resolved: its unanswered survey is withdrawn, every way of rating it is a 409, and nothing is recorded until it is resolved again', async () => {
      const t = await resolvedTicket();
      await rating.publish(TicketReopenedV1, t.ticketId, { partnerId: acme, sequence: 3, reopenedAt: clock.now().toISOString() });
      await waitFor('the survey withdrawn', async () => (await rating.sut.query<{ status: string }>(`SELECT status FROM rating.surveys WHERE id = $1`, [t.link.surveyId]))[0]?.status === 'withdrawn');

      const byTicket = await http().post(`/v1/tickets/${t.ticketId}/rating`).auth(tokens().ann, { type: 'bearer' }).send({ score: 1, solved: false });
      expectProblem(byTicket, 409, 'conflict');
      expect(byTicket.body.detail).toContain('not resolved now');
      // Resolved again in intake, maybe, and not yet here: marked for the gateway (docs/adr/0068, addendum of 2026-12-05).
      expect(byTicket.headers[TICKET_BEHIND_HEADER]).toBe('resolved');
      const byLink = await http().post(`/v1/ratings/${t.link.token}`).send({ score: 1, solved: false });
      expectProblem(byLink, 409, 'conflict');
      // A link names no ticket in its path: nothing for the gateway to ask intake about.
      expect(byLink.headers[TICKET_BEHIND_HEADER]).toBeUndefined();
      const link = await http().get(`/v1/ratings/${t.link.token}`);
      expect(link.status).toBe(200);
      expect(link.body).toMatchObject({ surveyId: t.link.surveyId, rated: false, reopened: true });
      const read = await http().get(`/v1/tickets/${t.ticketId}/rating`).auth(tokens().acme, { type: 'bearer' });
      expect(read.body.survey).toMatchObject({ surveyId: t.link.surveyId, state: 'withdrawn' });
      expect(await rating.sut.query(`SELECT 1 FROM rating.ratings WHERE ticket_id = $1`, [t.ticketId])).toEqual([]);
      expect(await rating.events(t.ticketId, 'rating.submitted')).toEqual([]);

      // Resolved again: a new survey takes the rating; the old link stays spent (replaced: 410).
      const second = await rating.resolve({ ticketId: t.ticketId, partnerId: acme }, 4, 2);
      expectProblem(await http().post(`/v1/ratings/${t.link.token}`).send({ score: 5, solved: true }), 410, 'gone');
      const rated = await http().post(`/v1/tickets/${t.ticketId}/rating`).auth(tokens().ann, { type: 'bearer' }).send({ score: 5, solved: true });
      expect(rated.status).toBe(201);
      expect(rated.body).toMatchObject({ surveyId: second.surveyId });
    });
  });

  describe('GET /v1/tickets/{id}/rating', () => {
    it('a comment quoting the requester’s support-site link: staff read its credential withheld, the requester and the partner as written', async () => {
      const t = await resolvedTicket();
      const link = 'https://support.example/support/t/eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJjdXN0LWFubiJ9.c2lnbmF0dXJl';
      expect((await http().post(`/v1/ratings/${t.link.token}`).send({ score: 2, solved: true, comment: `Fine, see ${link} for more` })).status).toBe(201);
      const commentAs = async (token: string) => ((await http().get(`/v1/tickets/${t.ticketId}/rating`).auth(token, { type: 'bearer' })).body.rating as { comment: string }).comment;
      expect(await commentAs(tokens().agent)).toBe('Fine, see https://support.example/support/t/[withheld] for more');
      expect(await commentAs(tokens().ann)).toBe(`Fine, see ${link} for more`);
      expect(await commentAs(tokens().acme)).toBe(`Fine, see ${link} for more`);
    });

    it('shows the survey, the rating and the escalation it led to; earlier ratings after a reopen; 404 across tenants', async () => {
      const t = await resolvedTicket();
      const before = await http().get(`/v1/tickets/${t.ticketId}/rating`).auth(tokens().ann, { type: 'bearer' });
      expect(before.status).toBe(200);
      expect(before.body).toEqual({
        ticketId: t.ticketId,
        reference: t.reference,
        survey: { surveyId: t.link.surveyId, state: 'open', sentAt: clock.now().toISOString(), expiresAt: t.link.expiresAt },
        earlier: [],
      });
      await http().post(`/v1/ratings/${t.link.token}`).send({ score: 1, solved: false, comment: 'Attention Technical Support Team Leader' });
      const escalationId = randomUUID();
      await rating.publish(EscalationRaisedV1, t.ticketId, {
        partnerId: acme,
        escalationId,
        kind: 'low_rating',
        targetRole: 'team_leader',
        raisedAt: clock.now().toISOString(),
        surveyId: t.link.surveyId,
      });
      const shown = await waitFor('the escalation shown on the rating', async () => {
        const r = await http().get(`/v1/tickets/${t.reference}/rating`).auth(tokens().agent, { type: 'bearer' });
        return r.body.rating?.escalated ? r.body : undefined;
      });
      expect(shown.survey.state).toBe('rated');
      expect(shown.rating).toMatchObject({ score: 1, solved: false, escalated: true, escalations: [{ escalationId, kind: 'low_rating', targetRole: 'team_leader', raisedAt: clock.now().toISOString() }] });

      await rating.publish(TicketReopenedV1, t.ticketId, { partnerId: acme, sequence: 3, reopenedAt: clock.now().toISOString() });
      const second = await rating.resolve({ ticketId: t.ticketId, partnerId: acme }, 4, 2);
      const after = await http().get(`/v1/tickets/${t.ticketId}/rating`).auth(tokens().acme, { type: 'bearer' });
      expect(after.body.survey).toMatchObject({ surveyId: second.surveyId, state: 'open' });
      expect(after.body.rating).toBeUndefined();
      expect(after.body.earlier).toEqual([expect.objectContaining({ surveyId: t.link.surveyId, escalated: true })]);

      expectProblem(await http().get(`/v1/tickets/${t.ticketId}/rating`).auth(tokens().rival, { type: 'bearer' }), 404, 'not-found');
      expectProblem(await http().get(`/v1/tickets/${t.reference}/rating`).auth(tokens().rival, { type: 'bearer' }), 404, 'not-found');
      expectProblem(await http().get(`/v1/tickets/${t.ticketId}/rating`).auth(tokens().bob, { type: 'bearer' }), 404, 'not-found');
      clock.advanceMs(15 * DAY_MS);
      expect((await http().get(`/v1/tickets/${t.ticketId}/rating`).auth(tokens().acme, { type: 'bearer' })).body.survey.state).toBe('expired');
    });
  });
});
