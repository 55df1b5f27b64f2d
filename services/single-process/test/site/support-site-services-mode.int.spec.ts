import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { bootstrapAdmin, gatewayService, gatewayTokenAuthority } from '@tss/gateway';
import { InProcessTransport } from '@tss/messaging';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { PlatformClient } from '@tss/runtime/testing';
import { SiteLinkKeys, systemClock } from '@tss/service-kit';
import { CsrfTokens } from '@tss/web-pages';
import { ServiceInstances } from '../support/service-instances';

const ADMIN = { clientId: 'sc_site_services_admin', clientSecret: 'site-services-admin-secret-0123456789' };
const TICKET_ID = '3f0c1d5e-8a4b-4c2d-9e6f-1a2b3c4d5e6f';

interface Received {
  method: string;
  url: string;
  authorization: string;
  idempotencyKey?: string;
  body: string;
}

/**
 * Services mode: the gateway alone, with TSS_INTAKE_URL (and TSS_RATING_URL) naming a stand-in for
 * intake (and rating) on 127.0.0.1. The support site reads and writes over HTTP as the link's
 * requester (upstream/intake-api.ts).
 */
describe('services mode: the support site calls intake over HTTP as the requester', () => {
  const received: Received[] = [];
  let upstream: Server;
  let db: TestDatabase;
  let services: ServiceInstances;
  let gateway: PlatformClient;
  let partnerId: string;

  const answers: Record<string, unknown> = {
    [`GET /v1/tickets/${TICKET_ID}`]: { id: TICKET_ID, reference: 'TSS-K7QM2-ZC4XD', status: 'open', level: 'standard', subject: 'Crash', receivedAt: '2026-06-01T09:00:00.000Z' },
    // The site reads the thread a page at a time, its largest page first (a last page: no nextCursor).
    [`GET /v1/tickets/${TICKET_ID}/thread?limit=200`]: {
      ticketId: TICKET_ID,
      reference: 'TSS-K7QM2-ZC4XD',
      request: { subject: 'Crash', description: 'It crashes.', receivedAt: '2026-06-01T09:00:00.000Z' },
      items: [{ id: 'm1', author: { kind: 'agent' }, visibility: 'public', body: 'An answer from intake.', attachmentIds: [], createdAt: '2026-06-01T10:00:00.000Z' }],
    },
    [`GET /v1/tickets/${TICKET_ID}/attachments`]: { items: [] },
    [`POST /v1/tickets/${TICKET_ID}/messages`]: { message: {}, ticket: {}, notes: [] },
  };
  /** Answers other than 200/201 JSON: status, headers and body by `METHOD path`. */
  const refusals: Record<string, { status: number; headers: Record<string, string>; body: unknown }> = {
    // The edge in front of intake spent the caller's budget (docs/adr/0011).
    // The same form's first post still at work (docs/adr/0028).
    [`POST /v1/tickets/${TICKET_ID}/reopen`]: {
      status: 409,
      headers: { 'content-type': 'application/problem+json', 'retry-after': '1' },
      body: { type: 'https://tss.dev/problems/idempotency-in-flight', title: 'Conflict', status: 409, detail: 'A request with this Idempotency-Key is still being processed.' },
    },
    'POST /v1/tickets': { status: 429, headers: { 'content-type': 'application/problem+json', 'retry-after': '17' }, body: { type: 'https://tss.dev/problems/rate-limited', title: 'Too Many Requests', status: 429 } },
  };

  /** Answers given once each, in order, before any other for `METHOD path` (a race staged call by call). */
  const scripted: Record<string, { status: number; headers: Record<string, string>; body: unknown }[]> = {};
  const IN_FLIGHT = {
    status: 409,
    headers: { 'content-type': 'application/problem+json', 'retry-after': '1' },
    body: { type: 'https://tss.dev/problems/idempotency-in-flight', title: 'Conflict', status: 409, detail: 'A request with this Idempotency-Key is still being processed.' },
  };

  beforeAll(async () => {
    upstream = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const key = `${req.method} ${req.url}`;
        received.push({
          method: req.method ?? '',
          url: req.url ?? '',
          authorization: req.headers.authorization ?? '',
          idempotencyKey: req.headers['idempotency-key'] as string | undefined,
          body: Buffer.concat(chunks).toString(),
        });
        const refusal = scripted[key]?.shift() ?? refusals[key];
        if (refusal) return void res.writeHead(refusal.status, refusal.headers).end(JSON.stringify(refusal.body));
        const answer = answers[key];
        res.writeHead(answer ? (req.method === 'POST' ? 201 : 200) : 404, { 'content-type': 'application/json' }).end(JSON.stringify(answer ?? { title: 'Not Found', status: 404 }));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const intakeUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

    db = await createTestDatabase('site_services_mode');
    services = new ServiceInstances(db.url);
    const instance = await services.start(gatewayService, {
      transport: new InProcessTransport(),
      // rating's routes live under /v1/tickets/{id}/rating: the one stand-in answers for both.
      env: { TSS_INTAKE_URL: intakeUrl, TSS_RATING_URL: intakeUrl },
      keySource: (host) => gatewayTokenAuthority(host.dataSource, systemClock),
    });
    gateway = new PlatformClient(await services.listen(instance));
    const host = instance.host;
    await bootstrapAdmin({ dataSource: host.dataSource, unitOfWork: host.unitOfWork, outbox: host.outbox, clock: systemClock, logger: host.logger }, ADMIN);
    partnerId = (await gateway.partner(await gateway.token(ADMIN.clientId, ADMIN.clientSecret), 'Services Partner')).partnerId;
  }, 120_000);

  afterAll(async () => {
    await services?.stopAll();
    await new Promise<void>((resolve) => upstream?.close(() => resolve()));
    await db?.drop();
  });

  it('shows the page from intake’s answers and posts a reply, each call with a requester token of the partner’s site client', async () => {
    const { token } = SiteLinkKeys.fromSettings({}).mint({ ticketId: TICKET_ID, partnerId, requester: 'cust-ann', expiresAt: new Date(systemClock.now().getTime() + 3_600_000) });
    const page = await gateway.http().get(`/support/t/${token}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<dd class="reference">TSS-K7QM2-ZC4XD</dd>');
    expect(page.text).toContain('An answer from intake.');
    expect(received.map((r) => `${r.method} ${r.url}`).sort()).toEqual([`GET /v1/tickets/${TICKET_ID}`, `GET /v1/tickets/${TICKET_ID}/attachments`, `GET /v1/tickets/${TICKET_ID}/thread?limit=200`]);
    for (const call of received) {
      expect(jwt.decode(call.authorization.replace(/^Bearer /, ''))).toMatchObject({ kind: 'requester', partner_id: partnerId, requester_id: 'cust-ann', client_id: `site:${partnerId}`, scope: 'tickets:read tickets:write' });
    }

    const csrf = /action="\/support\/t\/[^"]+\/reply"[^>]*>\s*<input type="hidden" name="_csrf" value="([^"]+)">/.exec(page.text)![1];
    const posted = await gateway.http().post(`/support/t/${token}/reply`).field('_csrf', csrf).field('text', 'Thanks, still broken.');
    expect(posted.status).toBe(303);
    const reply = received.find((r) => r.method === 'POST');
    expect(reply).toMatchObject({ url: `/v1/tickets/${TICKET_ID}/messages`, body: JSON.stringify({ body: 'Thanks, still broken.', channel: 'site' }) });
  });

  it('the public form answers intake’s 429 with the plain “too many requests” page and its Retry-After, not the form’s error', async () => {
    const admin = await gateway.token(ADMIN.clientId, ADMIN.clientSecret);
    await gateway.http().patch(`/v1/partners/${partnerId}`).auth(admin, { type: 'bearer' }).send({ siteEnabled: true }).expect(200);
    const action = `/support/new?partner=${partnerId}`;
    const form = await gateway.http().get(action);
    const cookie = ([] as string[]).concat(form.headers['set-cookie'] ?? [])[0].split(';')[0];
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1];
    const posted = await gateway.http().post(action).set('cookie', cookie).type('form').send({ _csrf: csrf, product: 'reader', productVersion: '1.0', description: 'Busy.' });
    expect(posted.status).toBe(429);
    expect(posted.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(posted.headers['retry-after']).toBe('17');
    expect(posted.text).toContain('<h1>Too many requests</h1>');
    expect(posted.text).not.toContain('Support could not accept this');
  });

  it('"not solved" sends an Idempotency-Key; while the same form’s first post is at work, the repeat is told it was received, not an error', async () => {
    answers[`GET /v1/tickets/${TICKET_ID}`] = { ...(answers[`GET /v1/tickets/${TICKET_ID}`] as object), status: 'resolved' };
    answers[`GET /v1/tickets?linkedTicketId=${TICKET_ID}&limit=10`] = { items: [] };
    const { token } = SiteLinkKeys.fromSettings({}).mint({ ticketId: TICKET_ID, partnerId, requester: 'cust-ann', expiresAt: new Date(systemClock.now().getTime() + 3_600_000) });
    const page = await gateway.http().get(`/support/t/${token}`);
    const csrf = /action="\/support\/t\/[^"]+\/reopen"[^>]*>\s*<input type="hidden" name="_csrf" value="([^"]+)">/.exec(page.text)![1];
    const posted = await gateway.http().post(`/support/t/${token}/reopen`).type('form').send({ _csrf: csrf, reason: 'Still broken.' });
    expect(posted.status).toBe(303);
    expect(posted.headers.location).toBe(`/support/t/${token}?done=received#main`);
    expect(received.find((r) => r.url === `/v1/tickets/${TICKET_ID}/reopen`)?.idempotencyKey).toMatch(/^site-[A-Za-z0-9_-]{43}$/);
  });

  it('a reply intake leaves resolved (its reopen window over) is told so, not promised an answer', async () => {
    answers[`POST /v1/tickets/${TICKET_ID}/messages`] = { message: {}, ticket: { status: 'resolved' }, notes: [] };
    const { token } = SiteLinkKeys.fromSettings({}).mint({ ticketId: TICKET_ID, partnerId, requester: 'cust-ann', expiresAt: new Date(systemClock.now().getTime() + 3_600_000) });
    const page = await gateway.http().get(`/support/t/${token}`);
    const csrf = /action="\/support\/t\/[^"]+\/reply"[^>]*>\s*<input type="hidden" name="_csrf" value="([^"]+)">/.exec(page.text)![1];
    const posted = await gateway.http().post(`/support/t/${token}/reply`).field('_csrf', csrf).field('text', 'Thanks.');
    expect(posted.status).toBe(303);
    expect(posted.headers.location).toBe(`/support/t/${token}?done=comment#main`);
    const shown = await gateway.http().get(`/support/t/${token}?done=comment`);
    expect(shown.text).toContain('Your reply was added. This request stays resolved');
  });

  it('a reply sent twice from one form (a double click) while the first is at work is told it was received, not asked to send it again', async () => {
    const { token } = SiteLinkKeys.fromSettings({}).mint({ ticketId: TICKET_ID, partnerId, requester: 'cust-ann', expiresAt: new Date(systemClock.now().getTime() + 3_600_000) });
    const page = await gateway.http().get(`/support/t/${token}`);
    const csrf = /action="\/support\/t\/[^"]+\/reply"[^>]*>\s*<input type="hidden" name="_csrf" value="([^"]+)">/.exec(page.text)![1];
    scripted[`POST /v1/tickets/${TICKET_ID}/messages`] = [IN_FLIGHT];
    const posted = await gateway.http().post(`/support/t/${token}/reply`).field('_csrf', csrf).field('text', 'Sent twice.');
    expect(posted.status).toBe(303);
    expect(posted.headers.location).toBe(`/support/t/${token}?done=reply-received#main`);
    const shown = await gateway.http().get(`/support/t/${token}?done=reply-received`);
    expect(shown.text).toContain('We received your reply');
    expect(shown.text).not.toContain('Support could not accept this');
  });

  it('P11: a resolved ticket’s page offers rating’s form while its survey is open; the rating goes to rating over HTTP as the requester, once per form', async () => {
    answers[`GET /v1/tickets/${TICKET_ID}`] = { ...(answers[`GET /v1/tickets/${TICKET_ID}`] as object), status: 'resolved' };
    answers[`GET /v1/tickets?linkedTicketId=${TICKET_ID}&limit=10`] = { items: [] };
    answers[`GET /v1/tickets/${TICKET_ID}/rating`] = { ticketId: TICKET_ID, reference: 'TSS-K7QM2-ZC4XD', survey: { surveyId: TICKET_ID, state: 'open', sentAt: '2026-06-02T09:00:00.000Z', expiresAt: '2026-06-16T09:00:00.000Z' }, earlier: [] };
    answers[`POST /v1/tickets/${TICKET_ID}/rating`] = { surveyId: TICKET_ID, ticketId: TICKET_ID, reference: 'TSS-K7QM2-ZC4XD', score: 5, solved: true, via: 'api', submittedAt: '2026-06-02T10:00:00.000Z', escalated: false, escalations: [] };
    const { token } = SiteLinkKeys.fromSettings({}).mint({ ticketId: TICKET_ID, partnerId, requester: 'cust-ann', expiresAt: new Date(systemClock.now().getTime() + 3_600_000) });
    const page = await gateway.http().get(`/support/t/${token}`);
    expect(page.status).toBe(200);
    const csrf = /action="\/support\/t\/[^"]+\/rate"[^>]*>\s*<input type="hidden" name="_csrf" value="([^"]+)">/.exec(page.text)![1];
    const before = received.length;
    const posted = await gateway.http().post(`/support/t/${token}/rate`).type('form').send({ _csrf: csrf, score: '5', solved: 'yes', comment: 'Thanks!' });
    expect(posted.status).toBe(303);
    expect(posted.headers.location).toBe(`/support/t/${token}?done=rated#main`);
    const [call] = received.slice(before);
    expect(call).toMatchObject({ method: 'POST', url: `/v1/tickets/${TICKET_ID}/rating`, body: JSON.stringify({ score: 5, solved: true, comment: 'Thanks!' }) });
    expect(call.idempotencyKey).toMatch(/^site-[A-Za-z0-9_-]{43}$/);
    expect(jwt.decode(call.authorization.replace(/^Bearer /, ''))).toMatchObject({ kind: 'requester', partner_id: partnerId, requester_id: 'cust-ann', client_id: `site:${partnerId}` });

    // The same form again while rating still works on the first: "we received it", never an error.
    scripted[`POST /v1/tickets/${TICKET_ID}/rating`] = [IN_FLIGHT];
    const again = await gateway.http().post(`/support/t/${token}/rate`).type('form').send({ _csrf: csrf, score: '5', solved: 'yes', comment: 'Thanks!' });
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe(`/support/t/${token}?done=rating-received#main`);
    expect(received.slice(before).map((r) => r.idempotencyKey)).toEqual([call.idempotencyKey, call.idempotencyKey]);
    expect((await gateway.http().get(`/support/t/${token}?done=rating-received`)).text).toContain('We received your rating');
  });

  it('P11: rating unavailable: the page shows without the form; a rating sent then is the "could not confirm" page (503), never a fault', async () => {
    const unavailable = { status: 503, headers: { 'content-type': 'application/problem+json', 'retry-after': '5' }, body: { type: 'https://tss.dev/problems/upstream-unavailable', title: 'Service Unavailable', status: 503 } };
    scripted[`GET /v1/tickets/${TICKET_ID}/rating`] = [unavailable];
    const { token, grant } = SiteLinkKeys.fromSettings({}).mint({ ticketId: TICKET_ID, partnerId, requester: 'cust-ann', expiresAt: new Date(systemClock.now().getTime() + 3_600_000) });
    const page = await gateway.http().get(`/support/t/${token}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<dd>Resolved</dd>');
    expect(page.text).not.toContain(`/support/t/${token}/rate"`);
    // A form rendered before rating went away, sent now.
    const [row] = await services.all[0].host.dataSource.query(`SELECT secret FROM gateway.site_secrets WHERE name = 'csrf'`);
    const csrf = new CsrfTokens((row as { secret: Buffer }).secret).issue({ form: 'rate', binding: `link:${grant.linkId}` }, systemClock.now());
    scripted[`POST /v1/tickets/${TICKET_ID}/rating`] = [unavailable];
    const posted = await gateway.http().post(`/support/t/${token}/rate`).type('form').send({ _csrf: csrf, score: '4', solved: 'yes' });
    expect(posted.status).toBe(503);
    expect(posted.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(posted.headers['retry-after']).toBe('5');
    expect(posted.text).toContain('We could not confirm');
  });

  it('the public form sent twice (a double click) while intake still files the first shows the first’s reference, not an error', async () => {
    const admin = await gateway.token(ADMIN.clientId, ADMIN.clientSecret);
    await gateway.http().patch(`/v1/partners/${partnerId}`).auth(admin, { type: 'bearer' }).send({ siteEnabled: true }).expect(200);
    const action = `/support/new?partner=${partnerId}`;
    const form = await gateway.http().get(action);
    const cookie = ([] as string[]).concat(form.headers['set-cookie'] ?? [])[0].split(';')[0];
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1];
    // The repeat's first call finds the first post's key in flight; its next one gets intake's stored 201 (docs/adr/0028).
    scripted['POST /v1/tickets'] = [IN_FLIGHT, { status: 201, headers: { 'content-type': 'application/json', 'idempotent-replayed': 'true' }, body: { id: TICKET_ID, reference: 'TSS-K7QM2-ZC4XD' } }];
    const before = received.filter((r) => r.url === '/v1/tickets').length;
    const posted = await gateway.http().post(action).set('cookie', cookie).type('form').send({ _csrf: csrf, product: 'reader', productVersion: '1.0', description: 'Clicked twice.' });
    expect(posted.status).toBe(201);
    expect(posted.text).toContain('TSS-K7QM2-ZC4XD');
    expect(posted.text).not.toContain('Support could not accept this');
    const calls = received.filter((r) => r.url === '/v1/tickets').slice(before);
    expect(calls).toHaveLength(2);
    expect(new Set(calls.map((c) => c.idempotencyKey)).size).toBe(1);
  });

  it('the public form whose first post intake is still filing after the wait is shown again with its own token, so sending it again is the same request', async () => {
    const action = `/support/new?partner=${partnerId}`;
    const form = await gateway.http().get(action);
    const cookie = ([] as string[]).concat(form.headers['set-cookie'] ?? [])[0].split(';')[0];
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1];
    scripted['POST /v1/tickets'] = Array.from({ length: 26 }, () => IN_FLIGHT);
    const before = received.filter((r) => r.url === '/v1/tickets').length;
    const fields = { _csrf: csrf, product: 'reader', productVersion: '1.0', description: 'Slow to file.' };
    const posted = await gateway.http().post(action).set('cookie', cookie).type('form').send(fields);
    expect(posted.status).toBe(409);
    expect(posted.text).toContain('Your request is still being filed');
    expect(/name="_csrf" value="([^"]+)"/.exec(posted.text)![1]).toBe(csrf);
    scripted['POST /v1/tickets'] = [{ status: 201, headers: { 'content-type': 'application/json', 'idempotent-replayed': 'true' }, body: { id: TICKET_ID, reference: 'TSS-K7QM2-ZC4XD' } }];
    const again = await gateway.http().post(action).set('cookie', cookie).type('form').send(fields);
    expect(again.status).toBe(201);
    const keys = new Set(received.filter((r) => r.url === '/v1/tickets').slice(before).map((r) => r.idempotencyKey));
    expect(keys.size).toBe(1);
  }, 20_000);
});
