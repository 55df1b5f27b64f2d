import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { PartnerCreatedV1, RatingRequestedV1 } from '@tss/contracts';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { signatureOf } from '../src/domain/webhook-signature';
import { startNotification, type NotificationUnderTest } from './support/notification-under-test';

interface Received {
  path: string;
  webhookId: string;
  timestamp: number;
  signature: string;
  body: string;
}

// docs/adr/0040 (addendum of 2026-12-04, fifth session, and its follow-up): a rating link is the
// requester's. An admin's endpoint for internal systems is staff-owned: whoever reads what it
// receives must not rate their own work with it. The partner's own endpoint keeps the link.
describe('rating.requested to a staff-owned webhook endpoint carries no live rating link', () => {
  const clock = new TestClock('2026-12-04T09:00:00.000Z');
  let notification: NotificationUnderTest;
  let receiver: Server;
  let baseUrl: string;
  const received: Received[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          path: req.url ?? '',
          webhookId: String(req.headers['webhook-id']),
          timestamp: Number(req.headers['webhook-timestamp']),
          signature: String(req.headers['webhook-signature']),
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    notification = await startNotification(clock, { WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' });
  });
  afterAll(async () => {
    await notification?.sut.stop();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  const partnerToken = (partnerId: string) => notification.sut.token({ kind: 'partner', partner_id: partnerId, scope: 'webhooks:manage' });
  const adminToken = () => notification.sut.token({ kind: 'staff', client_id: randomUUID(), roles: ['admin'] });
  const subscribed = async (token: string, path: string, body: Record<string, unknown> = {}) => {
    const response = await notification.sut.http().post('/v1/webhooks/endpoints').auth(token, { type: 'bearer' }).send({ url: `${baseUrl}${path}`, eventTypes: ['rating.*'], ...body });
    expect(response.status).toBe(201);
    return response.body as { id: string; secret: string };
  };
  const at = (path: string) => received.filter((r) => r.path === path);
  const verified = (r: Received, secret: string) => r.signature.split(' ').includes(signatureOf(secret, r.webhookId, r.timestamp, r.body));

  it('the partner’s endpoint gets the rateUrl; an admin’s endpoint (all partners, or that partner) gets it withheld, signed as sent, on replay and retry too', async () => {
    const partnerId = randomUUID();
    await notification.handled(await notification.publish(PartnerCreatedV1, partnerId, { partnerId, name: 'Acme', active: true, changedAt: clock.now().toISOString() }));
    const partner = await subscribed(partnerToken(partnerId), '/partner');
    const internal = await subscribed(adminToken(), '/internal');
    const forPartner = await subscribed(adminToken(), '/for-partner', { partnerId });

    const token = 'rt_Secret-Token_0123456789abcdef';
    const rateUrl = `https://support.example/rate/${token}`;
    const { ticketId } = await notification.ticketCreated({ partnerId });
    await notification.publish(RatingRequestedV1, ticketId, { partnerId, surveyId: randomUUID(), rateUrl, expiresAt: '2026-12-18T09:00:00.000Z' });
    await waitFor('the three deliveries', async () => at('/partner').length + at('/internal').length + at('/for-partner').length === 3);

    const [toPartner] = at('/partner');
    expect(JSON.parse(toPartner.body).data.rateUrl).toBe(rateUrl);
    expect(verified(toPartner, partner.secret)).toBe(true);
    for (const [path, endpoint] of [['/internal', internal], ['/for-partner', forPartner]] as const) {
      const [toStaff] = at(path);
      expect(toStaff.body).not.toContain(token);
      expect(JSON.parse(toStaff.body).data.rateUrl).toBe('https://support.example/rate/[withheld]');
      expect(verified(toStaff, endpoint.secret)).toBe(true);
    }
    // The stored delivery is as queued: a partner endpoint's replay of it must keep the link.
    const [stored] = await notification.sut.query<{ body: string }>(`SELECT body FROM notification.webhook_deliveries WHERE endpoint_id = $1`, [internal.id]);
    expect(stored.body).toContain(token);

    // Replay and manual retry go through the same send.
    const replayed = await notification.sut
      .http()
      .post(`/v1/webhooks/endpoints/${internal.id}/replay`)
      .auth(adminToken(), { type: 'bearer' })
      .send({ since: new Date(clock.now().getTime() - 60_000).toISOString() });
    expect(replayed.status).toBe(202);
    const [delivery] = await notification.sut.query<{ id: string }>(`SELECT id FROM notification.webhook_deliveries WHERE endpoint_id = $1 AND reason = 'event'`, [forPartner.id]);
    await waitFor('the delivery finished', async () => (await notification.sut.query(`SELECT 1 FROM notification.webhook_deliveries WHERE id = $1 AND status = 'succeeded'`, [delivery.id])).length === 1);
    const retried = await notification.sut.http().post(`/v1/webhooks/endpoints/${forPartner.id}/deliveries/${delivery.id}/retry`).auth(adminToken(), { type: 'bearer' }).send();
    expect(retried.status).toBe(202);
    await waitFor('the replay and the retry', async () => at('/internal').length === 2 && at('/for-partner').length === 2);
    for (const r of [...at('/internal'), ...at('/for-partner')]) expect(r.body).not.toContain(token);
    expect(verified(at('/internal')[1], internal.secret)).toBe(true);
    expect(verified(at('/for-partner')[1], forPartner.secret)).toBe(true);
  });
  // An outside test: an admin pointed partner P1's endpoint at a URL of theirs and replayed, and got
  // the live rateUrl. A partner's endpoint is sent links because the partner chose where it points.
  it('an admin may not change the URL of a partner’s endpoint: 403 problem, the URL unchanged, nothing sent elsewhere', async () => {
    const partnerId = randomUUID();
    await notification.handled(await notification.publish(PartnerCreatedV1, partnerId, { partnerId, name: 'Acme', active: true, changedAt: clock.now().toISOString() }));
    const partner = await subscribed(partnerToken(partnerId), '/p1');
    const moved = await notification.sut.http().patch(`/v1/webhooks/endpoints/${partner.id}`).auth(adminToken(), { type: 'bearer' }).send({ url: `${baseUrl}/stolen` });
    expect(moved.status).toBe(403);
    expect(moved.headers['content-type']).toContain('application/problem+json');
    expect(moved.body.detail).toContain('partner');
    const [row] = await notification.sut.query<{ url: string }>(`SELECT url FROM notification.webhook_endpoints WHERE id = $1`, [partner.id]);
    expect(row.url).toBe(`${baseUrl}/p1`);
    // The admin may still manage it otherwise (re-enable, describe), and the partner may move it.
    const described = await notification.sut.http().patch(`/v1/webhooks/endpoints/${partner.id}`).auth(adminToken(), { type: 'bearer' }).send({ description: 'checked by support' });
    expect(described.status).toBe(200);
    const byPartner = await notification.sut.http().patch(`/v1/webhooks/endpoints/${partner.id}`).auth(partnerToken(partnerId), { type: 'bearer' }).send({ url: `${baseUrl}/p1-new` });
    expect(byPartner.status).toBe(200);
    expect(at('/stolen')).toHaveLength(0);
  });
});
