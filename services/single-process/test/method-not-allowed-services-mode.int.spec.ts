import { bootstrapAdmin, type ServiceUrls } from '@tss/gateway';
import { InProcessTransport } from '@tss/messaging';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { PlatformClient } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE, systemClock } from '@tss/service-kit';
import { notificationService } from '@tss/notification';
import { ticketIntakeService } from '@tss/ticket-intake';
import { connectRequest, requestWithMethod } from './support/raw-requests';
import { ServiceInstances, startForwardingGateway } from './support/service-instances';

const ADMIN = { clientId: 'sc_methods_admin', clientSecret: 'methods-admin-secret-0123456789' };
const TICKET = '00000000-0000-4000-8000-000000000000';
const allowOf = (response: { headers: Record<string, string> }): string[] => (response.headers.allow ?? '').split(/\s*,\s*/).filter(Boolean).sort();

/**
 * The 405 of RFC 9110 §15.5.6 in services mode as deployed: the gateway's forwards take every
 * method under `/v1`, so a method a service's path does not take is that service's 405, passed on;
 * a gateway path's is the gateway's own. OPTIONS alike, without a token.
 */
describe('services mode: a method a path does not take is a 405 with Allow, whichever process owns the path', () => {
  let db: TestDatabase;
  let services: ServiceInstances;
  let gateway: PlatformClient;
  let gatewayUrl: string;
  let admin: string;

  beforeAll(async () => {
    db = await createTestDatabase('method_not_allowed_services');
    services = new ServiceInstances(db.url);
    const urls = {} as Record<keyof ServiceUrls, string>;
    const { instance, url } = await startForwardingGateway(services, urls);
    gatewayUrl = url;
    gateway = new PlatformClient(url);
    const intakeUrl = await services.listen(await services.start(ticketIntakeService, { transport: new InProcessTransport() }));
    // Notification for the gateway's one exact public forward, `/v1/inbound/email` (POST only).
    const notificationUrl = await services.listen(await services.start(notificationService, { transport: new InProcessTransport() }, { MAIL_INBOUND_SECRET: 'methods-inbound-secret-0123456789' }));
    Object.assign(urls, { 'ticket-intake': intakeUrl, 'sla-timer': intakeUrl, escalation: intakeUrl, notification: notificationUrl, rating: intakeUrl });
    await bootstrapAdmin({ dataSource: instance.host.dataSource, unitOfWork: instance.host.unitOfWork, outbox: instance.host.outbox, clock: systemClock, logger: instance.host.logger }, ADMIN);
    admin = await gateway.token(ADMIN.clientId, ADMIN.clientSecret);
  }, 120_000);

  afterAll(async () => {
    await services?.stopAll();
    await db?.drop();
  });

  it("a ticket's path (ticket-intake's) and the partners' (the gateway's): 405 problems naming what each takes", async () => {
    const ticket = await gateway.http().delete(`/v1/tickets/${TICKET}`).auth(admin, { type: 'bearer' });
    const partners = await gateway.http().delete('/v1/partners').auth(admin, { type: 'bearer' });

    for (const response of [ticket, partners]) {
      expect([response.status, response.headers['content-type'], response.body.type]).toEqual([405, expect.stringContaining(PROBLEM_CONTENT_TYPE), 'https://tss.dev/problems/method-not-allowed']);
    }
    expect([allowOf(ticket), allowOf(partners)]).toEqual([
      ['GET', 'HEAD', 'OPTIONS', 'PATCH'],
      ['GET', 'HEAD', 'OPTIONS', 'POST'],
    ]);
  });

  it('OPTIONS is a 204 with Allow on either, without a token; a path nothing serves is a 404', async () => {
    const ticket = await gateway.http().options(`/v1/tickets/${TICKET}`);
    const partners = await gateway.http().options('/v1/partners');
    const nothing = await gateway.http().options('/v1/tickets/x/nothing-here');

    expect([ticket.status, partners.status, nothing.status]).toEqual([204, 204, 404]);
    expect([allowOf(ticket), allowOf(partners)]).toEqual([
      ['GET', 'HEAD', 'OPTIONS', 'PATCH'],
      ['GET', 'HEAD', 'OPTIONS', 'POST'],
    ]);
    expect(nothing.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
  });

  // An outside test: `CONNECT /v1/tickets/<id>` was a 404 in services mode, where one process
  // answers the 405 with Allow: the gateway's router names nothing at a forwarded path.
  it("CONNECT: a service's path is its 405 with that service's Allow, as in one process; a path nothing serves is a 404", async () => {
    const ticket = await connectRequest(gatewayUrl, `/v1/tickets/${TICKET}`);
    const partners = await connectRequest(gatewayUrl, '/v1/partners');
    const nothing = await connectRequest(gatewayUrl, '/v1/tickets/x/nothing-here');

    expect([ticket.head, partners.head, nothing.head]).toEqual(['HTTP/1.1 405 Method Not Allowed', 'HTTP/1.1 405 Method Not Allowed', 'HTTP/1.1 404 Not Found']);
    expect([allowOf(ticket), allowOf(partners)]).toEqual([
      ['GET', 'HEAD', 'OPTIONS', 'PATCH'],
      ['GET', 'HEAD', 'OPTIONS', 'POST'],
    ]);
    expect(JSON.parse(ticket.text)).toMatchObject({ type: 'https://tss.dev/problems/method-not-allowed', status: 405, instance: `/v1/tickets/${TICKET}` });
  });

  it('TRACE, QUERY and PROPFIND, which no forward takes: the owning service\'s 405 with its Allow, as in one process', async () => {
    const [trace, query, propfind, nothing] = await Promise.all([
      requestWithMethod(gatewayUrl, 'TRACE', `/v1/tickets/${TICKET}`),
      requestWithMethod(gatewayUrl, 'QUERY', `/v1/tickets/${TICKET}`),
      requestWithMethod(gatewayUrl, 'PROPFIND', '/v1/tickets'),
      requestWithMethod(gatewayUrl, 'TRACE', '/v1/tickets/x/nothing-here'),
    ]);

    expect([trace.status, query.status, propfind.status, nothing.status]).toEqual([405, 405, 405, 404]);
    expect([allowOf(trace), allowOf(query), allowOf(propfind)]).toEqual([
      ['GET', 'HEAD', 'OPTIONS', 'PATCH'],
      ['GET', 'HEAD', 'OPTIONS', 'PATCH'],
      ['GET', 'HEAD', 'OPTIONS', 'POST'],
    ]);
    expect(trace.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
  });

  // An outside test: `/v1/inbound/email` is a forward of the gateway's for every method, an exact
  // path its router names, so an odd method there got the forward's methods, not notification's.
  it("an exact path the gateway forwards (/v1/inbound/email): notification's Allow, whatever the method", async () => {
    const [propfind, trace, put, options] = await Promise.all([
      requestWithMethod(gatewayUrl, 'PROPFIND', '/v1/inbound/email'),
      requestWithMethod(gatewayUrl, 'TRACE', '/v1/inbound/email'),
      requestWithMethod(gatewayUrl, 'PUT', '/v1/inbound/email'),
      requestWithMethod(gatewayUrl, 'OPTIONS', '/v1/inbound/email'),
    ]);
    const connected = await connectRequest(gatewayUrl, '/v1/inbound/email');

    expect([propfind.status, trace.status, put.status, options.status, connected.status]).toEqual([405, 405, 405, 204, 405]);
    for (const answer of [propfind, trace, put, options, connected]) expect(allowOf(answer)).toEqual(['OPTIONS', 'POST']);
  });
});
