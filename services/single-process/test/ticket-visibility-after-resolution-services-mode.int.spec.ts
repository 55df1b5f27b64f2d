import { randomUUID } from 'node:crypto';
import { bootstrapAdmin, type ServiceUrls } from '@tss/gateway';
import { InProcessTransport } from '@tss/messaging';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { ratingService } from '@tss/rating';
import type { ServiceInstance } from '@tss/runtime';
import { PlatformClient, sampleTicket } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE, systemClock } from '@tss/service-kit';
import { waitFor } from '@tss/service-kit/testing';
import { ticketIntakeService } from '@tss/ticket-intake';
import { ServiceInstances, startForwardingGateway } from './support/service-instances';

const ADMIN = { clientId: 'sc_resolution_lag_admin', clientSecret: 'resolution-lag-admin-secret-0123456789' };

/**
 * docs/adr/0068, addendum of 2026-12-05, in services mode as deployed: the gateway forwards over
 * HTTP to real ticket-intake and rating instances. rating's consumer is held back after it has
 * learned of the ticket, so it has not seen the ticket resolved when the partner rates it.
 */
describe('services mode: a rating right after the resolution is a 503 to retry through the gateway, and its Idempotency-Key is not kept', () => {
  let db: TestDatabase;
  let services: ServiceInstances;
  let rating: ServiceInstance;
  let gateway: PlatformClient;
  let acme: { token: string };
  let agent: { token: string };
  let ticket: { id: string; reference: string };
  const ratingKey = randomUUID();

  beforeAll(async () => {
    db = await createTestDatabase('resolution_lag_services');
    services = new ServiceInstances(db.url);
    const urls = {} as Record<keyof ServiceUrls, string>;
    const { instance: gatewayInstance, url: gatewayUrl } = await startForwardingGateway(services, urls);
    gateway = new PlatformClient(gatewayUrl);
    const intakeUrl = await services.listen(await services.start(ticketIntakeService, { transport: new InProcessTransport() }));
    rating = await services.start(ratingService, { transport: new InProcessTransport() });
    const ratingUrl = await services.listen(rating);
    Object.assign(urls, { 'ticket-intake': intakeUrl, rating: ratingUrl, 'sla-timer': intakeUrl, escalation: intakeUrl, notification: intakeUrl });

    const host = gatewayInstance.host;
    await bootstrapAdmin({ dataSource: host.dataSource, unitOfWork: host.unitOfWork, outbox: host.outbox, clock: systemClock, logger: host.logger }, ADMIN);
    const admin = await gateway.token(ADMIN.clientId, ADMIN.clientSecret);
    acme = await gateway.partner(admin, 'Acme Resolution Lag Services');
    agent = await gateway.staff(admin, ['agent'], 'Rui Agent');

    const filed = await gateway.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket());
    expect(filed.status).toBe(201);
    ticket = filed.body as { id: string; reference: string };
    await waitFor('rating knows the ticket', async () => (await gateway.http().get(`/v1/tickets/${ticket.id}/rating`).auth(acme.token, { type: 'bearer' })).status === 200);
    await rating.host.consumer.stop();
    const read = await gateway.http().get(`/v1/tickets/${ticket.id}`).auth(agent.token, { type: 'bearer' });
    const resolved = await gateway.http().patch(`/v1/tickets/${ticket.id}`).auth(agent.token, { type: 'bearer' }).set('if-match', read.headers.etag as string).send({ status: 'resolved' });
    expect(resolved.status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await services?.stopAll();
    await db?.drop();
  });

  const rate = () => gateway.http().post(`/v1/tickets/${ticket.id}/rating`).auth(acme.token, { type: 'bearer' }).set('idempotency-key', ratingKey).send({ score: 4, solved: true });

  it('the partner rating at once, twice with one key: 503 ticket-not-yet-visible with Retry-After: 1 both times, no marker', async () => {
    for (const response of [await rate(), await rate()]) {
      expect({ status: response.status, retryAfter: response.headers['retry-after'], type: response.body.type }).toEqual({
        status: 503,
        retryAfter: '1',
        type: 'https://tss.dev/problems/ticket-not-yet-visible',
      });
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect(response.headers['tss-ticket-behind']).toBeUndefined();
    }
  });

  it('once rating has caught up, the rating sent again with its key is recorded: 201, not a replay of rating’s 409', async () => {
    await rating.host.consumer.start();
    await waitFor('rating has the survey', async () => (await gateway.http().get(`/v1/tickets/${ticket.id}/rating`).auth(acme.token, { type: 'bearer' })).body.survey?.state === 'open');
    const rated = await rate();
    expect(rated.status).toBe(201);
    expect(rated.headers['idempotent-replayed']).toBeUndefined();
    expect(rated.body).toMatchObject({ ticketId: ticket.id, score: 4, solved: true });
  });
});
