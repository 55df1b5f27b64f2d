import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { sampleTicket } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

// The company's identity provider, stood in for by a JWKS served on 127.0.0.1.
const idp = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ISSUER = 'https://sso.example.test';

describe('staff single sign-on through the platform', () => {
  const clock = new TestClock('2026-05-05T10:00:00.000Z');
  let jwks: Server;
  let platform: TestPlatform;

  beforeAll(async () => {
    jwks = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [{ ...idp.publicKey.export({ format: 'jwk' }), kid: 'sso-1', alg: 'RS256' }] })),
    );
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    platform = await startTestPlatform('staff_sso', {
      clock,
      oidc: {
        TSS_OIDC_ISSUER: ISSUER,
        TSS_OIDC_AUDIENCE: 'tss',
        TSS_OIDC_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`,
        TSS_OIDC_ROLES_CLAIM: 'groups',
      },
    });
  });

  afterAll(async () => {
    await platform?.stop();
    await new Promise<void>((resolve) => jwks.close(() => resolve()));
  });

  const ssoToken = (groups: string[], sub = 'employee-7', claims: Record<string, unknown> = {}) => {
    const now = Math.floor(clock.now().getTime() / 1000);
    return jwt.sign({ sub, groups, iat: now, exp: now + 300, ...claims }, idp.privateKey, { algorithm: 'RS256', keyid: 'sso-1', issuer: ISSUER, audience: 'tss' });
  };
  /** What the services name a staff member of the identity provider by: their tokens' subject. */
  const staffIdOf = (sub: string) => `${ISSUER}|${sub}`;
  type Announced = { type: string; data: { staffId: string; roles: string[]; displayName?: string; email?: string; active: boolean } };
  const announced = async (sub: string) =>
    (
      await platform.query<{ event: Announced }>(
        'gateway',
        `SELECT event FROM gateway.outbox WHERE event_type IN ('staff.created', 'staff.updated') AND event->>'subject' = $1 ORDER BY position`,
        [staffIdOf(sub)],
      )
    ).map(({ event }) => ({ type: event.type, roles: event.data.roles, displayName: event.data.displayName, email: event.data.email, active: event.data.active }));
  /** A PATCH of the ticket as it stands (If-Match its ETag). */
  const patchTicket = async (ticketId: string, token: string, body: Record<string, unknown>) => {
    const read = await platform.client.http().get(`/v1/tickets/${ticketId}`).auth(token, { type: 'bearer' });
    return platform.client.http().patch(`/v1/tickets/${ticketId}`).auth(token, { type: 'bearer' }).set('if-match', read.headers.etag).send(body);
  };
  const knownTo = (service: 'ticket_intake' | 'escalation', sub: string, active = true) =>
    waitFor(`${service} has ${sub} as ${active ? 'active' : 'inactive'}`, async () => {
      const table = service === 'ticket_intake' ? 'ticket_intake.staff' : 'escalation.staff';
      const column = service === 'ticket_intake' ? 'id' : 'staff_id';
      const rows = await platform.query(service.replace('_', '-'), `SELECT 1 FROM ${table} WHERE ${column} = $1 AND active = $2`, [staffIdOf(sub), active]);
      return rows.length === 1;
    });

  it('an admin signed in through the identity provider manages partners; an agent is refused', async () => {
    const { client } = platform;
    const admin = await client.http().get('/v1/partners').auth(ssoToken(['admin']), { type: 'bearer' });
    expect(admin.status).toBe(200);
    const agent = await client.http().get('/v1/partners').auth(ssoToken(['agent', 'not-a-tss-role']), { type: 'bearer' });
    expect(agent.status).toBe(403);
    const forgedIssuer = jwt.sign({ sub: 'x', groups: ['admin'] }, idp.privateKey, { algorithm: 'RS256', keyid: 'sso-1', issuer: 'https://evil.test', audience: 'tss', expiresIn: 300 });
    expect((await client.http().get('/v1/partners').auth(forgedIssuer, { type: 'bearer' })).status).toBe(401);
  });

  it('an agent of the identity provider is assignable by a team leader after one request, and named by the roster', async () => {
    const { client } = platform;
    const admin = await platform.adminToken();
    const acme = await client.partner(admin, 'Acme SSO');
    await platform.partnerKnownToIntake(acme.partnerId);
    const filed = await client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket());
    expect(filed.status).toBe(201);

    const agent = ssoToken(['agent'], 'agent-ana', { name: 'Ana Agent', email: 'ana@support.example' });
    expect((await client.http().get('/v1/queue').auth(agent, { type: 'bearer' })).status).toBe(200);
    await knownTo('ticket_intake', 'agent-ana');
    const lead = ssoToken(['team_lead'], 'lead-lou');
    const assigned = await patchTicket(filed.body.id, lead, { assigneeId: staffIdOf('agent-ana') });
    expect(assigned.status).toBe(200);
    expect(assigned.body.assigneeId).toBe(staffIdOf('agent-ana'));

    await knownTo('escalation', 'agent-ana');
    const roster = {
      shifts: [{ staffId: staffIdOf('agent-ana'), role: 'agent', timeZone: 'UTC', weekdays: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '00:00' }],
      overrides: [],
    };
    const put = await client.http().put('/v1/escalation/roster').auth(admin, { type: 'bearer' }).send(roster);
    expect(put.status).toBe(200);
    const onDuty = await client.http().get(`/v1/escalation/roster/on-duty?at=${encodeURIComponent(clock.now().toISOString())}&role=agent`).auth(agent, { type: 'bearer' });
    expect(onDuty.body.onDuty).toEqual([{ staffId: staffIdOf('agent-ana'), role: 'agent', displayName: 'Ana Agent' }]);

    const listed = await client.http().get('/v1/staff').auth(admin, { type: 'bearer' });
    expect(listed.status).toBe(200);
    expect(listed.body.items).toContainEqual(
      expect.objectContaining({ staffId: staffIdOf('agent-ana'), signIn: 'single_sign_on', roles: ['agent'], displayName: 'Ana Agent', email: 'ana@support.example', active: true }),
    );
    expect(listed.body.items).toContainEqual(expect.objectContaining({ staffId: platform.running.generatedAdmin!.clientId, signIn: 'client', roles: ['admin'] }));
  });

  it('announces a member once however many requests, and again only when a later token changes roles, name or e-mail', async () => {
    const { client } = platform;
    const first = ssoToken(['agent'], 'dev-dora');
    // Concurrent first requests: one staff.created.
    const answers = await Promise.all(Array.from({ length: 5 }, () => client.http().get('/v1/queue').auth(first, { type: 'bearer' })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    clock.advanceMs(60_000); // past the gateway's re-check: the record is read again, nothing is announced
    expect((await client.http().get('/v1/queue').auth(ssoToken(['agent'], 'dev-dora'), { type: 'bearer' })).status).toBe(200);
    expect(await announced('dev-dora')).toEqual([{ type: 'staff.created', roles: ['agent'], displayName: undefined, email: undefined, active: true }]);

    const promoted = ssoToken(['developer', 'agent', 'not-a-tss-role'], 'dev-dora', { name: 'Dora Dev' });
    for (let i = 0; i < 3; i += 1) expect((await client.http().get('/v1/queue').auth(promoted, { type: 'bearer' })).status).toBe(200);
    // The same roles in another order are no change.
    expect((await client.http().get('/v1/queue').auth(ssoToken(['agent', 'developer'], 'dev-dora', { name: 'Dora Dev' }), { type: 'bearer' })).status).toBe(200);
    expect(await announced('dev-dora')).toEqual([
      { type: 'staff.created', roles: ['agent'], displayName: undefined, email: undefined, active: true },
      { type: 'staff.updated', roles: ['agent', 'developer'], displayName: 'Dora Dev', email: undefined, active: true },
    ]);
  });

  it('an admin marks a member inactive: their tokens are refused, their tickets return to the queue; active again, accepted', async () => {
    const { client } = platform;
    const admin = await platform.adminToken();
    const acme = await client.partner(admin, 'Acme SSO leaver');
    await platform.partnerKnownToIntake(acme.partnerId);
    const filed = await client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket());
    const leaver = () => ssoToken(['agent'], 'leaver-leo');
    const taken = await patchTicket(filed.body.id, leaver(), { assigneeId: staffIdOf('leaver-leo') });
    expect(taken.status).toBe(200);
    await knownTo('ticket_intake', 'leaver-leo');

    const path = `/v1/staff/${encodeURIComponent(staffIdOf('leaver-leo'))}`;
    expect((await client.http().patch(path).auth(leaver(), { type: 'bearer' }).send({ active: false })).status).toBe(403);
    const marked = await client.http().patch(path).auth(admin, { type: 'bearer' }).send({ active: false });
    expect(marked.status).toBe(200);
    expect(marked.body).toMatchObject({ staffId: staffIdOf('leaver-leo'), signIn: 'single_sign_on', active: false });
    const refused = await client.http().get('/v1/queue').auth(leaver(), { type: 'bearer' });
    expect(refused.status).toBe(401);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    await knownTo('ticket_intake', 'leaver-leo', false);
    await waitFor('the ticket back in the queue', async () => {
      const ticket = await client.http().get(`/v1/tickets/${filed.body.id}`).auth(admin, { type: 'bearer' });
      return ticket.body.assigneeId === undefined;
    });

    const again = await client.http().patch(path).auth(admin, { type: 'bearer' }).send({ active: true });
    expect(again.status).toBe(200);
    expect((await client.http().get('/v1/queue').auth(leaver(), { type: 'bearer' })).status).toBe(200);
    expect((await announced('leaver-leo')).map((e) => `${e.type}:${e.active}`)).toEqual(['staff.created:true', 'staff.updated:false', 'staff.updated:true']);
  });

  it('docs/auth.md Revocation: a support-site link a member minted opens nothing while they are inactive, and again once active', async () => {
    const { client } = platform;
    const admin = await platform.adminToken();
    const acme = await client.partner(admin, 'Acme SSO link');
    await platform.partnerKnownToIntake(acme.partnerId);
    const filed = await client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket({ requester: { id: 'cust-sue' } }));
    const minter = () => ssoToken(['agent'], 'linker-lin');
    const link = await waitFor('a site link', async () => {
      const minted = await client.http().post(`/v1/tickets/${filed.body.id}/site-links`).auth(minter(), { type: 'bearer' });
      return minted.status === 201 ? new URL((minted.body as { url: string }).url).pathname : undefined;
    });
    expect((await client.http().get(link)).status).toBe(200);
    const path = `/v1/staff/${encodeURIComponent(staffIdOf('linker-lin'))}`;
    expect((await client.http().patch(path).auth(admin, { type: 'bearer' }).send({ active: false })).status).toBe(200);
    expect((await client.http().get(link)).status).toBe(410);
    expect((await client.http().patch(path).auth(admin, { type: 'bearer' }).send({ active: true })).status).toBe(200);
    expect((await client.http().get(link)).status).toBe(200);
  });

  it('PATCH /v1/staff/{id} refuses bad input with problems that change nothing', async () => {
    const { client } = platform;
    const admin = await platform.adminToken();
    const unknown = await client.http().patch(`/v1/staff/${encodeURIComponent(staffIdOf('never-seen'))}`).auth(admin, { type: 'bearer' }).send({ active: false });
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
    const adminId = platform.running.generatedAdmin!.clientId;
    const clientStaff = await client.http().patch(`/v1/staff/${adminId}`).auth(admin, { type: 'bearer' }).send({ active: false });
    expect(clientStaff.status).toBe(409);
    const extra = await client.http().patch(`/v1/staff/${adminId}`).auth(admin, { type: 'bearer' }).send({ active: false, roles: ['admin'] });
    expect(extra.status).toBe(400);
    expect((await client.http().get('/v1/staff').auth(admin, { type: 'bearer' })).body.items).toContainEqual(expect.objectContaining({ staffId: adminId, active: true }));
  });
});
