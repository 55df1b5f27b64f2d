import { randomUUID } from 'node:crypto';
import { TestClock } from '@tss/service-kit/testing';
import { startNotification, type NotificationUnderTest } from './support/notification-under-test';

type Operation = { parameters?: { in: string; name: string }[]; responses?: Record<string, unknown> };

// Outside testing: POST /v1/webhooks/endpoints ignored Idempotency-Key, so three tries with one key
// subscribed the URL three times and every event reached it three times (docs/adr/0028).
describe('Idempotency-Key on the webhook POSTs of notification (docs/adr/0028)', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  let notification: NotificationUnderTest;
  const partnerId = randomUUID();
  const partnerToken = (id = partnerId) => notification.sut.token({ kind: 'partner', partner_id: id, scope: 'webhooks:manage' });
  const post = (path: string, key: string, body: unknown, token = partnerToken()) =>
    notification.sut.http().post(path).set('authorization', `Bearer ${token}`).set('idempotency-key', key).set('content-type', 'application/json').send(JSON.stringify(body));
  const endpointsAt = async (url: string) => (await notification.sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM notification.webhook_endpoints WHERE url = $1`, [url]))[0].n;
  const storedAnswers = async () =>
    (await notification.sut.query<{ body: string | null }>(`SELECT convert_from(response_body, 'UTF8') AS body FROM notification.idempotency_keys`)).map((r) => r.body ?? '');

  beforeAll(async () => {
    notification = await startNotification(clock, { WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' });
  });
  afterAll(async () => {
    await notification?.sut.stop();
  });

  it('an endpoint subscribed with a key is subscribed once; its secret is shown once and kept nowhere else', async () => {
    const body = { url: 'http://127.0.0.1:9/once', eventTypes: ['ticket.created'], description: 'once' };
    const tries = await Promise.all(Array.from({ length: 3 }, () => post('/v1/webhooks/endpoints', 'endpoint-once', body)));
    const retry = await post('/v1/webhooks/endpoints', 'endpoint-once', body);

    const created = tries.filter((t) => t.status === 201);
    expect(tries.map((t) => t.status).sort()).toEqual([201, 409, 409]);
    expect(created[0].body.secret).toMatch(/^whsec_/);
    expect(created[0].headers['cache-control']).toBe('no-store');
    expect(retry.status).toBe(409);
    expect(retry.body).toMatchObject({ status: 409, type: 'https://tss.dev/problems/idempotency-answer-withheld' });
    expect(retry.headers.location).toBe(created[0].headers.location);
    expect(await endpointsAt(body.url)).toBe(1);
    expect((await storedAnswers()).some((stored) => stored.includes(created[0].body.secret))).toBe(false);
  });

  it('the same key with another body is a 422, and another partner’s same key is a request of its own', async () => {
    const first = await post('/v1/webhooks/endpoints', 'endpoint-changed', { url: 'http://127.0.0.1:9/first', eventTypes: ['ticket.created'] });
    const changed = await post('/v1/webhooks/endpoints', 'endpoint-changed', { url: 'http://127.0.0.1:9/second', eventTypes: ['ticket.created'] });
    const theirs = await post('/v1/webhooks/endpoints', 'endpoint-changed', { url: 'http://127.0.0.1:9/first', eventTypes: ['ticket.created'] }, partnerToken(randomUUID()));

    expect([first.status, changed.status, theirs.status]).toEqual([201, 422, 201]);
    expect(await endpointsAt('http://127.0.0.1:9/second')).toBe(0);
  });

  it('a rotation with a key rotates once; a ping with a key sends one ping and replays its answer', async () => {
    const endpoint = await post('/v1/webhooks/endpoints', 'endpoint-to-rotate', { url: 'http://127.0.0.1:9/rotate', eventTypes: ['ticket.created'] });
    const rotatePath = `/v1/webhooks/endpoints/${endpoint.body.id}/rotate-secret`;
    const rotated = await post(rotatePath, 'rotate-once', {});
    const rotatedAgain = await post(rotatePath, 'rotate-once', {});
    const pingPath = `/v1/webhooks/endpoints/${endpoint.body.id}/ping`;
    const pinged = await post(pingPath, 'ping-once', {});
    const pingedAgain = await post(pingPath, 'ping-once', {});
    const pings = await notification.sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM notification.webhook_deliveries WHERE endpoint_id = $1`, [endpoint.body.id]);

    expect([rotated.status, rotatedAgain.status]).toEqual([200, 409]);
    expect(rotated.headers['cache-control']).toBe('no-store');
    expect(rotatedAgain.body.type).toBe('https://tss.dev/problems/idempotency-answer-withheld');
    expect((await storedAnswers()).some((stored) => stored.includes(rotated.body.secret))).toBe(false);
    // docs/webhooks.md: the retry learns where the endpoint is, as a retried subscription does.
    expect(rotatedAgain.headers.location).toBe(`/v1/webhooks/endpoints/${endpoint.body.id}`);
    const read = await notification.sut.http().get(rotatedAgain.headers.location).set('authorization', `Bearer ${partnerToken()}`);
    expect([read.status, read.body.id]).toEqual([200, endpoint.body.id]);
    expect([pinged.status, pingedAgain.status, pingedAgain.headers['idempotent-replayed']]).toEqual([202, 202, 'true']);
    expect(pingedAgain.body).toEqual(pinged.body);
    expect(pings[0].n).toBe(1);
  });

  it('the OpenAPI document declares the header and the 409 and 422 problems on every webhook POST', async () => {
    const document = (await notification.sut.http().get('/openapi.json')).body as { paths: Record<string, Record<string, Operation>> };
    const posts = Object.entries(document.paths).flatMap(([path, item]) => (path.startsWith('/v1/webhooks') && item.post ? [{ path, operation: item.post }] : []));

    expect(posts.length).toBeGreaterThanOrEqual(5);
    const lacking = posts.filter(({ operation }) => !operation.parameters?.some((p) => p.in === 'header' && p.name === 'idempotency-key') || !operation.responses?.['409'] || !operation.responses?.['422']);
    expect(lacking.map((p) => p.path)).toEqual([]);
  });
});
