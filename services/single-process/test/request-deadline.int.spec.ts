import type { AddressInfo } from 'node:net';
import { defaultEdgeConfig, type ServiceUrls } from '@tss/gateway';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { sendStalledRequest, type RawAnswer } from '@tss/service-kit/testing';
import { ServiceInstances, startForwardingGateway } from './support/service-instances';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const REQUEST_TIMEOUT_MS = 300;
const UPLOAD_TIMEOUT_MS = 1_500;

const expectTimeoutProblem = (what: string, answer: RawAnswer) => {
  expect({ what, status: answer.head.split('\r\n')[0] }).toEqual({ what, status: 'HTTP/1.1 408 Request Timeout' });
  expect(answer.head.toLowerCase()).toContain(`content-type: ${PROBLEM_CONTENT_TYPE}`);
  expect(answer.head.toLowerCase()).toContain('connection: close');
  expect(JSON.parse(answer.body)).toMatchObject({ type: 'https://tss.dev/problems/request-timeout', status: 408 });
  expect({ what, late: answer.tookMs >= UPLOAD_TIMEOUT_MS }).toEqual({ what, late: false });
};

/** A person's form that did not arrive in time: the plain 408 page, never problem+json. */
const expectTimeoutPage = (what: string, answer: RawAnswer) => {
  expect({ what, status: answer.head.split('\r\n')[0] }).toEqual({ what, status: 'HTTP/1.1 408 Request Timeout' });
  expect(answer.head.toLowerCase()).toContain('content-type: text/html');
  expect(answer.head.toLowerCase()).toContain('connection: close');
  expect(answer.body).toContain('The request could not be read');
};

/** Headers announcing 100 bytes of body, then none (the security review's repro). */
const headersAndNoBody = (port: number, path: string, contentType: string, token?: string) =>
  sendStalledRequest({
    port,
    head: [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', `Content-Type: ${contentType}`, 'Content-Length: 100', ...(token ? [`Authorization: Bearer ${token}`] : [])],
    firstBytes: Buffer.alloc(0),
    giveUpMs: 4 * UPLOAD_TIMEOUT_MS,
  });

// Security review, sixth session (slow-body DoS): 50 connections sending a partner's POST /v1/tickets
// headers and no body were all still open after 130 s; trickled bodies held /v1/auth/token and
// /support/new for minutes, and an unauthenticated one after its 401. docs/adr/0063, sixth session.
describe('single process: every request has TSS_REQUEST_TIMEOUT_MS to arrive', () => {
  let platform: TestPlatform;
  let port: number;
  let partnerToken: string;

  beforeAll(async () => {
    platform = await startTestPlatform('request_deadline', { edge: { ...defaultEdgeConfig(), TSS_REQUEST_TIMEOUT_MS: REQUEST_TIMEOUT_MS, TSS_UPLOAD_TIMEOUT_MS: UPLOAD_TIMEOUT_MS } });
    await platform.running.platform.app.listen({ host: '127.0.0.1', port: 0 });
    port = (platform.running.platform.app.server.address() as AddressInfo).port;
    partnerToken = (await platform.client.partner(await platform.adminToken(), 'Deadline Partner')).token;
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('a partner’s POST /v1/tickets, POST /v1/auth/token and the site’s /support/new with headers and no body: each a 408 at the deadline (the site’s the plain page), connection closed, no ticket filed', async () => {
    const tickets = async () => (await platform.query<{ n: number }>('ticket-intake', 'SELECT count(*)::int AS n FROM ticket_intake.tickets'))[0].n;
    const before = await tickets();
    const answers = await Promise.all([
      headersAndNoBody(port, '/v1/tickets', 'application/json', partnerToken),
      headersAndNoBody(port, '/v1/auth/token', 'application/x-www-form-urlencoded'),
      headersAndNoBody(port, '/support/new', 'application/x-www-form-urlencoded'),
    ]);
    expectTimeoutProblem('/v1/tickets', answers[0]);
    expectTimeoutProblem('/v1/auth/token', answers[1]);
    expectTimeoutPage('/support/new', answers[2]);
    for (const answer of answers) expect(answer.tookMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
    expect(await tickets()).toBe(before);
  });

  it('a rating form (POST /rate/<token>) and the rating API with headers and no body: the page’s 408 and a problem whose instance does not echo the link token', async () => {
    const token = 'rAtInGlInKtOkEn0123456789abcdefghijklmnop';
    const [page, api] = await Promise.all([headersAndNoBody(port, `/rate/${token}`, 'application/x-www-form-urlencoded'), headersAndNoBody(port, `/v1/ratings/${token}`, 'application/json')]);
    expectTimeoutPage('/rate/<token>', page);
    expect(page.body).not.toContain(token);
    expectTimeoutProblem('/v1/ratings/<token>', api);
    expect(JSON.parse(api.body).instance).toBe('/v1/ratings/[redacted]');
    expect(api.body).not.toContain(token);
  });

  it('without a token: the 401 at once, and the connection closed at the deadline however steadily the body trickles', async () => {
    const answer = await sendStalledRequest({
      port,
      head: ['POST /v1/tickets HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: application/json', 'Content-Length: 100'],
      firstBytes: Buffer.from('{'),
      giveUpMs: 4 * UPLOAD_TIMEOUT_MS,
      trickleEveryMs: 50,
    });
    expect(answer.head).toMatch(/^HTTP\/1\.1 401 /);
    expect(answer.tookMs).toBeLessThan(UPLOAD_TIMEOUT_MS);
  });
});

describe('services mode: a service process’s own server reads TSS_REQUEST_TIMEOUT_MS from its environment', () => {
  let db: TestDatabase;
  let services: ServiceInstances;
  let port: number;

  beforeAll(async () => {
    db = await createTestDatabase('request_deadline_services');
    services = new ServiceInstances(db.url);
    const nowhere = 'http://127.0.0.1:9';
    const urls: ServiceUrls = { 'ticket-intake': nowhere, 'sla-timer': nowhere, notification: nowhere, escalation: nowhere, rating: nowhere };
    const { url } = await startForwardingGateway(services, urls, { process: { TSS_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS), TSS_UPLOAD_TIMEOUT_MS: String(UPLOAD_TIMEOUT_MS) } });
    port = Number(new URL(url).port);
  }, 120_000);

  afterAll(async () => {
    await services?.stopAll();
    await db?.drop();
  });

  it('the gateway process: POST /v1/auth/token with headers and no body is a 408 problem at the deadline', async () => {
    expectTimeoutProblem('/v1/auth/token', await headersAndNoBody(port, '/v1/auth/token', 'application/x-www-form-urlencoded'));
  });
});
