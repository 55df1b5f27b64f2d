import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gifBytes, pngBytes } from '@tss/blob-storage/testing';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { waitFor } from '@tss/service-kit/testing';
import { ratingHelpers } from './rating-support';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

type Answer = { status: number; headers: Record<string, string>; body: Record<string, unknown> };

// RFC 9110 §15.3.2: a 201 names the resource it created in Location, and a client can read it
// there (docs/adr/0065). Each POST that answers 201, through the whole platform.
describe('every 201 carries a Location one can GET (docs/adr/0065)', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let blobRoot: string;
  let admin: string;
  let acme: { partnerId: string; token: string };
  let agent: string;
  let ticket: { id: string; reference: string };

  beforeAll(async () => {
    blobRoot = await mkdtemp(path.join(tmpdir(), 'tss-created-locations-'));
    platform = await startTestPlatform('created_locations', { env: { ATTACHMENT_DIR: blobRoot } });
    client = platform.client;
    admin = await platform.adminToken();
    acme = await client.partner(admin, 'Acme Locations');
    agent = (await client.staff(admin, ['agent'])).token;
    const filed = await post('/v1/tickets', acme.token).send(sampleTicket({ requester: { id: 'cust-ann', email: 'ann@example.com' } }));
    expect(filed.status).toBe(201);
    ticket = filed.body as typeof ticket;
  });

  afterAll(async () => {
    await platform?.stop();
    if (blobRoot) await rm(blobRoot, { recursive: true, force: true });
  });

  const post = (url: string, token?: string) => {
    const request = client.http().post(url);
    return token ? request.auth(token, { type: 'bearer' }) : request;
  };
  /** The 201's Location, and what a GET of it answers to `token` (the path of an absolute one: the platform is this app). */
  const created = async (answer: Answer, token?: string) => {
    expect(answer.status).toBe(201);
    const location = answer.headers.location;
    expect(location).toEqual(expect.any(String));
    const url = new URL(location, 'http://platform.invalid');
    const read = client.http().get(url.pathname + url.search);
    return { location, read: await (token ? read.auth(token, { type: 'bearer' }) : read) };
  };

  it('POST /v1/partners: the partner, as the list shows it (GET /v1/partners/{id}, admins)', async () => {
    const { location, read } = await created(await post('/v1/partners', admin).send({ name: 'Located Partner' }), admin);
    expect(read.status).toBe(200);
    const listed = (await client.http().get('/v1/partners').auth(admin, { type: 'bearer' })).body.items as { id: string }[];
    expect(read.body).toEqual(listed.find((p) => location === `/v1/partners/${p.id}`));
    expect((await client.http().get(location).auth(acme.token, { type: 'bearer' })).status).toBe(403);
    expect((await client.http().get('/v1/partners/00000000-0000-4000-8000-000000000000').auth(admin, { type: 'bearer' })).status).toBe(404);
  });

  it('POST /v1/partners/{id}/clients and POST /v1/clients: the client, as the list shows it, never its secret', async () => {
    const partnerClient = await post(`/v1/partners/${acme.partnerId}/clients`, admin).send();
    const ofPartner = await created(partnerClient, admin);
    expect(ofPartner.location).toBe(`/v1/partners/${acme.partnerId}/clients/${partnerClient.body.clientId}`);
    expect(ofPartner.read.status).toBe(200);
    expect(ofPartner.read.body).toEqual({ clientId: partnerClient.body.clientId, kind: 'partner', partnerId: acme.partnerId, roles: [], active: true, createdAt: expect.any(String) });

    const staffClient = await post('/v1/clients', admin).send({ roles: ['quality'], displayName: 'Quinn Quality' });
    const ofStaff = await created(staffClient, admin);
    expect(ofStaff.location).toBe(`/v1/clients/${staffClient.body.clientId}`);
    expect(ofStaff.read.body).toEqual({ clientId: staffClient.body.clientId, kind: 'staff', roles: ['quality'], displayName: 'Quinn Quality', language: 'en', active: true, createdAt: expect.any(String) });
    expect(JSON.stringify([ofPartner.read.body, ofStaff.read.body])).not.toContain(String(staffClient.body.clientSecret));
    // Each client under its own owner only.
    expect((await client.http().get(`/v1/clients/${partnerClient.body.clientId}`).auth(admin, { type: 'bearer' })).status).toBe(404);
    expect((await client.http().get(`/v1/partners/${acme.partnerId}/clients/${staffClient.body.clientId}`).auth(admin, { type: 'bearer' })).status).toBe(404);
  });

  it('POST /v1/webhooks/endpoints: the endpoint, without its secret', async () => {
    const subscribed = await post('/v1/webhooks/endpoints', acme.token).send({ url: 'https://93.184.216.34/hook', eventTypes: ['ticket.created'] });
    const { location, read } = await created(subscribed, acme.token);
    expect(location).toBe(`/v1/webhooks/endpoints/${subscribed.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: subscribed.body.id, url: 'https://93.184.216.34/hook' });
    expect(read.body).not.toHaveProperty('secret');
  });

  it('POST /v1/tickets/{id}/site-links: the support-site page the link opens', async () => {
    const minted = await waitFor('the site to know the ticket', async () => {
      const answer = await post(`/v1/tickets/${ticket.reference}/site-links`, acme.token);
      return answer.status === 503 ? undefined : answer;
    });
    const { location, read } = await created(minted);
    expect(location).toBe(minted.body.url);
    expect(read.status).toBe(200);
    expect(read.text).toContain(ticket.reference);
  });

  it('POST /v1/tickets/{id}/credentials: for staff the credential (its reveal); for a partner, who may not read a secret (P9), the ticket’s credential list holding it', async () => {
    const handOver = (token: string, label: string) => post(`/v1/tickets/${ticket.id}/credentials`, token).send({ label, login: 'support-tmp', secret: 'Tmp-7f3Kq9!x' });
    const byPartner = await handOver(acme.token, 'Admin panel, from the partner');
    const byAgent = await handOver(agent, 'Admin panel, from support');

    const ofPartner = await created(byPartner, acme.token);
    expect(ofPartner.location).toBe(`/v1/tickets/${ticket.id}/credentials`);
    expect(ofPartner.read.status).toBe(200);
    expect(ofPartner.read.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ id: byPartner.body.id, label: 'Admin panel, from the partner', status: 'stored' })]));
    expect(JSON.stringify(ofPartner.read.body)).not.toContain('Tmp-7f3Kq9!x');

    const ofAgent = await created(byAgent, agent);
    expect(ofAgent.location).toBe(`/v1/tickets/${ticket.id}/credentials/${byAgent.body.id}`);
    expect([ofAgent.read.status, ofAgent.read.body.id, ofAgent.read.body.secret]).toEqual([200, byAgent.body.id, 'Tmp-7f3Kq9!x']);
  });

  it('POST /v1/tickets/{id}/attachments: the attachment for one file, the ticket’s attachment list for several', async () => {
    const one = await post(`/v1/tickets/${ticket.reference}/attachments`, acme.token).attach('file', pngBytes(), { filename: 'screen.png', contentType: 'image/png' });
    const single = await created(one, acme.token);
    const [attachment] = one.body.items as { id: string }[];
    expect(single.location).toBe(`/v1/tickets/${ticket.id}/attachments/${attachment.id}`);
    expect([single.read.status, single.read.headers['content-type']]).toEqual([200, 'image/png']);

    const two = await post(`/v1/tickets/${ticket.id}/attachments`, acme.token)
      .attach('file', pngBytes(), { filename: 'a.png', contentType: 'image/png' })
      .attach('file', gifBytes(), { filename: 'b.gif', contentType: 'image/gif' });
    const several = await created(two, acme.token);
    expect(several.location).toBe(`/v1/tickets/${ticket.id}/attachments`);
    const listed = (several.read.body.items as { id: string }[]).map((a) => a.id);
    expect(listed).toEqual(expect.arrayContaining((two.body.items as { id: string }[]).map((a) => a.id)));
  });

  it('POST /v1/ratings/{token} and POST /v1/tickets/{id}/rating: the ticket’s rating', async () => {
    const { file, resolve, rateLink } = ratingHelpers(platform);
    const rated = await file(acme.token);
    await resolve(agent, rated.id);
    const link = await rateLink(rated.id);
    const byLink = await created(await post(`/v1/ratings/${link.token}`).send({ score: 5, solved: true }), acme.token);
    expect(byLink.location).toBe(`/v1/tickets/${rated.id}/rating`);
    expect(byLink.read.status).toBe(200);
    expect(JSON.stringify(byLink.read.body)).toContain('"score":5');

    const other = await file(acme.token);
    await resolve(agent, other.id);
    await rateLink(other.id);
    const byApi = await created(await post(`/v1/tickets/${other.reference}/rating`, acme.token).send({ score: 4, solved: true }), acme.token);
    expect([byApi.location, byApi.read.status]).toEqual([`/v1/tickets/${other.id}/rating`, 200]);
  });

  it('POST /v1/tickets and POST /v1/tickets/{id}/messages: the ticket, and the message, whatever page of the thread holds it', async () => {
    const filed = await created(await post('/v1/tickets', acme.token).send(sampleTicket()), acme.token);
    expect(filed.read.status).toBe(200);
    // More than the thread's first page (100 messages) before it: the thread's GET would not show it.
    await platform.query(
      'ticket-intake',
      `INSERT INTO ticket_intake.messages (id, ticket_id, partner_id, author_kind, author_id, visibility, channel, body, created_at)
       SELECT gen_random_uuid(), $1, $2, 'requester', 'cust-ann', 'public', 'api', 'Earlier message ' || n, $3 FROM generate_series(1, 105) AS n`,
      [ticket.id, acme.partnerId, platform.clock.now()],
    );
    const posted = await post(`/v1/tickets/${ticket.id}/messages`, acme.token).send({ body: 'Still crashing on 4.2.1.' });
    const message = await created(posted, acme.token);
    expect(message.location).toBe(`/v1/tickets/${ticket.id}/messages/${posted.body.message.id}`);
    expect([message.read.status, message.read.body]).toEqual([200, posted.body.message]);
  });
});
