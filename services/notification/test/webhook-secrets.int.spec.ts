import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { InProcessTransport } from '@tss/messaging';
import { Platform } from '@tss/runtime';
import { TokenVerifier } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { notificationService } from '../src/index';
import { newWebhookSecret } from '../src/domain/webhook-signature';
import { sealStoredSecrets, webhookSecretBox } from '../src/use-cases/webhook-secrets';
import { startNotification, type NotificationUnderTest } from './support/notification-under-test';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

// Issue #11 / docs/adr/0042: webhook signing secrets encrypted at rest under the master keys.
describe('webhook signing secrets sealed at rest (issue #11), notification alone', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  const masterKey = randomBytes(32);
  const env = { TSS_MASTER_KEYS: `mk1:${masterKey.toString('base64')}`, WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' };
  let notification: NotificationUnderTest;
  let receiver: Server;
  let base: string;
  const received = new Map<string, Received[]>();

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const list = received.get(req.url ?? '') ?? [];
        list.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        received.set(req.url ?? '', list);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    notification = await startNotification(clock, env);
  });
  afterAll(async () => {
    await notification?.sut.stop();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  const at = (path: string, n: number) => waitFor(`${n} webhook(s) at ${path}`, () => received.get(path)?.[n - 1]);
  /** Verified by the standardwebhooks package, not by the code under test, at the test clock's time (its timestamp check reads Date.now()). */
  const verifies = (secret: string, delivery: Received): boolean => {
    const spy = jest.spyOn(Date, 'now').mockReturnValue(clock.now().getTime());
    try {
      new Webhook(secret).verify(delivery.body, {
        'webhook-id': String(delivery.headers['webhook-id']),
        'webhook-timestamp': String(delivery.headers['webhook-timestamp']),
        'webhook-signature': String(delivery.headers['webhook-signature']),
      });
      return true;
    } catch {
      return false;
    } finally {
      spy.mockRestore();
    }
  };
  /** Every byte of the endpoints table as text: no secret may be in it. */
  const tableText = async () => JSON.stringify(await notification.sut.query(`SELECT * FROM notification.webhook_endpoints`));
  const keyOf = (secret: string) => secret.slice('whsec_'.length);

  it('the table holds no whsec_ secret (nor its key), only ciphertext under the master key; deliveries still verify, also across a rotation', async () => {
    const partnerId = randomUUID();
    const token = notification.sut.token({ kind: 'partner', partner_id: partnerId, scope: 'webhooks:manage' });
    const created = await notification.sut.http().post('/v1/webhooks/endpoints').auth(token, { type: 'bearer' }).send({ url: `${base}/sealed`, eventTypes: ['ticket.*'] });
    expect(created.status).toBe(201);
    const secret = created.body.secret as string;
    expect(secret).toMatch(/^whsec_/);

    const [row] = await notification.sut.query<{ secret: string | null; secret_sealed: Buffer; secret_master_key_id: string }>(
      `SELECT secret, secret_sealed, secret_master_key_id FROM notification.webhook_endpoints WHERE id = $1`,
      [created.body.id],
    );
    expect(row.secret).toBeNull();
    expect(row.secret_master_key_id).toBe('mk1');
    expect(row.secret_sealed.length).toBeGreaterThan(28 + 10);
    let text = await tableText();
    expect(text).not.toContain('whsec_');
    expect(text).not.toContain(keyOf(secret));
    expect(text).not.toContain(Buffer.from(keyOf(secret), 'base64').toString('hex'));

    await notification.ticketCreated({ partnerId });
    const first = await at('/sealed', 1);
    expect(verifies(secret, first)).toBe(true);
    expect(verifies(newWebhookSecret(), first)).toBe(false);

    const rotated = await notification.sut.http().post(`/v1/webhooks/endpoints/${created.body.id}/rotate-secret`).auth(token, { type: 'bearer' }).send();
    expect(rotated.status).toBe(200);
    text = await tableText();
    expect(text).not.toContain('whsec_');
    expect(text).not.toContain(keyOf(rotated.body.secret as string));
    await notification.ticketCreated({ partnerId });
    const second = await at('/sealed', 2);
    expect(verifies(rotated.body.secret as string, second)).toBe(true);
    expect(verifies(secret, second)).toBe(true); // the old secret signs beside the new for 24 h
  });

  it('a replica starting on a database with a secret in clear seals it before it serves', async () => {
    const legacy = newWebhookSecret();
    const id = randomUUID();
    const partnerId = randomUUID();
    await notification.sut.query(
      `INSERT INTO notification.webhook_endpoints (id, owner_kind, partner_id, created_by, url, event_types, secret, status, created_at, updated_at)
       VALUES ($1, 'partner', $2, $3, $4, '{sla.*}', $5, 'enabled', $6, $6)`,
      [id, partnerId, `partner:${partnerId}`, `${base}/at-start`, legacy, clock.now()],
    );
    expect(await tableText()).toContain(legacy);
    const replica = await Platform.start({
      modules: [notificationService],
      name: 'notification',
      databaseUrl: notification.sut.databaseUrl,
      transport: new InProcessTransport(),
      clock,
      logger: pino({ level: 'silent' }),
      tokens: new TokenVerifier({ issuer: 'tss', audience: 'tss-api', keys: { getKey: async () => undefined }, nowSeconds: () => Math.floor(clock.now().getTime() / 1_000) }),
      env,
      migrate: false,
      poolSize: 2,
    });
    try {
      expect(await tableText()).not.toContain('whsec_');
      const [row] = await notification.sut.query<{ secret: string | null; secret_master_key_id: string }>(`SELECT secret, secret_master_key_id FROM notification.webhook_endpoints WHERE id = $1`, [id]);
      expect(row).toEqual({ secret: null, secret_master_key_id: 'mk1' });
    } finally {
      await replica.stop();
    }
  });

  it('a secret stored in clear before sealing is sealed by the start-up step, and its deliveries still verify', async () => {
    const partnerId = randomUUID();
    const legacy = newWebhookSecret();
    const id = randomUUID();
    // A row as written before migration 1765300430000.
    await notification.sut.query(
      `INSERT INTO notification.webhook_endpoints (id, owner_kind, partner_id, created_by, url, event_types, secret, status, created_at, updated_at)
       VALUES ($1, 'partner', $2, $3, $4, '{ticket.*}', $5, 'enabled', $6, $6)`,
      [id, partnerId, `partner:${partnerId}`, `${base}/legacy`, legacy, clock.now()],
    );
    expect(await tableText()).toContain(legacy);

    const box = webhookSecretBox({ dataSource: notification.sut.host.dataSource, clock, logger: pino({ level: 'silent' }), env });
    expect(await sealStoredSecrets(notification.sut.host.dataSource, box)).toEqual({ sealed: 1, rewrapped: 0, unopenable: [] });
    expect(await tableText()).not.toContain('whsec_');
    expect(await sealStoredSecrets(notification.sut.host.dataSource, box)).toEqual({ sealed: 0, rewrapped: 0, unopenable: [] });

    await notification.ticketCreated({ partnerId });
    expect(verifies(legacy, await at('/legacy', 1))).toBe(true);
  });

  it('master-key rotation: secrets sealed under the retired key are re-wrapped under the new one and still sign', async () => {
    const partnerId = randomUUID();
    const token = notification.sut.token({ kind: 'partner', partner_id: partnerId, scope: 'webhooks:manage' });
    const created = await notification.sut.http().post('/v1/webhooks/endpoints').auth(token, { type: 'bearer' }).send({ url: `${base}/rewrapped`, eventTypes: ['ticket.*'] });
    const rotatedEnv = { TSS_MASTER_KEYS: `mk2:${randomBytes(32).toString('base64')},${env.TSS_MASTER_KEYS}` };
    const box = webhookSecretBox({ dataSource: notification.sut.host.dataSource, clock, logger: pino({ level: 'silent' }), env: rotatedEnv });
    const counts = await sealStoredSecrets(notification.sut.host.dataSource, box);
    expect(counts.rewrapped).toBeGreaterThanOrEqual(1);
    const keys = await notification.sut.query<{ secret_master_key_id: string }>(`SELECT DISTINCT secret_master_key_id FROM notification.webhook_endpoints`);
    expect(keys).toEqual([{ secret_master_key_id: 'mk2' }]);
    const [row] = await notification.sut.query<{ secret_sealed: Buffer; secret_master_key_id: string }>(`SELECT secret_sealed, secret_master_key_id FROM notification.webhook_endpoints WHERE id = $1`, [created.body.id]);
    expect(await box.open({ masterKeyId: row.secret_master_key_id, ciphertext: row.secret_sealed })).toBe(created.body.secret);
  });
});
