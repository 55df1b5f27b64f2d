import { RatingSubmittedV1 } from '@tss/contracts';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { ratingHelpers } from './rating-support';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

/**
 * Offboarding a partner (docs/auth.md "Deactivating a partner", ADR 0012 addendum): one PATCH
 * refuses every client of the partner and every token they hold or minted, at once, and announces
 * it; its tickets stay readable by staff; reactivating lets its clients in again.
 */
describe('deactivating a partner', () => {
  const clock = new TestClock('2026-05-04T09:00:00.000Z');
  let platform: TestPlatform;
  let client: PlatformClient;
  let admin: string;

  beforeAll(async () => {
    // Private hosts allowed: a webhook endpoint for 127.0.0.1 is refused for its partner, not its URL.
    platform = await startTestPlatform('partner_deactivation', { clock, env: { WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    client = platform.client;
    admin = await platform.adminToken();
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const http = () => client.http();
  const tokenRequest = (clientId: string, clientSecret: string) =>
    http().post('/v1/auth/token').type('form').send({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret });
  const setActive = (partnerId: string, active: boolean) => http().patch(`/v1/partners/${partnerId}`).auth(admin, { type: 'bearer' }).send({ active });
  const lastAnnounced = async (partnerId: string) =>
    (
      await platform.query<{ event: { data: Record<string, unknown> } }>(
        'gateway',
        "SELECT event FROM gateway.outbox WHERE event_type = 'partner.updated' AND message_key = $1 ORDER BY position DESC LIMIT 1",
        [partnerId],
      )
    )[0]?.event.data;
  /** The id of the gateway's last `partner.updated` about the partner, to wait until a service handled it. */
  const lastAnnouncementId = async (partnerId: string) =>
    (
      await platform.query<{ id: string }>(
        'gateway',
        "SELECT event->>'id' AS id FROM gateway.outbox WHERE event_type = 'partner.updated' AND message_key = $1 ORDER BY position DESC LIMIT 1",
        [partnerId],
      )
    )[0].id;
  const activeInIntake = async (partnerId: string) =>
    (await platform.query<{ active: boolean }>('ticket-intake', 'SELECT active FROM ticket_intake.partners WHERE id = $1', [partnerId]))[0]?.active;
  const expect401 = (response: { status: number; headers: Record<string, string> }) => {
    expect(response.status).toBe(401);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
  };

  it('PATCH active=false refuses its clients’ and requesters’ tokens at once and new ones, announces partner.updated; staff still read its tickets', async () => {
    const acme = await client.partner(admin, 'Acme Offboarded');
    const second = await http().post(`/v1/partners/${acme.partnerId}/clients`).auth(admin, { type: 'bearer' });
    const secondToken = await client.token(second.body.clientId, second.body.clientSecret);
    const ann = await client.requester(acme.token, 'cust-ann');
    const filed = await http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket());
    expect(filed.status).toBe(201);
    const agent = await client.staff(admin, ['agent']);
    const rival = await client.partner(admin, 'Rival Staying');

    const deactivated = await setActive(acme.partnerId, false);

    expect(deactivated.status).toBe(200);
    expect(deactivated.body).toMatchObject({ id: acme.partnerId, name: 'Acme Offboarded', active: false });
    for (const token of [acme.token, secondToken, ann]) expect401(await http().get('/v1/tickets').auth(token, { type: 'bearer' }));
    const refusedToken = await tokenRequest(acme.clientId, acme.clientSecret);
    expect(refusedToken.status).toBe(401);
    expect(refusedToken.body.error).toBe('invalid_client'); // as for a disabled client: nothing tells why
    expect(await lastAnnounced(acme.partnerId)).toMatchObject({ partnerId: acme.partnerId, name: 'Acme Offboarded', active: false });
    await waitFor('ticket-intake has the partner inactive', async () => (await activeInIntake(acme.partnerId)) === false);

    // Its data stays readable by staff, and the admin still sees the partner and its clients.
    expect((await http().get(`/v1/tickets/${filed.body.id}`).auth(agent.token, { type: 'bearer' })).status).toBe(200);
    expect((await http().get(`/v1/partners/${acme.partnerId}`).auth(admin, { type: 'bearer' })).body.active).toBe(false);
    const clients = await http().get(`/v1/partners/${acme.partnerId}/clients`).auth(admin, { type: 'bearer' });
    expect(clients.status).toBe(200);
    expect(clients.body.items.map((c: { clientId: string }) => c.clientId)).toEqual([acme.clientId, second.body.clientId]);
    expect((await http().get(`/v1/partners/${acme.partnerId}/clients/${acme.clientId}`).auth(admin, { type: 'bearer' })).status).toBe(200);
    // No new client for a deactivated partner: reactivate it first.
    const newClient = await http().post(`/v1/partners/${acme.partnerId}/clients`).auth(admin, { type: 'bearer' });
    expect(newClient.status).toBe(409);
    expect(newClient.body.type).toBe('https://tss.dev/problems/conflict');
    // Another partner is untouched.
    expect((await http().get('/v1/tickets').auth(rival.token, { type: 'bearer' })).status).toBe(200);
  });

  it('PATCH active=true lets its clients get tokens again; the tokens refused at deactivation stay refused', async () => {
    const acme = await client.partner(admin, 'Acme Returning');
    const ann = await client.requester(acme.token, 'cust-ann');
    const disabled = await http().post(`/v1/partners/${acme.partnerId}/clients`).auth(admin, { type: 'bearer' });
    await http().delete(`/v1/partners/${acme.partnerId}/clients/${disabled.body.clientId}`).auth(admin, { type: 'bearer' });
    expect((await setActive(acme.partnerId, false)).status).toBe(200);

    const reactivated = await setActive(acme.partnerId, true);

    expect(reactivated.status).toBe(200);
    expect(reactivated.body.active).toBe(true);
    expect(await lastAnnounced(acme.partnerId)).toMatchObject({ partnerId: acme.partnerId, active: true });
    await waitFor('ticket-intake has the partner active again', async () => (await activeInIntake(acme.partnerId)) === true);
    for (const token of [acme.token, ann]) expect401(await http().get('/v1/tickets').auth(token, { type: 'bearer' }));
    const fresh = await client.token(acme.clientId, acme.clientSecret);
    expect((await http().get('/v1/tickets').auth(fresh, { type: 'bearer' })).status).toBe(200);
    const annAgain = await client.requester(fresh, 'cust-ann');
    expect((await http().post('/v1/tickets').auth(annAgain, { type: 'bearer' }).send(sampleTicket())).status).toBe(201);
    // A client disabled on its own stays disabled.
    expect((await tokenRequest(disabled.body.clientId, disabled.body.clientSecret)).body.error).toBe('invalid_client');
  });

  // The 422 once said a deactivated partner was unknown and told the admin to re-announce its name,
  // which changes nothing (fifth session of 2026-12-04).
  it('an agent filing for a deactivated partner, and an admin subscribing for it, get a 422 saying it is deactivated and how to reactivate it', async () => {
    const acme = await client.partner(admin, 'Acme Paused');
    const agent = await client.staff(admin, ['agent']);
    expect((await setActive(acme.partnerId, false)).status).toBe(200);
    await waitFor('ticket-intake has the partner inactive', async () => (await activeInIntake(acme.partnerId)) === false);
    await waitFor('notification has the partner inactive', async () =>
      (await platform.query<{ active: boolean }>('notification', 'SELECT active FROM notification.partners WHERE id = $1', [acme.partnerId]))[0]?.active === false);
    const expected = `Partner ${acme.partnerId} is deactivated; an admin can reactivate it with PATCH /v1/partners/${acme.partnerId} {"active":true}.`;

    const filed = await http().post('/v1/tickets').auth(agent.token, { type: 'bearer' }).send(sampleTicket({ partnerId: acme.partnerId, channel: 'phone' }));
    const subscribed = await http().post('/v1/webhooks/endpoints').auth(admin, { type: 'bearer' }).send({ url: 'http://127.0.0.1:9/acme', eventTypes: ['ticket.*'], partnerId: acme.partnerId });

    for (const refused of [filed, subscribed]) {
      expect(refused.status).toBe(422);
      expect(refused.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect(refused.body.detail).toBe(expected);
      expect(refused.body.errors).toEqual([{ in: 'body', pointer: '/partnerId', message: expected }]);
    }
  });

  // docs/auth.md: a deactivated partner's requester credentials are refused on every channel. Its
  // rating links were not: "not solved" through one reopened the ticket, started a clock and
  // escalated (docs/adr/0040, addendum of 2026-12-04, sixth session).
  it('a deactivated partner’s rating link answers 410 on the API and the rate page and records nothing; reactivated, it rates and reopens again', async () => {
    const acme = await client.partner(admin, 'Acme Rated Paused');
    const agent = await client.staff(admin, ['agent']);
    const h = ratingHelpers(platform);
    const ticket = await h.file(acme.token, sampleTicket({ requester: { id: 'cust-ann', email: 'ann@client.example' } }));
    await h.resolve(agent.token, ticket.id);
    const link = await h.rateLink(ticket.id);
    const statusOf = async () => ((await http().get(`/v1/tickets/${ticket.id}`).auth(agent.token, { type: 'bearer' })).body as { status: string }).status;

    expect((await setActive(acme.partnerId, false)).status).toBe(200);
    await platform.handledBy('rating', await lastAnnouncementId(acme.partnerId));

    const read = await http().get(`/v1/ratings/${link.token}`);
    const rated = await http().post(`/v1/ratings/${link.token}`).send({ score: 1, solved: false, comment: 'Still broken.' });
    for (const refused of [read, rated]) {
      expect({ status: refused.status, type: refused.body.type }).toEqual({ status: 410, type: 'https://tss.dev/problems/gone' });
      expect(refused.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect(refused.body.detail).toContain('the partner this request was filed through is deactivated. Nothing was recorded');
    }
    const page = await http().get(`/rate/${link.token}`);
    const posted = await http().post(`/rate/${link.token}`).type('form').send({ score: '1', solved: 'no' });
    for (const refused of [page, posted]) {
      expect(refused.status).toBe(410);
      expect(refused.text).toContain('<h1>This link was withdrawn</h1>');
    }
    expect(await h.ratingEvents(ticket.id, 'rating.submitted')).toEqual([]);
    expect(await platform.query('rating', 'SELECT survey_id FROM rating.ratings WHERE survey_id = $1', [link.surveyId])).toEqual([]);
    expect(await statusOf()).toBe('resolved');

    expect((await setActive(acme.partnerId, true)).status).toBe(200);
    await platform.handledBy('rating', await lastAnnouncementId(acme.partnerId));
    expect((await http().get(`/v1/ratings/${link.token}`)).status).toBe(200);
    expect((await http().post(`/v1/ratings/${link.token}`).send({ score: 2, solved: false })).status).toBe(201);
    await waitFor('the ticket reopened by the rating', async () => (await statusOf()) === 'open');
  });

  it('a "not solved" rating of a deactivated partner’s ticket, rated before rating heard of the deactivation, reopens nothing in intake', async () => {
    const acme = await client.partner(admin, 'Acme Rated Racing');
    const agent = await client.staff(admin, ['agent']);
    const h = ratingHelpers(platform);
    const ticket = await h.file(acme.token, sampleTicket({ requester: { id: 'cust-ann', email: 'ann@client.example' } }));
    await h.resolve(agent.token, ticket.id);
    const link = await h.rateLink(ticket.id);
    expect((await setActive(acme.partnerId, false)).status).toBe(200);
    await platform.handledBy('ticket-intake', await lastAnnouncementId(acme.partnerId));

    const rating = platform.running.platform.host('rating');
    const submitted = await rating.unitOfWork.run((tx) =>
      rating.outbox.add(tx, RatingSubmittedV1, ticket.id, { partnerId: acme.partnerId, surveyId: link.surveyId, score: 1, solved: false, submittedAt: platform.clock.now().toISOString() }),
    );
    await platform.handledBy('ticket-intake', submitted.id);

    const read = await http().get(`/v1/tickets/${ticket.id}`).auth(agent.token, { type: 'bearer' });
    expect((read.body as { status: string }).status).toBe('resolved');
    const history = (await http().get(`/v1/tickets/${ticket.id}/history`).auth(agent.token, { type: 'bearer' })).body as { items: { action: string }[] };
    expect(history.items.map((e) => e.action)).not.toContain('reopened');
  });

  // Staff could mint a site link for a deactivated partner's ticket: 201 with a URL that opens only
  // the 410 page (outside tester, sixth session of 2026-12-04).
  it('minting a site link for a deactivated partner’s ticket is a 422 saying how to reactivate it, nothing minted; its own clients get a 401', async () => {
    const acme = await client.partner(admin, 'Acme Linked Paused');
    const agent = await client.staff(admin, ['agent']);
    const filed = await http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket({ requester: { id: 'cust-ann', email: 'ann@client.example' } }));
    expect(filed.status).toBe(201);
    const ticketId = (filed.body as { id: string }).id;
    // The site hears of the ticket a moment after filing (503 until then); a link minted while active works.
    await waitFor('a site link for the ticket', async () => (await http().post(`/v1/tickets/${ticketId}/site-links`).auth(agent.token, { type: 'bearer' })).status === 201);
    const mintedBefore = async () => ({
      rows: (await platform.query<{ n: string }>('gateway', 'SELECT count(*) AS n FROM gateway.minted_site_links WHERE ticket_id = $1', [ticketId]))[0].n,
      events: (await platform.query<{ n: string }>('gateway', "SELECT count(*) AS n FROM gateway.outbox WHERE event_type = 'partner.site_link_minted' AND message_key = $1", [ticketId]))[0].n,
    });
    const before = await mintedBefore();
    expect(before).toEqual({ rows: '1', events: '1' });

    expect((await setActive(acme.partnerId, false)).status).toBe(200);
    const expected = `Partner ${acme.partnerId} is deactivated; an admin can reactivate it with PATCH /v1/partners/${acme.partnerId} {"active":true}.`;
    const byStaff = await http().post(`/v1/tickets/${ticketId}/site-links`).auth(agent.token, { type: 'bearer' });
    expect(byStaff.status).toBe(422);
    expect(byStaff.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(byStaff.headers.location).toBeUndefined();
    expect(byStaff.body.detail).toBe(expected);
    expect401(await http().post(`/v1/tickets/${ticketId}/site-links`).auth(acme.token, { type: 'bearer' }));
    expect(await mintedBefore()).toEqual(before);

    expect((await setActive(acme.partnerId, true)).status).toBe(200);
    expect((await http().post(`/v1/tickets/${ticketId}/site-links`).auth(agent.token, { type: 'bearer' })).status).toBe(201);
  });

  it('PATCH active is for admins only, and the same value twice changes nothing twice', async () => {
    const acme = await client.partner(admin, 'Acme Twice');
    const partnerSelf = await http().patch(`/v1/partners/${acme.partnerId}`).auth(acme.token, { type: 'bearer' }).send({ active: false });
    expect(partnerSelf.status).toBe(403);
    expect((await http().get('/v1/tickets').auth(acme.token, { type: 'bearer' })).status).toBe(200);
    const notBoolean = await http().patch(`/v1/partners/${acme.partnerId}`).auth(admin, { type: 'bearer' }).send({ active: 'no' });
    expect(notBoolean.status).toBe(400);

    expect((await setActive(acme.partnerId, true)).body.active).toBe(true);
    expect((await http().get('/v1/tickets').auth(acme.token, { type: 'bearer' })).status).toBe(200); // reactivating an active partner revokes nothing
  });
});
