import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { waitFor } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

// DESIGN "Tenancy": one typed scope per request decides what a route may read; a foreign
// partner's or requester's id answers 404 on every route.
describe('tenancy: a ticket of another partner or requester is a 404 on every route', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let acme: { partnerId: string; token: string };
  let rival: { token: string };
  let ann: string;
  let bob: string;
  let ticketId: string;

  beforeAll(async () => {
    platform = await startTestPlatform('tenancy');
    client = platform.client;
    const admin = await platform.adminToken();
    acme = await client.partner(admin, 'Acme Tenancy');
    rival = await client.partner(admin, 'Rival Tenancy');
    const mint = async (requesterId: string) =>
      (await client.http().post('/v1/auth/requester-token').auth(acme.token, { type: 'bearer' }).send({ requesterId })).body.access_token as string;
    ann = await mint('cust-ann');
    bob = await mint('cust-bob');
    const filed = await client.http().post('/v1/tickets').auth(ann, { type: 'bearer' }).send(sampleTicket());
    expect(filed.status).toBe(201);
    ticketId = filed.body.id;
    await waitFor('the ticket’s clock', async () => (await client.http().get(`/v1/tickets/${ticketId}/sla`).auth(ann, { type: 'bearer' })).status === 200);
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const get = (path: string, token: string) => client.http().get(path).auth(token, { type: 'bearer' });
  const expectNotFound = (response: { status: number; headers: Record<string, string>; body: { type?: string; clocks?: unknown } }) => {
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body.type).toBe('https://tss.dev/problems/not-found');
    expect(response.body.clocks).toBeUndefined();
  };

  it('the requester who filed the ticket, and its partner, read its SLA clocks', async () => {
    for (const token of [ann, acme.token]) {
      const response = await get(`/v1/tickets/${ticketId}/sla`, token);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ ticketId, clocks: [{ level: 'standard', status: 'running' }] });
    }
  });

  it('another requester of the same partner gets a 404 for the SLA clocks, as for the ticket', async () => {
    expectNotFound(await get(`/v1/tickets/${ticketId}/sla`, bob));
    expectNotFound(await get(`/v1/tickets/${ticketId}`, bob));
    expect((await get('/v1/tickets', bob)).body.items).toEqual([]);
  });

  it('a foreign partner gets a 404 for the SLA clocks, as for the ticket', async () => {
    expectNotFound(await get(`/v1/tickets/${ticketId}/sla`, rival.token));
    expectNotFound(await get(`/v1/tickets/${ticketId}`, rival.token));
    expect((await get('/v1/tickets', rival.token)).body.items).toEqual([]);
  });

  it('a ticket id nobody filed gets the same 404 for the SLA clocks', async () => {
    expectNotFound(await get('/v1/tickets/00000000-0000-4000-8000-000000000000/sla', acme.token));
  });
});
