import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { PartnerCreatedV1, PartnerUpdatedV1, validateEvent } from '@tss/contracts';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform';
import { WebhookReceiver, type ReceivedWebhook } from './support/webhook-receiver';

/**
 * Verifies with the `standardwebhooks` package (an independent implementation), at the instant the
 * webhook arrived by the test clock: its timestamp check reads `Date.now()`.
 */
const verifyWithStandardWebhooks = (secret: string, received: ReceivedWebhook): unknown => {
  const spy = jest.spyOn(Date, 'now').mockReturnValue(received.clockMs);
  try {
    return new Webhook(secret).verify(received.body, received.headers);
  } finally {
    spy.mockRestore();
  }
};

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// Issue #11 through the gateway: real tokens, a real receiver on 127.0.0.1, the schedule in simulated time.
describe('webhooks (issue #11)', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let receiver: WebhookReceiver;
  type Partner = { partnerId: string; token: string; clientId: string; clientSecret: string };
  const clock = new TestClock('2026-12-01T10:00:00.000Z');

  beforeAll(async () => {
    platform = await startTestPlatform('webhooks', { clock, env: { WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1', WEBHOOK_TIMEOUT_MS: '800' } });
    client = platform.client;
    receiver = await WebhookReceiver.start(clock);
  });

  afterAll(async () => {
    await receiver?.close();
    await platform?.stop();
  });

  const http = () => client.http();
  // Tokens live 15 minutes of the test clock, which these tests move by days: a client's token is minted afresh when stale.
  type Who = string | 'admin' | Partner;
  const minted = new Map<string, { token: string; atMs: number }>();
  const tokenOf = async (who: Who): Promise<string> => {
    if (typeof who === 'string' && who !== 'admin') return who;
    const key = who === 'admin' ? 'admin' : who.clientId;
    const cached = minted.get(key);
    if (cached && clock.now().getTime() - cached.atMs < 5 * MINUTE) return cached.token;
    const token = who === 'admin' ? await platform.adminToken() : await client.token(who.clientId, who.clientSecret);
    minted.set(key, { token, atMs: clock.now().getTime() });
    return token;
  };
  const as = (who: Who) => ({
    get: async (path: string) => http().get(path).auth(await tokenOf(who), { type: 'bearer' }),
    post: async (path: string, body?: object) => http().post(path).auth(await tokenOf(who), { type: 'bearer' }).send(body),
    patch: async (path: string, body: object) => http().patch(path).auth(await tokenOf(who), { type: 'bearer' }).send(body),
    delete: async (path: string) => http().delete(path).auth(await tokenOf(who), { type: 'bearer' }),
  });
  let partners = 0;
  const newPartner = async (): Promise<Partner> => client.partner(await tokenOf('admin'), `Hooks ${++partners}`);
  const subscribe = async (token: Who, path: string, eventTypes: string[] = ['ticket.*']) => {
    const response = await as(token).post('/v1/webhooks/endpoints', { url: receiver.url(path), eventTypes, description: path });
    expect(response.status).toBe(201);
    return response.body as { id: string; secret: string };
  };
  const fileTicket = async (token: Who) => {
    const response = await as(token).post('/v1/tickets', sampleTicket({ level: 'standard' }));
    expect(response.status).toBe(201);
    return response.body.id as string;
  };
  const deliveries = async (token: Who, endpointId: string) => {
    const response = await as(token).get(`/v1/webhooks/endpoints/${endpointId}/deliveries`);
    expect(response.status).toBe(200);
    return response.body.items as { id: string; status: string; attempts: number; responseStatus: number | null; latencyMs: number | null; nextAttemptAt: string | null; error: string | null; reason: string; webhookId: string }[];
  };
  const deliveryWhere = (token: Who, endpointId: string, what: string, test: (d: Awaited<ReturnType<typeof deliveries>>[number]) => boolean) =>
    waitFor(what, async () => (await deliveries(token, endpointId)).find(test));

  it('manages endpoints: the secret shown once, a partner sees only its own, another partner’s is a 404, others get 403', async () => {
    const acme = await newPartner();
    const rival = await newPartner();
    const created = await as(acme).post('/v1/webhooks/endpoints', { url: receiver.url('/crud'), eventTypes: ['sla.*', 'ticket.resolved'], description: 'CRM' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: receiver.url('/crud'), eventTypes: ['sla.*', 'ticket.resolved'], description: 'CRM', partnerId: acme.partnerId, status: 'enabled' });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const id = created.body.id as string;

    const read = await as(acme).get(`/v1/webhooks/endpoints/${id}`);
    expect(read.status).toBe(200);
    expect(JSON.stringify(read.body)).not.toContain(created.body.secret);
    expect((await as(acme).get('/v1/webhooks/endpoints')).body.items.map((e: { id: string }) => e.id)).toEqual([id]);
    expect((await as(rival).get('/v1/webhooks/endpoints')).body.items).toEqual([]);
    for (const foreign of [as(rival).get(`/v1/webhooks/endpoints/${id}`), as(rival).patch(`/v1/webhooks/endpoints/${id}`, { description: 'x' }), as(rival).delete(`/v1/webhooks/endpoints/${id}`), as(rival).post(`/v1/webhooks/endpoints/${id}/ping`), as(rival).get(`/v1/webhooks/endpoints/${id}/deliveries`)]) {
      const response = await foreign;
      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    }
    const requester = await client.requester(acme.token, 'cust-hooks');
    expect((await as(requester).get('/v1/webhooks/endpoints')).status).toBe(403);
    const agent = await client.staff(await tokenOf('admin'), ['agent'], 'Hook Agent');
    expect((await as(agent.token).get('/v1/webhooks/endpoints')).status).toBe(403);
    // Admins see every endpoint.
    expect((await as('admin').get(`/v1/webhooks/endpoints/${id}`)).status).toBe(200);

    const patched = await as(acme).patch(`/v1/webhooks/endpoints/${id}`, { eventTypes: ['ticket.*'], description: 'CRM v2' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ eventTypes: ['ticket.*'], description: 'CRM v2' });
    expect((await as(acme).delete(`/v1/webhooks/endpoints/${id}`)).status).toBe(204);
    expect((await as(acme).get(`/v1/webhooks/endpoints/${id}`)).status).toBe(404);
  });

  it('bad input is a 400 problem naming the field; URLs resolving to private, loopback, link-local or metadata addresses are refused', async () => {
    const acme = await newPartner();
    const post = (body: object) => as(acme).post('/v1/webhooks/endpoints', body);
    const cases: [object, string][] = [
      [{ url: receiver.url('/x'), eventTypes: ['Ticket.Created'] }, '/eventTypes/0'],
      [{ url: receiver.url('/x'), eventTypes: [] }, '/eventTypes'],
      [{ url: 'not a url', eventTypes: ['ticket.*'] }, '/url'],
      [{ url: 'ftp://example.com/hook', eventTypes: ['ticket.*'] }, '/url'],
      [{ url: 'https://user:pw@example.com/hook', eventTypes: ['ticket.*'] }, '/url'],
      [{ url: 'http://10.1.2.3/hook', eventTypes: ['ticket.*'] }, '/url'],
      [{ url: 'http://192.168.0.10/hook', eventTypes: ['ticket.*'] }, '/url'],
      [{ url: 'http://169.254.169.254/latest/meta-data', eventTypes: ['ticket.*'] }, '/url'],
      [{ url: 'http://[::1]:8080/hook', eventTypes: ['ticket.*'] }, '/url'],
      [{ url: 'http://127.0.0.2/hook', eventTypes: ['ticket.*'] }, '/url'],
      // IPv6 forms of IPv4 addresses and special-purpose IPv6 ranges (ADR 0034, addendum).
      ...['[::127.0.0.1]', '[::a00:1]', '[2002:7f00:1::]', '[2002:a9fe:a9fe::1]', '[64:ff9b:1::a00:1]', '[64:ff9b::a00:1]', '[::ffff:0:7f00:1]', '[::ffff:0:a9fe:a9fe]', '[2001::1]', '[100::1]'].map(
        (host): [object, string] => [{ url: `http://${host}/hook`, eventTypes: ['ticket.*'] }, '/url'],
      ),
      [{ url: `${receiver.url('/x')}`, eventTypes: ['ticket.*'], description: 'nul\u0000' }, '/description'],
      // Stored only as it will be called: WHATWG parsing would drop the CR/LF and call /aX-Inj:%201.
      [{ url: `${receiver.url('/a')}\r\nX-Inj: 1`, eventTypes: ['ticket.*'] }, '/url'],
      [{ url: receiver.url('/a b'), eventTypes: ['ticket.*'] }, '/url'],
      [{ url: ` ${receiver.url('/x')}`, eventTypes: ['ticket.*'] }, '/url'],
      [{ url: receiver.url('/x'), eventTypes: ['ticket.*'], secret: 'mine' }, ''],
    ];
    for (const [body, pointer] of cases) {
      const response = await post(body);
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      if (pointer) expect(JSON.stringify(response.body.errors ?? response.body)).toContain(pointer);
    }
    expect((await as(acme).get('/v1/webhooks/endpoints')).body.items).toEqual([]);
    const endpoint = await subscribe(acme, '/kept');
    const injected = await as(acme).patch(`/v1/webhooks/endpoints/${endpoint.id}`, { url: `${receiver.url('/kept')}\r\nX-Inj: 1` });
    expect(injected.status).toBe(400);
    expect(injected.body.errors).toEqual([expect.objectContaining({ pointer: '/url', message: expect.stringContaining('line breaks') })]);
    expect((await as(acme).get(`/v1/webhooks/endpoints/${endpoint.id}`)).body.url).toBe(receiver.url('/kept'));
    const refused = await post({ url: 'http://169.254.169.254/latest/meta-data', eventTypes: ['ticket.*'] });
    expect(refused.body.detail).toBe('url refused: its host is not a public address');
    const partnerNamesAnother = await post({ url: receiver.url('/x'), eventTypes: ['ticket.*'], partnerId: '00000000-0000-4000-8000-000000000000' });
    expect(partnerNamesAnother.status).toBe(400);
  });

  it('a refused url tells the partner neither how a name resolves nor the resolver’s error: its host is not public, or could not be resolved', async () => {
    const acme = await newPartner();
    const cases: [string, string][] = [
      ['http://10.20.30.40/hook', 'url refused: its host is not a public address'],
      ['http://[fd00::1]/hook', 'url refused: its host is not a public address'],
      ['http://no-such-host.invalid/hook', 'url refused: its host could not be resolved'],
    ];
    for (const [url, detail] of cases) {
      const response = await as(acme).post('/v1/webhooks/endpoints', { url, eventTypes: ['ticket.created'] });
      expect({ url, status: response.status, detail: response.body.detail }).toEqual({ url, status: 400, detail });
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      const said = JSON.stringify(response.body);
      for (const leak of ['10.20.30.40', 'fd00', 'ENOTFOUND', 'EAI_AGAIN', 'getaddrinfo', 'loopback', 'private']) expect({ url, said, leak: said.includes(leak) }).toEqual({ url, said, leak: false });
    }
    expect((await as(acme).get('/v1/webhooks/endpoints')).body.items).toEqual([]);
  });

  it('filters naming no delivered event (a typo, another domain) are a 400 naming the filter, on create and on change; nothing is stored or changed', async () => {
    const acme = await newPartner();
    for (const eventTypes of [['ticket.resloved'], ['bogus.*'], ['partner.*'], ['notification.*'], ['sla.*', 'escalation.rasied']]) {
      const response = await as(acme).post('/v1/webhooks/endpoints', { url: receiver.url('/filters'), eventTypes });
      expect({ eventTypes, status: response.status }).toEqual({ eventTypes, status: 400 });
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      const bad = eventTypes.at(-1)!;
      expect(response.body.detail).toContain(bad);
      expect(response.body.errors).toEqual([{ in: 'body', pointer: `/eventTypes/${eventTypes.length - 1}`, message: expect.stringContaining(bad) }]);
    }
    expect((await as(acme).post('/v1/webhooks/endpoints', { url: receiver.url('/filters'), eventTypes: ['ticket.resloved'] })).body.detail).toContain('ticket.resolved');
    expect((await as(acme).get('/v1/webhooks/endpoints')).body.items).toEqual([]);

    const endpoint = await subscribe(acme, '/filters', ['ticket.resolved']);
    const changed = await as(acme).patch(`/v1/webhooks/endpoints/${endpoint.id}`, { eventTypes: ['rating.*', 'rating.submited'] });
    expect(changed.status).toBe(400);
    expect(changed.body.errors).toEqual([expect.objectContaining({ pointer: '/eventTypes/1' })]);
    expect((await as(acme).get(`/v1/webhooks/endpoints/${endpoint.id}`)).body.eventTypes).toEqual(['ticket.resolved']);
  });

  it('delivers a ticket’s events signed per Standard Webhooks, with their per-ticket sequence, verified by the standardwebhooks package', async () => {
    const acme = await newPartner();
    const rival = await newPartner();
    const endpoint = await subscribe(acme, '/signed', ['ticket.created', 'ticket.message_received']);
    const rivalEndpoint = await subscribe(rival, '/rival', ['*']);
    const ticketId = await fileTicket(acme);
    expect((await as(acme).post(`/v1/tickets/${ticketId}/messages`, { body: 'More detail: it crashes on open.' })).status).toBe(201);

    const [created, message] = await receiver.waitForCount('/signed', 2);
    for (const received of [created, message]) {
      expect(verifyWithStandardWebhooks(endpoint.secret, received)).toMatchObject({ subject: ticketId, specversion: '1.0' });
      expect(received.headers['webhook-id']).toBe(JSON.parse(received.body).id);
      expect(received.headers['webhook-timestamp']).toBe(String(Math.floor(received.clockMs / 1000)));
      expect(received.headers['content-type']).toBe('application/json');
    }
    const bodies = [created, message].map((r) => JSON.parse(r.body));
    // Attempts may overlap, so arrival order is not promised: `sequence` is what orders them.
    expect(bodies.map((b) => [b.type, b.sequence, b.data.sequence]).sort((x, y) => x[1] - y[1])).toEqual([
      ['ticket.created', 1, 1],
      ['ticket.message_received', 3, 3], // 2 is ticket.accepted, which this endpoint does not subscribe to
    ]);
    expect(bodies.every((b) => b.traceparent === undefined)).toBe(true);
    // A tampered body fails the independent verification.
    expect(() => verifyWithStandardWebhooks(endpoint.secret, { ...created, body: created.body.replace('ticket.created', 'ticket.closed') })).toThrow();

    const log = await deliveryWhere(acme, endpoint.id, 'the created event delivered', (d) => d.status === 'succeeded' && d.webhookId === JSON.parse(created.body).id);
    expect(log).toMatchObject({ attempts: 1, responseStatus: 200, reason: 'event', nextAttemptAt: null });
    expect(log.latencyMs).toEqual(expect.any(Number));
    // Tenancy: the rival's catch-all endpoint never sees acme's ticket.
    expect(receiver.at('/rival').filter((r) => r.body.includes(ticketId))).toEqual([]);
    expect(await deliveries(rival, rivalEndpoint.id)).toEqual([]);
  });

  it('docs/adr/0066 (addendum of 2026-12-05): across producers, the sla.clock_started a ticket.created caused arrives after it, naming it (ticketSequence)', async () => {
    const acme = await newPartner();
    await subscribe(acme, '/cause-first', ['ticket.created', 'sla.clock_started']);
    const ticketId = await fileTicket(acme);
    const arrived = (await receiver.waitForCount('/cause-first', 2)).map((r) => JSON.parse(r.body));
    expect(arrived.map((b) => [b.type, b.subject, b.type === 'ticket.created' ? b.sequence : b.data.ticketSequence])).toEqual([
      ['ticket.created', ticketId, 1],
      ['sla.clock_started', ticketId, 1],
    ]);
  });

  it('docs/adr/0066 (third session): a staff endpoint gets the escalation.raised an emergency ticket.created raised after it, naming it (causeEventId, ticketSequence)', async () => {
    const acme = await newPartner();
    const staff = await subscribe('admin', '/escalation-after-cause', ['ticket.created', 'escalation.raised']);
    try {
      const filed = await as(acme).post('/v1/tickets', sampleTicket({ level: 'emergency' }));
      expect(filed.status).toBe(201);
      const ticketId = filed.body.id as string;
      const arrived = (await receiver.waitForCount('/escalation-after-cause', 2)).map((r) => JSON.parse(r.body)).filter((b) => b.subject === ticketId);
      expect(arrived.map((b) => b.type)).toEqual(['ticket.created', 'escalation.raised']);
      expect(arrived[1].data).toMatchObject({ kind: 'emergency', causeEventId: arrived[0].id, causeType: 'ticket.created', ticketSequence: arrived[0].sequence });
    } finally {
      // A staff endpoint hears every partner: the suite's later tests are not its business.
      expect((await as('admin').delete(`/v1/webhooks/endpoints/${staff.id}`)).status).toBe(204);
    }
  });

  it('what arrives is what the OpenAPI document’s `webhooks` entry of its type describes: envelope, constants and the contract’s data', async () => {
    type BodySchema = { required: string[]; properties: Record<string, { const?: unknown }> };
    const webhooks = (await http().get('/openapi.json')).body.webhooks as Record<string, { post: { requestBody: { content: { 'application/json': { schema: BodySchema } } } } }>;
    const acme = await newPartner();
    const endpoint = await subscribe(acme, '/documented', ['*']);
    await fileTicket(acme);
    expect((await as(acme).post(`/v1/webhooks/endpoints/${endpoint.id}/ping`)).status).toBe(202);

    const arrived = await waitFor('a ticket’s first events and the ping', () => {
      const types = new Set(receiver.at('/documented').map((r) => JSON.parse(r.body).type as string));
      return ['ticket.created', 'ticket.accepted', 'sla.clock_started', 'webhook.ping'].every((t) => types.has(t)) ? receiver.at('/documented') : undefined;
    });
    for (const received of arrived) {
      const body = JSON.parse(received.body) as Record<string, unknown> & { type: string };
      const schema = webhooks[body.type]?.post.requestBody.content['application/json'].schema;
      expect([body.type, schema !== undefined]).toEqual([body.type, true]);
      expect([body.type, schema.required.filter((name) => !(name in body))]).toEqual([body.type, []]);
      expect([body.type, Object.keys(body).filter((name) => !(name in schema.properties))]).toEqual([body.type, []]);
      const constants = Object.entries(schema.properties).filter(([, property]) => property.const !== undefined);
      expect([body.type, constants.filter(([name, property]) => body[name] !== property.const).map(([name]) => name)]).toEqual([body.type, []]);
      // `data` is documented as the contract's schema (openapi.int.spec.ts): the contract's own check judges it.
      expect([body.type, validateEvent(body)]).toEqual([body.type, expect.objectContaining({ ok: true })]);
    }
  });

  it('retries a 500 on the schedule 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h in simulated time, then gives up; the same webhook-id every time', async () => {
    const acme = await newPartner();
    receiver.answer('/failing', () => ({ status: 500 }));
    const endpoint = await subscribe(acme, '/failing', ['ticket.created']);
    const healthy = await subscribe(acme, '/healthy', ['ticket.created']);
    await fileTicket(acme);
    await receiver.waitForCount('/failing', 1);
    await receiver.waitForCount('/healthy', 1);
    const schedule = [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR];
    for (const [i, waitMs] of schedule.entries()) {
      const pending = await deliveryWhere(acme, endpoint.id, `attempt ${i + 1} recorded`, (d) => d.attempts === i + 1 && d.status === 'pending');
      expect(pending).toMatchObject({ responseStatus: 500, error: 'HTTP 500' });
      const lastAt = receiver.at('/failing')[i].clockMs;
      const nextAt = new Date(pending.nextAttemptAt!).getTime();
      // ±10 % jitter around the step.
      expect(nextAt - lastAt).toBeGreaterThanOrEqual(waitMs * 0.9);
      expect(nextAt - lastAt).toBeLessThanOrEqual(waitMs * 1.1);
      clock.set(new Date(nextAt - 1));
      clock.set(new Date(nextAt));
      await receiver.waitForCount('/failing', i + 2);
      expect(receiver.at('/failing')[i + 1].clockMs).toBe(nextAt);
    }
    expect(receiver.at('/failing')).toHaveLength(8);
    expect(new Set(receiver.at('/failing').map((r) => r.headers['webhook-id'])).size).toBe(1);
    const gaveUp = await deliveryWhere(acme, endpoint.id, 'the delivery given up', (d) => d.status === 'failed');
    expect(gaveUp).toMatchObject({ attempts: 8, nextAttemptAt: null, responseStatus: 500 });
    expect(receiver.at('/healthy')).toHaveLength(1);
    expect((await deliveries(acme, healthy.id)).map((d) => [d.status, d.attempts])).toEqual([['succeeded', 1]]);
    expect((await as(acme).get(`/v1/webhooks/endpoints/${endpoint.id}`)).body).toMatchObject({ status: 'enabled', failingSince: expect.any(String) });

    // A manual retry sends it again, now, under the same webhook-id.
    receiver.answer('/failing', () => ({ status: 204 }));
    const retried = await as(acme).post(`/v1/webhooks/endpoints/${endpoint.id}/deliveries/${gaveUp.id}/retry`);
    expect(retried.status).toBe(202);
    await receiver.waitForCount('/failing', 9);
    expect(receiver.at('/failing')[8].headers['webhook-id']).toBe(receiver.at('/failing')[0].headers['webhook-id']);
    const succeeded = await deliveryWhere(acme, endpoint.id, 'the retried delivery succeeded', (d) => d.id === gaveUp.id && d.status === 'succeeded' && d.responseStatus === 204);
    // Its history stays: the count goes on from the 8 failed attempts, which the log still shows.
    expect(succeeded).toMatchObject({ attempts: 9, failedAttempts: 8, lastFailure: { responseStatus: 500, error: 'HTTP 500' } });
    expect((await as(acme).post(`/v1/webhooks/endpoints/${endpoint.id}/deliveries/${gaveUp.id}/retry`)).status).toBe(202);
    expect((await as(acme).get(`/v1/webhooks/endpoints/${endpoint.id}`)).body.failingSince).toBeNull();
  });

  it('honours Retry-After on 429, and a receiver that does not answer within the timeout is retried', async () => {
    const acme = await newPartner();
    receiver.answer('/busy', (n) => (n === 1 ? { status: 429, headers: { 'retry-after': '120' } } : { status: 200 }));
    receiver.answer('/slow', (n) => (n === 1 ? 'hang' : { status: 200 }));
    const busy = await subscribe(acme, '/busy', ['ticket.created']);
    const slow = await subscribe(acme, '/slow', ['ticket.created']);
    const fast = await subscribe(acme, '/fast', ['ticket.created']);
    await fileTicket(acme);
    await receiver.waitForCount('/fast', 1);

    const throttled = await deliveryWhere(acme, busy.id, 'the 429 recorded', (d) => d.status === 'pending' && d.attempts === 1);
    expect(throttled.responseStatus).toBe(429);
    expect(new Date(throttled.nextAttemptAt!).getTime() - receiver.at('/busy')[0].clockMs).toBe(120 * SECOND);
    const timedOut = await deliveryWhere(acme, slow.id, 'the timeout recorded', (d) => d.status === 'pending' && d.attempts === 1);
    expect(timedOut).toMatchObject({ responseStatus: null, error: 'timed out after 800 ms' });
    // The hanging endpoint never held up the fast one.
    expect((await deliveries(acme, fast.id))[0]).toMatchObject({ status: 'succeeded' });

    clock.advanceMs(120 * SECOND);
    await receiver.waitForCount('/busy', 2);
    await receiver.waitForCount('/slow', 2);
    await deliveryWhere(acme, busy.id, 'the retry after 429 succeeded', (d) => d.status === 'succeeded' && d.attempts === 2);
    await deliveryWhere(acme, slow.id, 'the retry after the timeout succeeded', (d) => d.status === 'succeeded' && d.attempts === 2);
  });

  it('disables an endpoint whose every attempt failed for 5 days, with notification.webhook_endpoint_disabled', async () => {
    const acme = await newPartner();
    receiver.answer('/dead', () => ({ status: 503 }));
    const endpoint = await subscribe(acme, '/dead', ['ticket.created']);
    await fileTicket(acme);
    await receiver.waitForCount('/dead', 1);
    const firstFailureAt = receiver.at('/dead')[0].clockMs;
    await deliveryWhere(acme, endpoint.id, 'the first failure', (d) => d.attempts === 1 && d.status === 'pending');
    // The first delivery's remaining attempts all fail, over ~28 h.
    for (let attempt = 2; attempt <= 8; attempt += 1) {
      const [pending] = await deliveries(acme, endpoint.id);
      clock.set(pending.nextAttemptAt!);
      await deliveryWhere(acme, endpoint.id, `attempt ${attempt} recorded`, (d) => d.attempts === attempt && d.status !== 'in_flight' && d.status !== 'ready');
    }
    await deliveryWhere(acme, endpoint.id, 'the first delivery given up', (d) => d.status === 'failed' && d.attempts === 8);
    expect((await as(acme).get(`/v1/webhooks/endpoints/${endpoint.id}`)).body).toMatchObject({ status: 'enabled', failingSince: new Date(firstFailureAt).toISOString() });

    clock.set(new Date(firstFailureAt + 5 * DAY));
    await fileTicket(acme);
    const disabled = await waitFor('the endpoint disabled', async () => {
      const response = await as(acme).get(`/v1/webhooks/endpoints/${endpoint.id}`);
      return response.body.status === 'disabled' ? response.body : undefined;
    });
    expect(disabled.disabledReason).toContain(new Date(firstFailureAt).toISOString());
    const events = await platform.query<{ event: { data: Record<string, unknown> } }>('notification', `SELECT event FROM notification.outbox WHERE event_type = 'notification.webhook_endpoint_disabled' AND message_key = $1`, [endpoint.id]);
    expect(events.map((e) => e.event.data)).toEqual([expect.objectContaining({ endpointId: endpoint.id, partnerId: acme.partnerId, url: receiver.url('/dead') })]);
    // Disabled: a ping is refused; enabling again starts a new streak.
    expect((await as(acme).post(`/v1/webhooks/endpoints/${endpoint.id}/ping`)).status).toBe(409);
    const enabled = await as(acme).patch(`/v1/webhooks/endpoints/${endpoint.id}`, { enabled: true });
    expect(enabled.body).toMatchObject({ status: 'enabled', failingSince: null, disabledAt: null });
  });

  it('replays the events since an instant, oldest first, under their original webhook-ids; a ping is signed and logged', async () => {
    const acme = await newPartner();
    const since = clock.now().toISOString();
    const first = await fileTicket(acme);
    const second = await fileTicket(acme);
    // Subscribed after the fact: the replay brings what it missed.
    await waitFor('both events recorded', async () => (await platform.query('notification', `SELECT id FROM notification.webhook_events WHERE type = 'ticket.created' AND subject = ANY($1)`, [[first, second]])).length === 2);
    const endpoint = await subscribe(acme, '/replay', ['ticket.created']);
    const replayed = await as(acme).post(`/v1/webhooks/endpoints/${endpoint.id}/replay`, { since });
    expect(replayed.status).toBe(202);
    expect(replayed.body).toEqual({ queued: 2 });
    const received = await receiver.waitForCount('/replay', 2);
    expect(received.map((r) => JSON.parse(r.body).subject).sort()).toEqual([first, second].sort());
    for (const r of received) {
      expect(r.headers['webhook-id']).toBe(JSON.parse(r.body).id);
      verifyWithStandardWebhooks(endpoint.secret, r);
    }
    expect((await deliveries(acme, endpoint.id)).map((d) => d.reason)).toEqual(['replay', 'replay']);
    expect((await as(acme).post(`/v1/webhooks/endpoints/${endpoint.id}/replay`, { since: 'yesterday' })).status).toBe(400);

    const pinged = await as(acme).post(`/v1/webhooks/endpoints/${endpoint.id}/ping`);
    expect(pinged.status).toBe(202);
    const [ping] = (await receiver.waitForCount('/replay', 3)).slice(2);
    expect(verifyWithStandardWebhooks(endpoint.secret, ping)).toMatchObject({ type: 'webhook.ping', subject: endpoint.id, dataschema: 'urn:tss:event:webhook.ping:v1' });
    await deliveryWhere(acme, endpoint.id, 'the ping logged', (d) => d.id === pinged.body.deliveryId && d.status === 'succeeded' && d.reason === 'ping');
  });

  it('after a secret rotation both secrets sign for 24 hours, then only the new one', async () => {
    const acme = await newPartner();
    const endpoint = await subscribe(acme, '/rotate', ['ticket.created']);
    const rotated = await as(acme).post(`/v1/webhooks/endpoints/${endpoint.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    expect(new Date(rotated.body.previousSecretExpiresAt).getTime() - clock.now().getTime()).toBe(DAY);
    await fileTicket(acme);
    const [during] = await receiver.waitForCount('/rotate', 1);
    expect(during.headers['webhook-signature'].split(' ')).toHaveLength(2);
    verifyWithStandardWebhooks(endpoint.secret, during);
    verifyWithStandardWebhooks(rotated.body.secret, during);

    clock.advanceMs(DAY);
    await fileTicket(acme);
    const [, after] = await receiver.waitForCount('/rotate', 2);
    expect(after.headers['webhook-signature'].split(' ')).toHaveLength(1);
    verifyWithStandardWebhooks(rotated.body.secret, after);
    expect(() => verifyWithStandardWebhooks(endpoint.secret, after)).toThrow();
  });

  // docs/adr/0034, addendum of 2026-12-04 (third session): a feed for a mistyped partner received nothing, silently.
  it('an admin’s endpoint for one partner names a partner the gateway registered: a random id is a 422 naming /partnerId; events out of order leave a deactivated partner refused', async () => {
    const acme = await newPartner();
    // Its partner.created reaches notification within milliseconds here (seconds on Kafka).
    await platform.partnerKnownToNotification(acme.partnerId);
    const feed = await as('admin').post('/v1/webhooks/endpoints', { url: receiver.url('/acme-feed'), eventTypes: ['ticket.created'], partnerId: acme.partnerId });
    expect(feed.status).toBe(201);
    expect(feed.body.partnerId).toBe(acme.partnerId);
    const ticketId = await fileTicket(acme);
    const [delivered] = await receiver.waitForCount('/acme-feed', 1);
    expect(JSON.parse(delivered.body)).toMatchObject({ type: 'ticket.created', subject: ticketId });

    const unknownRefused = async (partnerId: string, path: string, detail = new RegExp(`^No active partner ${partnerId} is known\\..*One registered a moment ago is known within seconds;.*PATCH /v1/partners/${partnerId} with its current name`)) => {
      const response = await as('admin').post('/v1/webhooks/endpoints', { url: receiver.url(path), eventTypes: ['ticket.*'], partnerId });
      expect(response.status).toBe(422);
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect(response.body.detail).toMatch(detail);
      expect(response.body.errors).toEqual([expect.objectContaining({ in: 'body', pointer: '/partnerId' })]);
      const listed = (await as('admin').get('/v1/webhooks/endpoints')).body.items as { url: string }[];
      expect(listed.map((e) => e.url)).not.toContain(receiver.url(path));
    };
    await unknownRefused(randomUUID(), '/mistyped');

    // The gateway deactivated a partner, and its older partner.created is delivered after that (a redelivery, a replay): newest change wins.
    const late = randomUUID();
    const createdAt = clock.now().getTime();
    const deactivated = await platform.publishAsGateway(PartnerUpdatedV1, late, { partnerId: late, name: 'Late', active: false, changedAt: new Date(createdAt + MINUTE).toISOString() });
    await platform.handledBy('notification', deactivated);
    const created = await platform.publishAsGateway(PartnerCreatedV1, late, { partnerId: late, name: 'Late', active: true, changedAt: new Date(createdAt).toISOString() });
    await platform.handledBy('notification', created);
    await unknownRefused(late, '/late', new RegExp(`^Partner ${late} is deactivated; an admin can reactivate it with PATCH /v1/partners/${late} \\{"active":true\\}\\.$`));
  });

  it('an admin’s internal-system endpoint receives every partner’s events; sla.* filters match', async () => {
    const internal = await as('admin').post('/v1/webhooks/endpoints', { url: receiver.url('/internal'), eventTypes: ['sla.*'] });
    expect(internal.status).toBe(201);
    expect(internal.body.partnerId).toBeNull();
    const [a, b] = [await newPartner(), await newPartner()];
    const ta = await fileTicket(a);
    const tb = await fileTicket(b);
    await waitFor('sla.clock_started of both tickets', () => {
      const subjects = receiver.at('/internal').map((r) => JSON.parse(r.body) as { type: string; subject: string });
      return [ta, tb].every((t) => subjects.some((s) => s.subject === t && s.type === 'sla.clock_started'));
    });
    expect(receiver.at('/internal').every((r) => JSON.parse(r.body).type.startsWith('sla.'))).toBe(true);
  });
});
