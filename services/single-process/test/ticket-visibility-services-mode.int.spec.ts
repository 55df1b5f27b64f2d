import { randomUUID } from 'node:crypto';
import { bootstrapAdmin, type ServiceUrls } from '@tss/gateway';
import { escalationService } from '@tss/escalation';
import { InProcessTransport } from '@tss/messaging';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import type { ServiceInstance } from '@tss/runtime';
import { PlatformClient, sampleTicket } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE, systemClock } from '@tss/service-kit';
import { waitFor } from '@tss/service-kit/testing';
import { slaTimerService } from '@tss/sla-timer';
import { ticketIntakeService } from '@tss/ticket-intake';
import type { Response } from 'supertest';
import { ServiceInstances, startForwardingGateway } from './support/service-instances';

const ADMIN = { clientId: 'sc_visibility_admin', clientSecret: 'visibility-admin-secret-0123456789' };

/**
 * docs/adr/0068 in services mode as deployed: the gateway forwards over HTTP to real ticket-intake,
 * sla-timer and escalation instances, each with its own transport on the shared event log.
 * sla-timer's and escalation's consumers are held back, so their projections lag on purpose.
 */
describe('services mode: a ticket just filed answers 503 ticket-not-yet-visible through the gateway, then 200', () => {
  let db: TestDatabase;
  let services: ServiceInstances;
  let slaTimer: ServiceInstance;
  let escalation: ServiceInstance;
  let gateway: PlatformClient;
  let acme: { token: string };
  let rival: { token: string };
  let agent: { token: string };
  let ticket: { id: string; reference: string };

  beforeAll(async () => {
    db = await createTestDatabase('ticket_visibility_services');
    services = new ServiceInstances(db.url);
    const urls = {} as Record<keyof ServiceUrls, string>;
    const { instance: gatewayInstance, url: gatewayUrl } = await startForwardingGateway(services, urls);
    gateway = new PlatformClient(gatewayUrl);
    const intakeUrl = await services.listen(await services.start(ticketIntakeService, { transport: new InProcessTransport() }));
    slaTimer = await services.start(slaTimerService, { transport: new InProcessTransport() });
    escalation = await services.start(escalationService, { transport: new InProcessTransport() });
    const slaUrl = await services.listen(slaTimer);
    const escalationUrl = await services.listen(escalation);
    Object.assign(urls, { 'ticket-intake': intakeUrl, 'sla-timer': slaUrl, escalation: escalationUrl, notification: intakeUrl, rating: intakeUrl });

    const host = gatewayInstance.host;
    await bootstrapAdmin({ dataSource: host.dataSource, unitOfWork: host.unitOfWork, outbox: host.outbox, clock: systemClock, logger: host.logger }, ADMIN);
    const admin = await gateway.token(ADMIN.clientId, ADMIN.clientSecret);
    acme = await gateway.partner(admin, 'Acme Visibility Services');
    rival = await gateway.partner(admin, 'Rival Visibility Services');
    agent = await gateway.staff(admin, ['agent'], 'Vic Agent');

    await slaTimer.host.consumer.stop();
    await escalation.host.consumer.stop();
    const filed = await gateway.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket());
    expect(filed.status).toBe(201);
    ticket = filed.body as { id: string; reference: string };
  }, 120_000);

  afterAll(async () => {
    await services?.stopAll();
    await db?.drop();
  });

  const get = (path: string, token: string) => gateway.http().get(path).auth(token, { type: 'bearer' });
  const refer = (key: string) =>
    gateway.http().post(`/v1/tickets/${ticket.id}/referrals`).auth(agent.token, { type: 'bearer' }).set('idempotency-key', key).send({ target: 'quality', reason: 'Sent right after filing.' });
  const expectNotYetVisible = (response: Response) => {
    expect({ status: response.status, retryAfter: response.headers['retry-after'], type: response.body.type }).toEqual({
      status: 503,
      retryAfter: '1',
      type: 'https://tss.dev/problems/ticket-not-yet-visible',
    });
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.headers['tss-unknown-ticket']).toBeUndefined();
  };
  const referralKey = randomUUID();

  it('the partner gets 503 on …/sla; the agent on …/referrals, and the refused referral’s Idempotency-Key is not kept', async () => {
    expectNotYetVisible(await get(`/v1/tickets/${ticket.id}/sla`, acme.token));
    expectNotYetVisible(await get(`/v1/tickets/${ticket.reference}/sla`, acme.token));
    expectNotYetVisible(await get(`/v1/tickets/${ticket.id}/referrals`, agent.token));
    expectNotYetVisible(await refer(referralKey));
  });

  it('another partner gets the 404 of a ticket id nobody has', async () => {
    const theirs = await get(`/v1/tickets/${ticket.id}/sla`, rival.token);
    const nobodys = await get(`/v1/tickets/${randomUUID()}/sla`, rival.token);
    expect(theirs.status).toBe(404);
    expect({ ...theirs.body, instance: undefined }).toEqual({ ...nobodys.body, instance: undefined });
    expect(theirs.headers['tss-unknown-ticket']).toBeUndefined();
    expect(theirs.headers['retry-after']).toBeUndefined();
  });

  it('once sla-timer and escalation have caught up: 200, and the referral sent again with its key runs', async () => {
    await slaTimer.host.consumer.start();
    await escalation.host.consumer.start();
    const clocks = await waitFor('sla-timer knows the ticket', async () => {
      const response = await get(`/v1/tickets/${ticket.id}/sla`, acme.token);
      return response.status === 200 ? response : undefined;
    });
    expect(clocks.body).toMatchObject({ ticketId: ticket.id, clocks: [{ status: 'running' }] });
    await waitFor('escalation knows the ticket', async () => (await get(`/v1/tickets/${ticket.id}/referrals`, agent.token)).status === 200);

    const referred = await refer(referralKey);
    expect(referred.status).toBe(202);
    expect(referred.headers['idempotent-replayed']).toBeUndefined();
  });
});
