import { randomBytes, randomUUID } from 'node:crypto';
import pino from 'pino';
import { Client } from 'pg';
import { createTestDatabase, schemaRows, type TestDatabase } from '@tss/persistence/testing';
import { refusalOf, startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { ConfigError, LocalKeyWrapper, loggerOptions } from '@tss/service-kit';
import { logCapture, TestClock } from '@tss/service-kit/testing';
import { notificationService } from '../src/index';

const masterKey = () => randomBytes(32);
const K1 = masterKey();
// The right id, other bytes: a Secret re-created from memory (outside tester, seventh session).
const WRONG_K1 = masterKey();
const K2 = masterKey();
const setting = (...keys: [string, Buffer][]) => keys.map(([id, key]) => `${id}:${key.toString('base64')}`).join(',');

/** A start refused for a setting: its error, for the message; a start that went through fails the test. */
const refusal = async (starting: Promise<ServiceUnderTest>): Promise<Error> => {
  const outcome = await refusalOf(starting);
  expect(outcome).toBeInstanceOf(ConfigError);
  return outcome as Error;
};

// As the gateway and intake (outside tester, seventh session): notification seals webhook signing
// secrets under the master keys (docs/adr/0042) and now checks at start that each configured one
// opens what it holds under its id (docs/adr/0014, addendum of 2026-12-05, seventh session).
describe('notification: every configured master key is checked at start against the webhook secrets it holds under its id', () => {
  const clock = new TestClock('2026-12-05T10:00:00.000Z');
  let db: TestDatabase;
  const startNotification = (masterKeys: string, logger = pino({ level: 'silent' })) =>
    startServiceUnderTest(notificationService, { clock, env: { TSS_MASTER_KEYS: masterKeys, WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' }, databaseUrl: db.url, logger });
  const createEndpoint = async (sut: ServiceUnderTest): Promise<string> => {
    const token = sut.token({ kind: 'partner', partner_id: randomUUID(), scope: 'webhooks:manage' });
    const created = await sut.http().post('/v1/webhooks/endpoints').auth(token, { type: 'bearer' }).send({ url: 'http://127.0.0.1:9/hooks', eventTypes: ['ticket.*'] });
    expect(created.status).toBe(201);
    return created.body.id as string;
  };
  let endpointId: string;

  beforeAll(async () => {
    db = await createTestDatabase('notification_master_keys_at_start');
    const sut = await startNotification(setting(['k1', K1]));
    try {
      endpointId = await createEndpoint(sut);
    } finally {
      await sut.stop();
    }
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('k1 with the wrong bytes is refused: one line naming TSS_MASTER_KEYS, k1 and notification, never a key; nothing is written', async () => {
    const before = await schemaRows(db.url, 'notification');

    const error = await refusal(startNotification(setting(['k1', WRONG_K1])));

    expect(error.message.split('\n')).toHaveLength(1);
    expect(error.message).toMatch(/^TSS_MASTER_KEYS: master key k1 .*\bnotification\b/);
    for (const key of [K1, WRONG_K1]) expect(error.message).not.toContain(key.toString('base64'));
    expect(await schemaRows(db.url, 'notification')).toEqual(before);
  });

  it('a rotation onto a wrong old key (k2:<new>,k1:<wrong>) is refused too, and re-wraps nothing', async () => {
    const before = await schemaRows(db.url, 'notification');

    const error = await refusal(startNotification(setting(['k2', K2], ['k1', WRONG_K1])));

    expect(error.message).toMatch(/^TSS_MASTER_KEYS: master key k1 .*\bnotification\b/);
    expect(await schemaRows(db.url, 'notification')).toEqual(before);
  });

  it('a previous secret sealed by an earlier release under another key given the id k1 does not block the rotation: left under k1, reported', async () => {
    // What that release wrote: a previous secret (a rotation of the endpoint's secret) sealed under the wrong bytes, labelled k1.
    const wrapped = await new LocalKeyWrapper([{ id: 'k1', key: WRONG_K1 }]).wrap(Buffer.from('whsec_bm90IHRoZSByaWdodCBrZXk='));
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query(`UPDATE notification.webhook_endpoints SET previous_secret_sealed = $2, previous_secret_master_key_id = 'k1' WHERE id = $1`, [endpointId, wrapped.ciphertext]);
    } finally {
      await client.end();
    }

    const { lines, stream } = logCapture();
    const rotated = await startNotification(setting(['k2', K2], ['k1', K1]), pino(loggerOptions('notification', 'info'), stream));
    try {
      expect(await rotated.query(`SELECT secret_master_key_id, previous_secret_master_key_id FROM notification.webhook_endpoints WHERE id = $1`, [endpointId])).toEqual([
        { secret_master_key_id: 'k2', previous_secret_master_key_id: 'k1' },
      ]);
      const warnings = lines.filter((l) => l.level === 40 && String(l.msg).includes('does not open'));
      expect(warnings).toEqual([expect.objectContaining({ masterKeyId: 'k1', count: 1, ids: [`${endpointId} (previous secret)`] })]);
    } finally {
      await rotated.stop();
    }
    // docs/operations.md, "Master keys": the operator removes what no key opens; then k1 can go.
    const removal = new Client({ connectionString: db.url });
    await removal.connect();
    try {
      await removal.query(
        `UPDATE notification.webhook_endpoints SET previous_secret_sealed = NULL, previous_secret_master_key_id = NULL, previous_secret_expires_at = NULL WHERE id = $1`,
        [endpointId],
      );
    } finally {
      await removal.end();
    }
    await (await startNotification(setting(['k2', K2]))).stop();
  });
});
