import { randomUUID } from 'node:crypto';
import { projectedTicketOfPath } from '@tss/contracts';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { waitFor } from '@tss/service-kit/testing';
import type { Response } from 'supertest';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

/** The services whose routes under /v1/tickets/{id}/… read their own projection of `ticket.created` (the gateway's: its site links). */
const PROJECTING = ['sla-timer', 'rating', 'escalation', 'gateway'] as const;
const NOBODYS_TICKET = '00000000-0000-4000-8000-000000000000';

/** A problem's members but `instance` (the request's own URL, which names the id asked for). */
const withoutInstance = (body: Record<string, unknown>) => ({ ...body, instance: undefined });

// docs/adr/0068: a ticket intake has filed is never "no such ticket" to a caller who may see it,
// even while the service answering the route has not had its `ticket.created` yet. Here those
// services' consumers are held back, so their projections lag for as long as the test says.
describe('a ticket just filed: its sla, rating and referrals answer 503 ticket-not-yet-visible, never 404, to whoever may see it', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let acme: { token: string };
  let rival: { token: string };
  let agent: { token: string };
  let ann: string;
  let bob: string;
  let ticket: { id: string; reference: string };

  beforeAll(async () => {
    platform = await startTestPlatform('ticket_visibility');
    client = platform.client;
    const admin = await platform.adminToken();
    acme = await client.partner(admin, 'Acme Visibility');
    rival = await client.partner(admin, 'Rival Visibility');
    agent = await client.staff(admin, ['agent'], 'Vera Agent');
    ann = await client.requester(acme.token, 'cust-ann');
    bob = await client.requester(acme.token, 'cust-bob');
    for (const service of PROJECTING) await platform.running.platform.host(service).consumer.stop();
    const filed = await client.http().post('/v1/tickets').auth(ann, { type: 'bearer' }).send(sampleTicket());
    expect(filed.status).toBe(201);
    ticket = filed.body as { id: string; reference: string };
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const get = (path: string, token: string) => client.http().get(path).auth(token, { type: 'bearer' });
  const refer = (ticketId: string, key: string) =>
    client.http().post(`/v1/tickets/${ticketId}/referrals`).auth(agent.token, { type: 'bearer' }).set('idempotency-key', key).send({ target: 'quality', reason: 'Asked right after filing.' });
  const expectNotYetVisible = (response: Response) => {
    expect({ status: response.status, retryAfter: response.headers['retry-after'], type: response.body.type }).toEqual({
      status: 503,
      retryAfter: '1',
      type: 'https://tss.dev/problems/ticket-not-yet-visible',
    });
    // As every other problem goes out (fastify adds the charset to a JSON text it sends).
    expect(response.headers['content-type']).toBe(`${PROBLEM_CONTENT_TYPE}; charset=utf-8`);
    expect(response.headers['tss-unknown-ticket']).toBeUndefined();
  };
  /** A 404 that says exactly what one for a ticket id nobody has says. */
  const expectSameAsNobodys = async (response: Response, path: (id: string) => string, token: string) => {
    const nobodys = await get(path(NOBODYS_TICKET), token);
    expect(nobodys.status).toBe(404);
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(withoutInstance(response.body)).toEqual(withoutInstance(nobodys.body));
    expect(response.headers['tss-unknown-ticket']).toBeUndefined();
    expect(response.headers['retry-after']).toBeUndefined();
  };
  const sla = (id: string) => `/v1/tickets/${id}/sla`;
  const rating = (id: string) => `/v1/tickets/${id}/rating`;
  const referrals = (id: string) => `/v1/tickets/${id}/referrals`;
  const referralKey = randomUUID();

  it('intake has the ticket: its requester and its partner read it', async () => {
    for (const token of [ann, acme.token]) expect((await get(`/v1/tickets/${ticket.id}`, token)).status).toBe(200);
  });

  it('the requester and the partner get 503 with Retry-After: 1 on …/sla and …/rating, by id and by reference', async () => {
    for (const token of [ann, acme.token]) {
      for (const id of [ticket.id, ticket.reference]) {
        expectNotYetVisible(await get(sla(id), token));
        expectNotYetVisible(await get(rating(id), token));
      }
    }
  });

  it('an agent gets 503 on listing and on sending referrals, and the refused referral is not kept under its Idempotency-Key', async () => {
    expectNotYetVisible(await get(referrals(ticket.id), agent.token));
    expectNotYetVisible(await refer(ticket.id, referralKey));
  });

  it('the partner minting a support-site link gets the same 503, and another partner the 404 of a ticket id nobody has', async () => {
    const mint = (id: string, token: string) => client.http().post(`/v1/tickets/${id}/site-links`).auth(token, { type: 'bearer' });
    expectNotYetVisible(await mint(ticket.id, acme.token));
    const foreign = await mint(ticket.id, rival.token);
    const nobodys = await mint(NOBODYS_TICKET, rival.token);
    expect([foreign.status, nobodys.status]).toEqual([404, 404]);
    expect(withoutInstance(foreign.body)).toEqual(withoutInstance(nobodys.body));
  });

  it('another requester of the partner, and another partner, get the 404 of a ticket id nobody has', async () => {
    for (const token of [bob, rival.token]) {
      await expectSameAsNobodys(await get(sla(ticket.id), token), sla, token);
      await expectSameAsNobodys(await get(rating(ticket.id), token), rating, token);
    }
  });

  it('a ticket id nobody has stays a plain 404 for the agent too', async () => {
    const response = await get(referrals(NOBODYS_TICKET), agent.token);
    expect({ status: response.status, detail: response.body.detail }).toEqual({ status: 404, detail: 'No such ticket.' });
    expect(response.headers['tss-unknown-ticket']).toBeUndefined();
  });

  it('once the services have caught up: 200 on …/sla and …/rating, and the referral sent again with its key is accepted', async () => {
    for (const service of PROJECTING) await platform.running.platform.host(service).consumer.start();
    await waitFor('sla-timer knows the ticket', async () => (await get(sla(ticket.id), ann)).status === 200);
    await waitFor('rating knows the ticket', async () => (await get(rating(ticket.id), ann)).status === 200);
    await waitFor('escalation knows the ticket', async () => (await get(referrals(ticket.id), agent.token)).status === 200);
    await waitFor('the support site knows the ticket', async () => (await client.http().post(`/v1/tickets/${ticket.id}/site-links`).auth(acme.token, { type: 'bearer' })).status === 201);

    expect((await get(sla(ticket.reference), acme.token)).body).toMatchObject({ ticketId: ticket.id, clocks: [{ status: 'running' }] });
    expect((await get(rating(ticket.id), acme.token)).body).toMatchObject({ ticketId: ticket.id, earlier: [] });
    const referred = await refer(ticket.id, referralKey);
    expect(referred.status).toBe(202);
    expect(referred.headers['idempotent-replayed']).toBeUndefined();
  });

  it('the OpenAPI document names the 503 and its Retry-After on every operation under /v1/tickets/{id}/ that another service answers', async () => {
    type Responses = Record<string, { description?: string; headers?: Record<string, unknown> }>;
    const document = (await client.http().get('/openapi.json')).body as { paths: Record<string, Record<string, { operationId: string; responses: Responses }>> };
    const operations = Object.entries(document.paths)
      .filter(([path]) => projectedTicketOfPath(path.replace('{id}', 'x')) !== undefined)
      .flatMap(([, item]) => Object.values(item));
    expect(operations.map((o) => o.operationId).sort()).toEqual(
      ['createReferral', 'getReferral', 'getTicketRating', 'getTicketSla', 'listReferrals', 'rateTicket', 'recordReferralOutcome'].sort(),
    );
    for (const { operationId, responses } of operations) {
      expect({ operationId, description: responses['503']?.description, retryAfter: responses['503']?.headers?.['Retry-After'] }).toEqual({
        operationId,
        description: expect.stringContaining('`ticket-not-yet-visible`'),
        retryAfter: { $ref: '#/components/headers/Retry-After' },
      });
    }
  });

  it('a referral id the known ticket does not have is a 404 at once, not a 503', async () => {
    const response = await get(`${referrals(ticket.id)}/${randomUUID()}`, agent.token);
    expect({ status: response.status, detail: response.body.detail }).toEqual({ status: 404, detail: 'No such referral of this ticket.' });
  });
});
