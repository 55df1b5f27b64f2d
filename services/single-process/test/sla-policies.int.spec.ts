import { randomUUID } from 'node:crypto';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const HOUR = 3_600_000;
const NINE_TO_FIVE = [{ from: '09:00', to: '17:00' }];
const level = (targetMs: number, phoneSupport = false) => ({ targetMs, phoneSupport });
/** Acme's agreement: every level 2 business hours, Berlin weekdays 9–17. */
const ACME_AGREEMENT = {
  levels: { emergency: level(2 * HOUR, true), standard: level(2 * HOUR), consulting: level(2 * HOUR, true), development: level(2 * HOUR) },
  warningAt: [0.5],
  overdueAt: 2,
  calendar: { timeZone: 'Europe/Berlin', week: { 1: NINE_TO_FIVE, 2: NINE_TO_FIVE, 3: NINE_TO_FIVE, 4: NINE_TO_FIVE, 5: NINE_TO_FIVE }, holidays: [] },
};

// Issue #10, through the gateway: real tokens, real routing, one database.
describe('SLA policies and agreements in the whole platform (issue #10)', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  type Client = { clientId: string; clientSecret: string; token: string };
  let acme: Client & { partnerId: string };
  let rival: Client & { partnerId: string };
  let agent: Client;
  let admin: string;
  // Friday 16:00 in Berlin (CET), two days before the clocks go forward.
  const clock = new TestClock('2026-03-27T15:00:00.000Z');

  beforeAll(async () => {
    platform = await startTestPlatform('sla_policies', { clock });
    client = platform.client;
    admin = await platform.adminToken();
    acme = await client.partner(admin, 'Acme Agreements');
    rival = await client.partner(admin, 'Rival Agreements');
    agent = await client.staff(admin, ['agent'], 'Dana Agent');
    // Agreements name partners sla-timer learned from the gateway's partner.created (docs/adr/0031, addendum of 2026-12-04, fourth session).
    await platform.partnerKnownToSlaTimer(acme.partnerId);
    await platform.partnerKnownToSlaTimer(rival.partnerId);
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const http = () => client.http();
  const get = (path: string, token: string) => http().get(path).auth(token, { type: 'bearer' });

  it('an admin stores a partner’s agreement; the partner and staff read it, another partner gets a 404, a requester a 403', async () => {
    const stored = await http().put(`/v1/partners/${acme.partnerId}/sla-policy`).auth(admin, { type: 'bearer' }).send(ACME_AGREEMENT);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ scope: acme.partnerId, version: 1, policy: ACME_AGREEMENT });

    expect((await get(`/v1/partners/${acme.partnerId}/sla-policy`, acme.token)).body).toMatchObject({ scope: acme.partnerId, version: 1 });
    expect((await get(`/v1/partners/${acme.partnerId}/sla-policy`, agent.token)).body).toMatchObject({ scope: acme.partnerId, version: 1 });
    const foreign = await get(`/v1/partners/${acme.partnerId}/sla-policy`, rival.token);
    expect(foreign.status).toBe(404);
    expect(foreign.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect((await get(`/v1/partners/${rival.partnerId}/sla-policy`, rival.token)).body).toMatchObject({ scope: 'default', version: 1 });
    const requester = await client.requester(acme.token, 'cust-ann');
    expect((await get(`/v1/partners/${acme.partnerId}/sla-policy`, requester)).status).toBe(403);
    expect((await http().put(`/v1/partners/${acme.partnerId}/sla-policy`).auth(acme.token, { type: 'bearer' }).send(ACME_AGREEMENT)).status).toBe(403);
  });

  // docs/adr/0031, addendum of 2026-12-04 (fourth session): a mistyped partner id stored an agreement nobody used (200).
  it('an agreement for a partner the gateway never registered is a 422 naming /id that stores nothing; staff reading its terms get a 404; a partner just registered is accepted once sla-timer learned it', async () => {
    const ghost = randomUUID();
    const refused = await http().put(`/v1/partners/${ghost}/sla-policy`).auth(admin, { type: 'bearer' }).send(ACME_AGREEMENT);
    expect(refused.status).toBe(422);
    expect(refused.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(refused.body.type).toBe('https://tss.dev/problems/unprocessable');
    expect(refused.body.errors).toEqual([expect.objectContaining({ in: 'params', pointer: '/id' })]);
    expect(refused.body.detail).toMatch(/One registered a moment ago is known within seconds; .* is announced again by an admin's PATCH \/v1\/partners\//);
    expect(await platform.query('sla-timer', 'SELECT 1 FROM sla_timer.sla_policies WHERE scope = $1', [ghost])).toEqual([]);
    expect((await get(`/v1/partners/${ghost}/sla-policy`, agent.token)).status).toBe(404);
    const previewed = await http().post('/v1/sla/preview').auth(admin, { type: 'bearer' }).send({ level: 'standard', startedAt: '2026-03-27T15:00:00.000Z', partnerId: ghost });
    expect(previewed.status).toBe(422);
    expect(previewed.body.errors).toEqual([expect.objectContaining({ in: 'body', pointer: '/partnerId' })]);

    const initech = await client.partner(admin, 'Initech Agreements');
    await platform.partnerKnownToSlaTimer(initech.partnerId);
    const agreed = await http().put(`/v1/partners/${initech.partnerId}/sla-policy`).auth(admin, { type: 'bearer' }).send(ACME_AGREEMENT);
    expect(agreed.status).toBe(200);
    expect(agreed.body).toMatchObject({ scope: initech.partnerId, version: 1 });
  });

  it('a bad agreement is a 400 problem naming the field, through the gateway', async () => {
    const overlapping = { ...ACME_AGREEMENT, calendar: { ...ACME_AGREEMENT.calendar, week: { 1: [{ from: '09:00', to: '13:00' }, { from: '12:00', to: '17:00' }] } } };
    const response = await http().put(`/v1/partners/${acme.partnerId}/sla-policy`).auth(admin, { type: 'bearer' }).send(overlapping);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body.type).toBe('https://tss.dev/problems/validation');
    expect(response.body.errors).toEqual([expect.objectContaining({ in: 'body', pointer: '/calendar/week/1/1' })]);
  });

  it('docs/adr/0031: an agreement whose calendar cannot count a level within the horizon is a 400 for the PUT and the preview, and stores nothing', async () => {
    // The outside repro: open Mondays 09:00–09:01, a 90-day target (the PUT answered 200, the preview 500);
    // 90 days is now past the published maximum, and the longest target allowed, 7 d, does not fit either.
    const sparse = { ...ACME_AGREEMENT, levels: { ...ACME_AGREEMENT.levels, development: level(7 * 24 * HOUR) }, calendar: { ...ACME_AGREEMENT.calendar, week: { 1: [{ from: '09:00', to: '09:01' }] } } };
    const stored = await http().put(`/v1/partners/${rival.partnerId}/sla-policy`).auth(admin, { type: 'bearer' }).send(sparse);
    expect(stored.status).toBe(400);
    expect(stored.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(stored.body.errors).toEqual([expect.objectContaining({ pointer: '/levels/development/targetMs', message: expect.stringContaining('level development') })]);
    expect((await get(`/v1/partners/${rival.partnerId}/sla-policy`, rival.token)).body).toMatchObject({ scope: 'default', version: 1 });
    const previewed = await http().post('/v1/sla/preview').auth(admin, { type: 'bearer' }).send({ level: 'development', startedAt: '2026-03-27T15:00:00.000Z', policy: sparse });
    expect(previewed.status).toBe(400);
    expect(previewed.body.errors).toEqual([expect.objectContaining({ pointer: '/policy/levels/development/targetMs' })]);
  });

  it('docs/adr/0031 addendum: an agreement slower than the published maximums is a 400 naming the level and the maximum, through the gateway', async () => {
    // The outside repro: emergency in 90 days answered 200.
    const slow = { ...ACME_AGREEMENT, levels: { ...ACME_AGREEMENT.levels, emergency: level(7_776_000_000, true) } };
    const stored = await http().put(`/v1/partners/${rival.partnerId}/sla-policy`).auth(admin, { type: 'bearer' }).send(slow);
    expect(stored.status).toBe(400);
    expect(stored.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(stored.body.errors).toEqual([expect.objectContaining({ pointer: '/levels/emergency/targetMs', message: expect.stringContaining('level emergency: must be at most 21600000 (6 h)') })]);
    const inverted = { ...ACME_AGREEMENT, levels: { ...ACME_AGREEMENT.levels, emergency: level(4 * HOUR, true), standard: level(2 * HOUR) } };
    const slower = await http().put('/v1/sla/policies').auth(admin, { type: 'bearer' }).send({ ...inverted, calendar: undefined });
    expect(slower.status).toBe(400);
    expect(slower.body.errors).toEqual([expect.objectContaining({ pointer: '/levels/emergency/targetMs' })]);
    expect((await get(`/v1/partners/${rival.partnerId}/sla-policy`, rival.token)).body).toMatchObject({ scope: 'default', version: 1 });
  });

  it('a ticket filed under an agreement gets a clock on its business hours and version, never due past the rules’ maximum; another partner’s runs 24/7 on the default', async () => {
    const filed = async (token: string) => {
      const response = await http().post('/v1/tickets').auth(token, { type: 'bearer' }).send(sampleTicket({ level: 'standard' }));
      expect(response.status).toBe(201);
      return response.body.id as string;
    };
    const clockOf = (ticketId: string, token: string) =>
      waitFor(`the clock of ${ticketId}`, async () => {
        const response = await get(`/v1/tickets/${ticketId}/sla`, token);
        return response.status === 200 && response.body.clocks.length > 0 ? (response.body.clocks[0] as { dueAt: string; policy: unknown }) : undefined;
      });

    const acmeTicket = await filed(acme.token);
    const rivalTicket = await filed(rival.token);
    // Business time alone: 1 hour on Friday, 1 on Monday morning (10:00 CEST). P5 bounds it by the
    // rules' 12 hours in calendar time (docs/adr/0031, addendum of 2026-12-04, sixth session).
    expect(await clockOf(acmeTicket, acme.token)).toMatchObject({ dueAt: '2026-03-28T03:00:00.000Z', targetMs: 12 * HOUR, policy: { scope: acme.partnerId, version: 1 } });
    expect(await clockOf(rivalTicket, rival.token)).toMatchObject({ dueAt: '2026-03-28T03:00:00.000Z', policy: { scope: 'default', version: 1 } });
  });

  // P5, docs/adr/0031 (addendum of 2026-12-04, sixth session): the outside tester's repro. The
  // acknowledgment tells the requester "at most 12 hours" at this level; the site must not then show
  // a due time days later.
  it('P5: on a business-hours agreement with the rules’ targets, the support site shows a due time within the rules’ 12 hours, as the acknowledgment promises', async () => {
    const office = await client.partner(admin, 'Office Hours Books');
    await platform.partnerKnownToSlaTimer(office.partnerId);
    const nineToSix = [{ from: '09:00', to: '18:00' }];
    const agreement = {
      levels: { emergency: level(6 * HOUR), standard: level(12 * HOUR), consulting: level(24 * HOUR, true), development: level(7 * 24 * HOUR) },
      warningAt: [0.5, 0.75, 0.9],
      overdueAt: 1.5,
      calendar: { timeZone: 'Europe/Berlin', holidays: [], week: { 1: nineToSix, 2: nineToSix, 3: nineToSix, 4: nineToSix, 5: nineToSix } },
    };
    expect((await http().put(`/v1/partners/${office.partnerId}/sla-policy`).auth(admin, { type: 'bearer' }).send(agreement)).status).toBe(200);
    // Friday 16:00 CET: business time alone would end on Tuesday morning.
    const filed = await http().post('/v1/tickets').auth(office.token, { type: 'bearer' }).send(sampleTicket({ level: 'standard', requester: { id: 'cust-eve', email: 'eve@example.com' } }));
    expect(filed.status).toBe(201);
    const dueAt = new Date(clock.now().getTime() + 12 * HOUR).toISOString();
    const link = await waitFor('a site link', async () => {
      const response = await http().post(`/v1/tickets/${filed.body.id}/site-links`).auth(office.token, { type: 'bearer' });
      return response.status === 201 ? new URL((response.body as { url: string }).url).pathname : undefined;
    });
    const page = await waitFor('the response clock on the page', async () => {
      const text = (await http().get(link)).text;
      return text.includes('response within') ? text : undefined;
    });
    expect(page).toContain('<dd>Standard (response within 12 hours)</dd>');
    expect(page).toContain(`<dt>Our response is due by</dt><dd><time datetime="${dueAt}">`);
    expect((await get(`/v1/tickets/${filed.body.id}/sla`, office.token)).body.clocks[0]).toMatchObject({ dueAt, targetMs: 12 * HOUR });
  });

  // docs/adr/0031, addendum of 2026-12-04 (fourth session): a clock's {scope, version} resolves to the terms it ran under.
  it('a clock’s policy version resolves through the gateway after the agreement changed: the partner and staff read it, another partner gets a 404, a requester a 403', async () => {
    const filed = await http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket({ level: 'emergency' }));
    expect(filed.status).toBe(201);
    const running = await waitFor('the clock', async () => {
      const response = await get(`/v1/tickets/${filed.body.id}/sla`, acme.token);
      return response.status === 200 && response.body.clocks.length > 0 ? (response.body.clocks[0] as { targetMs: number; policy: { scope: string; version: number } }) : undefined;
    });
    const changed = await http().put(`/v1/partners/${acme.partnerId}/sla-policy`).auth(admin, { type: 'bearer' }).send({ ...ACME_AGREEMENT, levels: { ...ACME_AGREEMENT.levels, emergency: level(HOUR, true) } });
    expect(changed.status).toBe(200);
    expect(changed.body.version).toBeGreaterThan(running.policy.version);

    // Filed on Friday evening, the clock is due by the rules' 6 h, earlier than its terms' 2 business
    // hours would make it (docs/adr/0031, addendum of 2026-12-04, sixth session); its version still names those terms.
    expect(running.targetMs).toBe(6 * HOUR);
    const path = `/v1/partners/${running.policy.scope}/sla-policy/versions/${running.policy.version}`;
    for (const token of [acme.token, agent.token, admin]) {
      const terms = await get(path, token);
      expect(terms.status).toBe(200);
      expect(terms.body.policy.levels.emergency.targetMs).toBe(ACME_AGREEMENT.levels.emergency.targetMs);
    }
    const listed = await get(`/v1/partners/${acme.partnerId}/sla-policy/versions?limit=1`, acme.token);
    expect(listed.body).toMatchObject({ items: [{ version: changed.body.version }], nextCursor: expect.any(String) });
    const foreign = await get(path, rival.token);
    expect(foreign.status).toBe(404);
    expect(foreign.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect((await get(path, await client.requester(acme.token, 'cust-bob'))).status).toBe(403);
    expect((await get('/v1/sla/policies/versions', rival.token)).status).toBe(403);
    expect((await get('/v1/sla/policies/versions/1', rival.token)).body).toMatchObject({ scope: 'default', version: 1 });
  });

  // docs/adr/0031, addendum of 2026-12-04 (fourth session): an agreement can be dropped, back to the default.
  it('an admin drops an agreement through the gateway: a new version, the default in force for new clocks; another partner gets a 404, the partner itself a 403', async () => {
    const initech = await client.partner(admin, 'Initech Drops');
    await platform.partnerKnownToSlaTimer(initech.partnerId);
    const path = `/v1/partners/${initech.partnerId}/sla-policy`;
    expect((await http().put(path).auth(admin, { type: 'bearer' }).send(ACME_AGREEMENT)).status).toBe(200);
    expect((await http().delete(path).auth(rival.token, { type: 'bearer' })).status).toBe(404);
    expect((await http().delete(path).auth(initech.token, { type: 'bearer' })).status).toBe(403);
    expect((await http().delete(path).auth(agent.token, { type: 'bearer' })).status).toBe(403);

    const dropped = await http().delete(path).auth(admin, { type: 'bearer' }).set('if-match', `"${initech.partnerId}.1"`);
    expect(dropped.status).toBe(204);
    expect((await get(path, initech.token)).body).toMatchObject({ scope: 'default' });
    expect((await get(`${path}/versions`, initech.token)).body.items).toEqual([expect.objectContaining({ version: 2, removed: true }), expect.objectContaining({ version: 1, removed: false })]);
    const again = await http().delete(path).auth(admin, { type: 'bearer' });
    expect(again.status).toBe(404);
    expect(again.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);

    const filed = await http().post('/v1/tickets').auth(initech.token, { type: 'bearer' }).send(sampleTicket({ level: 'standard' }));
    expect(filed.status).toBe(201);
    const started = await waitFor('the clock', async () => {
      const response = await get(`/v1/tickets/${filed.body.id}/sla`, initech.token);
      return response.status === 200 && response.body.clocks.length > 0 ? (response.body.clocks[0] as { policy: { scope: string } }) : undefined;
    });
    expect(started.policy.scope).toBe('default');
  });

  it('preview answers the schedule an agreement would give, before it is saved', async () => {
    const response = await http()
      .post('/v1/sla/preview')
      .auth(admin, { type: 'bearer' })
      .send({ level: 'emergency', startedAt: '2026-03-27T15:00:00.000Z', policy: ACME_AGREEMENT });
    expect(response.status).toBe(200);
    // The 50 % warning is business time (1 h on Friday); the due time and the overdue notice are the
    // rules' 6 h and 2 × 6 h, earlier than Monday's business hours.
    expect(response.body).toMatchObject({ dueBy: 'rules_maximum', dueAt: '2026-03-27T21:00:00.000Z', warnings: [{ threshold: 0.5, at: '2026-03-27T16:00:00.000Z' }], overdueAt: '2026-03-28T03:00:00.000Z', phoneSupport: true });
  });

  it('the OpenAPI document lists the policy operations under sla-timer, with their problems and body examples', async () => {
    const document = (await http().get('/openapi.json')).body as { paths: Record<string, Record<string, { operationId: string; tags: string[]; security?: unknown; responses: Record<string, unknown>; requestBody?: { content: Record<string, { examples?: unknown }> } }>> };
    const operation = (path: string, method: string) => document.paths[path][method];
    expect(operation('/v1/sla/policies', 'get')).toMatchObject({ operationId: 'getDefaultSlaPolicy', tags: ['sla-timer'] });
    expect(operation('/v1/sla/policies', 'put').responses).toHaveProperty('400');
    expect(operation('/v1/partners/{id}/sla-policy', 'get').responses).toHaveProperty('404');
    const media = operation('/v1/partners/{id}/sla-policy', 'put').requestBody?.content['application/json'];
    expect(media?.examples).toMatchObject({
      example1: { value: { levels: { emergency: { targetMs: expect.any(Number) } }, warningAt: expect.any(Array) } },
      example2: { value: { calendar: { timeZone: 'Europe/Berlin' } } },
    });
    expect(operation('/v1/sla/preview', 'post')).toMatchObject({ operationId: 'previewSlaSchedule', tags: ['sla-timer'], security: [{ bearerAuth: ['admin'] }] });
    // What openapi-statuses.int.spec.ts asks of every operation, for these.
    for (const [path, method] of [
      ['/v1/sla/policies', 'get'],
      ['/v1/sla/policies', 'put'],
      ['/v1/partners/{id}/sla-policy', 'get'],
      ['/v1/partners/{id}/sla-policy', 'put'],
      ['/v1/sla/preview', 'post'],
      ['/v1/sla/policies/versions', 'get'],
      ['/v1/sla/policies/versions/{version}', 'get'],
      ['/v1/partners/{id}/sla-policy/versions', 'get'],
      ['/v1/partners/{id}/sla-policy/versions/{version}', 'get'],
    ]) {
      const statuses = Object.keys(operation(path, method).responses);
      expect(statuses).toEqual(expect.arrayContaining(['200', '401', '403', '414', '429', '503', ...(method === 'get' ? [] : ['400', '413', '415']), ...(path.includes('{') ? ['404'] : [])]));
    }
    expect(Object.keys(operation('/v1/partners/{id}/sla-policy', 'delete').responses)).toEqual(expect.arrayContaining(['204', '400', '401', '403', '404', '412', '414', '429', '503']));
  });
});
