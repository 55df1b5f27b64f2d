import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import type { Response } from 'supertest';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const POLICY = {
  levels: {
    emergency: { targetMs: 4 * 3_600_000, phoneSupport: true },
    standard: { targetMs: 12 * 3_600_000, phoneSupport: false },
    consulting: { targetMs: 24 * 3_600_000, phoneSupport: false },
    development: { targetMs: 7 * 24 * 3_600_000, phoneSupport: false },
  },
  warningAt: [0.5, 0.75, 0.9],
  overdueAt: 1.5,
};

/**
 * RFC 9110 §13.1.1, §13.1.2 and §13.2.2: an origin evaluates If-Match and If-None-Match before it
 * performs a state-changing method, and a false condition is a 412 that changes nothing. Where the
 * resource has an ETag the routes compare against it; where it has none, If-Match with any tag but
 * `*` cannot match, and If-None-Match `*` names the resource that is there (docs/adr/0029 addendum).
 */
describe('conditional headers are evaluated on every state-changing request (RFC 9110 §13)', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let admin: string;
  let agent: string;
  let acme: { partnerId: string; token: string };
  let ticketId: string;

  beforeAll(async () => {
    platform = await startTestPlatform('conditional_requests', { env: { WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    client = platform.client;
    admin = await platform.adminToken();
    agent = (await client.staff(admin, ['agent'])).token;
    acme = await client.partner(admin, 'Acme Conditions');
    await platform.partnerKnownToNotification(acme.partnerId);
    await platform.partnerKnownToSlaTimer(acme.partnerId);
    const filed = await client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket());
    expect(filed.status).toBe(201);
    ticketId = filed.body.id;
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const as = (token: string) => ({
    get: (path: string) => client.http().get(path).auth(token, { type: 'bearer' }),
    patch: (path: string, headers: Record<string, string>, body: object) => client.http().patch(path).auth(token, { type: 'bearer' }).set(headers).send(body),
    post: (path: string, headers: Record<string, string>, body: object) => client.http().post(path).auth(token, { type: 'bearer' }).set(headers).send(body),
    put: (path: string, headers: Record<string, string>, body: object) => client.http().put(path).auth(token, { type: 'bearer' }).set(headers).send(body),
  });
  const expectPreconditionFailed = (response: Response) => {
    expect({ status: response.status, type: response.body.type }).toEqual({ status: 412, type: 'https://tss.dev/problems/precondition-failed' });
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
  };
  const threadLength = async () => ((await as(acme.token).get(`/v1/tickets/${ticketId}/thread`)).body.items as unknown[]).length;

  it('resources without an ETag: If-Match naming a tag is a 412 that changes nothing; If-Match * goes on', async () => {
    const partner = `/v1/partners/${acme.partnerId}`;
    expectPreconditionFailed(await as(admin).patch(partner, { 'if-match': '"bogus"' }, { name: 'Renamed by a stale client' }));
    expect((await as(admin).get(partner)).body.name).toBe('Acme Conditions');
    expect((await as(admin).patch(partner, { 'if-match': '*' }, { siteEnabled: true })).status).toBe(200);

    const endpoint = await as(acme.token).post('/v1/webhooks/endpoints', {}, { url: 'http://127.0.0.1:9/acme', eventTypes: ['ticket.*'], description: 'Acme CRM' });
    expect(endpoint.status).toBe(201);
    const path = `/v1/webhooks/endpoints/${endpoint.body.id}`;
    expectPreconditionFailed(await as(acme.token).patch(path, { 'if-match': '"bogus"' }, { description: 'changed' }));
    expect((await as(acme.token).get(path)).body.description).toBe('Acme CRM');

    const before = await threadLength();
    expectPreconditionFailed(await as(acme.token).post(`/v1/tickets/${ticketId}/messages`, { 'if-match': '"bogus"' }, { body: 'Sent on a stale condition.' }));
    expect(await threadLength()).toBe(before);
  });

  it('resources without an ETag: If-None-Match * names the resource that is there (412); a tag matches nothing, so the change goes on', async () => {
    const before = await threadLength();
    expectPreconditionFailed(await as(acme.token).post(`/v1/tickets/${ticketId}/messages`, { 'if-none-match': '*' }, { body: 'Only if nothing is there.' }));
    expect(await threadLength()).toBe(before);
    expect((await as(acme.token).post(`/v1/tickets/${ticketId}/messages`, { 'if-none-match': '"7"' }, { body: 'Unless version 7 is there.' })).status).toBe(201);
  });

  it('a ticket PATCH with a valid If-Match is refused when If-None-Match is * or holds the current tag; another tag goes on', async () => {
    const read = await as(agent).get(`/v1/tickets/${ticketId}`);
    const etag = read.headers.etag;
    for (const ifNoneMatch of ['*', etag, `W/${etag}`, `"other", ${etag}`]) {
      expectPreconditionFailed(await as(agent).patch(`/v1/tickets/${ticketId}`, { 'if-match': etag, 'if-none-match': ifNoneMatch }, { category: 'theory' }));
    }
    const unchanged = await as(agent).get(`/v1/tickets/${ticketId}`);
    expect([unchanged.headers.etag, unchanged.body.category]).toEqual([etag, read.body.category]);
    const changed = await as(agent).patch(`/v1/tickets/${ticketId}`, { 'if-match': etag, 'if-none-match': '"other"' }, { category: 'theory' });
    expect([changed.status, changed.body.category]).toEqual([200, 'theory']);
  });

  it('the other resources with an ETag (SLA terms, escalation rules and roster) refuse If-None-Match * or their current tag', async () => {
    const policy = await as(admin).get('/v1/sla/policies');
    const roster = await as(admin).get('/v1/escalation/roster');
    const rules = await as(admin).get('/v1/escalation/rules');
    for (const ifNoneMatch of ['*', policy.headers.etag]) expectPreconditionFailed(await as(admin).put('/v1/sla/policies', { 'if-none-match': ifNoneMatch }, POLICY));
    for (const ifNoneMatch of ['*', roster.headers.etag]) {
      expectPreconditionFailed(await as(admin).put('/v1/escalation/roster', { 'if-none-match': ifNoneMatch }, { shifts: roster.body.shifts, overrides: roster.body.overrides }));
    }
    expectPreconditionFailed(await as(admin).put('/v1/escalation/rules', { 'if-none-match': rules.headers.etag }, { rules: rules.body.rules }));
    expect([(await as(admin).get('/v1/sla/policies')).headers.etag, (await as(admin).get('/v1/escalation/roster')).headers.etag]).toEqual([policy.headers.etag, roster.headers.etag]);
    expect((await as(admin).put('/v1/sla/policies', { 'if-match': policy.headers.etag, 'if-none-match': '"default.0"' }, POLICY)).status).toBe(200);

    // A partner always has terms in force (without an agreement, the default's, whose tag says so):
    // If-None-Match * is a 412; If-Match with the default's tag stores its first agreement.
    const agreement = `/v1/partners/${acme.partnerId}/sla-policy`;
    const terms = await as(admin).get(agreement);
    expect(terms.headers.etag).toMatch(/^"default\./);
    for (const ifNoneMatch of ['*', terms.headers.etag]) expectPreconditionFailed(await as(admin).put(agreement, { 'if-none-match': ifNoneMatch }, POLICY));
    expect((await as(admin).put(agreement, { 'if-match': terms.headers.etag }, POLICY)).status).toBe(200);
    const stored = await as(admin).get(agreement);
    expectPreconditionFailed(await client.http().delete(agreement).auth(admin, { type: 'bearer' }).set('if-none-match', stored.headers.etag));
    expect((await as(admin).get(agreement)).headers.etag).toBe(stored.headers.etag);
  });

  it('a PUT that creates (a partner’s mail domain): If-None-Match * stores only while the domain is nobody’s, If-Match * only once it is someone’s', async () => {
    const domain = (name: string) => `/v1/inbound/partner-domains/${name}`;
    expectPreconditionFailed(await as(admin).put(domain('acme-conditions.example'), { 'if-match': '*' }, { partnerId: acme.partnerId }));
    const listed = async () => ((await as(admin).get('/v1/inbound/partner-domains')).body.items as { domain: string }[]).map((d) => d.domain);
    expect(await listed()).not.toContain('acme-conditions.example');
    expect((await as(admin).put(domain('acme-conditions.example'), { 'if-none-match': '*' }, { partnerId: acme.partnerId })).status).toBe(200);
    expectPreconditionFailed(await as(admin).put(domain('acme-conditions.example'), { 'if-none-match': '*' }, { partnerId: acme.partnerId }));
    expect((await as(admin).put(domain('acme-conditions.example'), { 'if-match': '*' }, { partnerId: acme.partnerId })).status).toBe(200);
  });

  it('a refused precondition comes after authentication and validation: a 401, 403 or 400 is answered as without it', async () => {
    const stale = { 'if-match': '"bogus"' };
    expect((await client.http().patch(`/v1/partners/${acme.partnerId}`).set(stale).send({ name: 'x' })).status).toBe(401);
    expect((await as(acme.token).patch(`/v1/partners/${acme.partnerId}`, stale, { name: 'x' })).status).toBe(403);
    expect((await as(admin).patch(`/v1/partners/${acme.partnerId}`, stale, { nonsense: true })).status).toBe(400);
    expect((await as(admin).get(`/v1/partners/${acme.partnerId}`)).body.name).toBe('Acme Conditions');
  });
});
