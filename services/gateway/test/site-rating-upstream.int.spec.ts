import Fastify, { type FastifyInstance } from 'fastify';
import jwt from 'jsonwebtoken';
import pino from 'pino';
import { TICKET_BEHIND_HEADER } from '@tss/contracts';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { SiteLinkKeys } from '@tss/service-kit';
import { logCapture, TestClock } from '@tss/service-kit/testing';
import { CsrfTokens } from '@tss/web-pages';
import { gatewayService } from '../src';

const TICKET_ID = '7a1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d';

/**
 * Services mode (docs/adr/0040, addendum of 2026-12-04, seventh session): the support site reads a
 * resolved ticket's survey and posts the requester's rating to rating over HTTP (TSS_RATING_URL),
 * as the link's requester. Rating down or refusing is never the page's fault: the page shows without
 * the form, and a rating sent then is "we could not confirm this" (503), logged at warn.
 */
describe('the support site’s rating form, with rating over HTTP (services mode)', () => {
  const clock = new TestClock('2026-06-02T09:00:00.000Z');
  const { lines, stream } = logCapture();
  let intake: FastifyInstance;
  let rating: FastifyInstance;
  let ratingUrl: string;
  let sut: ServiceUnderTest;
  let partnerId: string;
  /**
   * How the stand-in rating answers: a survey open for rating, 503 as a rating that cannot serve, or
   * the 409 "not resolved" of a rating that has not seen the resolution, marked for the gateway.
   */
  let ratingMode: 'open' | 'unavailable' | 'behind' = 'open';
  /** The ticket's status as the stand-in intake shows it. */
  let intakeStatus = 'resolved';
  const ratingCalls: { method: string; url: string; authorization?: string; idempotencyKey?: string; body: unknown }[] = [];

  beforeAll(async () => {
    intake = Fastify();
    intake.get('/v1/tickets/:id', async () => ({ id: TICKET_ID, reference: 'TSS-K7QM2-ZC4XD', status: intakeStatus, level: 'standard', subject: 'Crash', receivedAt: '2026-06-01T09:00:00.000Z' }));
    intake.get('/v1/tickets/:id/thread', async () => ({ reference: 'TSS-K7QM2-ZC4XD', request: { subject: 'Crash', description: 'It crashes.', receivedAt: '2026-06-01T09:00:00.000Z' }, items: [] }));
    intake.get('/v1/tickets/:id/attachments', async () => ({ items: [] }));
    intake.get('/v1/tickets', async () => ({ items: [] }));
    rating = Fastify();
    const unavailable = { type: 'https://tss.dev/problems/unavailable', title: 'Service Unavailable', status: 503 };
    rating.get('/v1/tickets/:id/rating', async (req, reply) => {
      ratingCalls.push({ method: 'GET', url: req.url, authorization: req.headers.authorization, body: undefined });
      if (ratingMode === 'unavailable') return reply.code(503).type('application/problem+json').send(unavailable);
      return { ticketId: TICKET_ID, reference: 'TSS-K7QM2-ZC4XD', survey: { surveyId: TICKET_ID, state: 'open', sentAt: '2026-06-02T08:00:00.000Z', expiresAt: '2026-06-16T08:00:00.000Z' }, earlier: [] };
    });
    rating.post('/v1/tickets/:id/rating', async (req, reply) => {
      ratingCalls.push({ method: 'POST', url: req.url, authorization: req.headers.authorization, idempotencyKey: req.headers['idempotency-key'] as string, body: req.body });
      if (ratingMode === 'unavailable') return reply.code(503).type('application/problem+json').send(unavailable);
      if (ratingMode === 'behind') {
        return reply
          .code(409)
          .header(TICKET_BEHIND_HEADER, 'resolved')
          .type('application/problem+json')
          .send({ type: 'https://tss.dev/problems/conflict', title: 'Conflict', status: 409, detail: 'The ticket has not been resolved: there is no survey to answer yet.' });
      }
      const body = req.body as { score: number; solved: boolean };
      return reply.code(201).send({ surveyId: TICKET_ID, ticketId: TICKET_ID, reference: 'TSS-K7QM2-ZC4XD', ...body, via: 'api', submittedAt: clock.now().toISOString(), escalated: false, escalations: [] });
    });
    const intakeUrl = await intake.listen({ host: '127.0.0.1', port: 0 });
    ratingUrl = await rating.listen({ host: '127.0.0.1', port: 0 });
    sut = await startServiceUnderTest(gatewayService, { clock, env: { TSS_INTAKE_URL: intakeUrl, TSS_RATING_URL: ratingUrl }, logger: pino({ level: 'trace' }, stream) });
    const admin = sut.token({ kind: 'staff', sub: 'admin-site', client_id: 'admin-site', roles: ['admin'] });
    const created = await sut.http().post('/v1/partners').set('authorization', `Bearer ${admin}`).send({ name: 'Acme Ratings' });
    expect(created.status).toBe(201);
    partnerId = created.body.id as string;
  });

  afterAll(async () => {
    await sut?.stop();
    await intake?.close();
    await rating?.close();
  });

  const link = (mintedBy?: { kind: 'staff' | 'partner'; id: string }) =>
    SiteLinkKeys.fromSettings({}).mint({ ticketId: TICKET_ID, partnerId, requester: 'cust-ann', expiresAt: new Date(clock.now().getTime() + 3_600_000), ...(mintedBy ? { mintedBy } : {}) });
  /** The rating form's token for a link, as a page rendered earlier carried it. */
  const rateCsrf = async (linkId: string) => {
    const [row] = await sut.query<{ secret: Buffer }>(`SELECT secret FROM gateway.site_secrets WHERE name = 'csrf'`);
    return new CsrfTokens(row.secret).issue({ form: 'rate', binding: `link:${linkId}` }, clock.now());
  };

  it('reads the survey and posts the rating to rating as the link’s requester, with the form’s Idempotency-Key', async () => {
    ratingMode = 'open';
    const { token } = link();
    const page = await sut.http().get(`/support/t/${token}`);
    expect(page.status).toBe(200);
    const csrf = /action="\/support\/t\/[^"]+\/rate"[^>]*>\s*<input type="hidden" name="_csrf" value="([^"]+)">/.exec(page.text)?.[1];
    expect(csrf).toBeDefined();
    ratingCalls.length = 0;
    const posted = await sut.http().post(`/support/t/${token}/rate`).type('form').send({ _csrf: csrf, score: '3', solved: 'no', comment: '  Slow.  ' });
    expect(posted.status).toBe(303);
    expect(posted.headers.location).toBe(`/support/t/${token}?done=rated-not-solved#main`);
    expect(ratingCalls).toEqual([
      { method: 'POST', url: `/v1/tickets/${TICKET_ID}/rating`, authorization: expect.stringMatching(/^Bearer /), idempotencyKey: expect.stringMatching(/^site-[A-Za-z0-9_-]{43}$/), body: { score: 3, solved: false, comment: 'Slow.' } },
    ]);
    expect(jwt.decode(ratingCalls[0].authorization!.replace(/^Bearer /, ''))).toMatchObject({ kind: 'requester', partner_id: partnerId, requester_id: 'cust-ann', client_id: `site:${partnerId}` });
    const thanked = await sut.http().get(posted.headers.location as string);
    expect(thanked.text).toContain('Thank you for your rating. We have recorded your rating of request TSS-K7QM2-ZC4XD. We are sorry the problem is not solved');
  });

  it('rating answering 503: the page shows without the form; a rating sent then is the "could not confirm" page (503, Retry-After), logged at warn, not as a fault', async () => {
    ratingMode = 'unavailable';
    const { token, grant } = link();
    const page = await sut.http().get(`/support/t/${token}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<dd>Resolved</dd>');
    expect(page.text).not.toContain('class="rating"');
    const posted = await sut.http().post(`/support/t/${token}/rate`).type('form').set('x-request-id', 'req-rate-503').send({ _csrf: await rateCsrf(grant.linkId), score: '5', solved: 'yes' });
    expect(posted.status).toBe(503);
    expect(posted.headers['retry-after']).toBe('5');
    expect(posted.text).toContain('We could not confirm this');
    expect(lines.filter((l) => l.reqId === 'req-rate-503' && l.level >= 50)).toEqual([]);
    expect(lines.filter((l) => l.reqId === 'req-rate-503' && l.msg === 'page unavailable')).toMatchObject([{ level: 40, statusCode: 503 }]);
  });

  // docs/adr/0068, addendum of 2026-12-05: the site calls rating directly, so it asks intake itself, as the forwarding does.
  it('rating not yet told of the resolution intake shows: a rating sent then is the "could not confirm" page (503), not "not resolved"', async () => {
    ratingMode = 'behind';
    intakeStatus = 'resolved';
    const { token, grant } = link();
    const posted = await sut.http().post(`/support/t/${token}/rate`).type('form').set('x-request-id', 'req-rate-behind').send({ _csrf: await rateCsrf(grant.linkId), score: '5', solved: 'yes' });
    expect(posted.status).toBe(503);
    expect(posted.text).toContain('We could not confirm this');
    expect(lines.filter((l) => l.reqId === 'req-rate-behind' && l.level >= 50)).toEqual([]);
  });

  it('rating’s marked "not resolved" of a ticket intake shows open: the page says it is not resolved (409)', async () => {
    ratingMode = 'behind';
    intakeStatus = 'open';
    const { token, grant } = link();
    const posted = await sut.http().post(`/support/t/${token}/rate`).type('form').send({ _csrf: await rateCsrf(grant.linkId), score: '5', solved: 'yes' });
    intakeStatus = 'resolved';
    expect(posted.status).toBe(409);
    expect(posted.text).toContain('This request is not resolved now');
  });

  it('rating down (nothing listens): the page shows without the form; a rating sent then is the "could not confirm" page (503)', async () => {
    await rating.close();
    const { token, grant } = link();
    const page = await sut.http().get(`/support/t/${token}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<dd class="reference">TSS-K7QM2-ZC4XD</dd>');
    expect(page.text).not.toContain('class="rating"');
    const posted = await sut.http().post(`/support/t/${token}/rate`).type('form').set('x-request-id', 'req-rate-down').send({ _csrf: await rateCsrf(grant.linkId), score: '5', solved: 'yes' });
    expect(posted.status).toBe(503);
    expect(posted.text).toContain('We could not confirm this');
    expect(lines.filter((l) => l.reqId === 'req-rate-down' && l.level >= 50)).toEqual([]);
  });
});
