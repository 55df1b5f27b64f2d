import { randomBytes, randomUUID } from 'node:crypto';
import { createTestDatabase, schemaRows, type TestDatabase } from '@tss/persistence/testing';
import { refusalOf, startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { ConfigError } from '@tss/service-kit';
import { TestClock } from '@tss/service-kit/testing';
import { notificationService } from '../src/index';

const masterKey = () => randomBytes(32);
const K1 = masterKey();
const K2 = masterKey();
const setting = (...keys: [string, Buffer][]) => keys.map(([id, key]) => `${id}:${key.toString('base64')}`).join(',');

/** A start refused for a setting: its error, for the message; a start that went through fails the test. */
const refusal = async (starting: Promise<ServiceUnderTest>): Promise<Error> => {
  const outcome = await refusalOf(starting);
  expect(outcome).toBeInstanceOf(ConfigError);
  return outcome as Error;
};

// A key dropped from the list while secrets are still sealed under it stopped the start with
// `KeyUnwrapError: master key k1 is not configured` and a stack (outside tester, seventh session).
describe('notification: a master key left out of TSS_MASTER_KEYS while secrets are still sealed under it', () => {
  const clock = new TestClock('2026-12-05T11:00:00.000Z');
  let db: TestDatabase;
  const startNotification = (env: NodeJS.ProcessEnv) =>
    startServiceUnderTest(notificationService, { clock, env: { ...env, WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' }, databaseUrl: db.url });

  beforeAll(async () => {
    db = await createTestDatabase('notification_master_key_left_out');
    const sut = await startNotification({ TSS_MASTER_KEYS: setting(['k1', K1]) });
    try {
      const token = sut.token({ kind: 'partner', partner_id: randomUUID(), scope: 'webhooks:manage' });
      expect((await sut.http().post('/v1/webhooks/endpoints').auth(token, { type: 'bearer' }).send({ url: 'http://127.0.0.1:9/hooks', eventTypes: ['ticket.*'] })).status).toBe(201);
    } finally {
      await sut.stop();
    }
  });
  afterAll(async () => {
    await db?.drop();
  });

  it.each([
    ['k1 dropped (k2 alone)', { TSS_MASTER_KEYS: setting(['k2', K2]) }],
    ['TSS_MASTER_KEYS unset', {}],
  ])('%s: refused in one line naming TSS_MASTER_KEYS, k1, notification, how many secrets are under k1 and what to do; nothing is written', async (_case, env) => {
    const before = await schemaRows(db.url, 'notification');

    const error = await refusal(startNotification(env));

    expect(error.message.split('\n')).toEqual([expect.stringMatching(/^TSS_MASTER_KEYS\b.*\bk1\b.*\bnotification holds 1 webhook signing secret under\b.*\bk1\b.*docs\/operations\.md, "Master keys"/)]);
    expect(await schemaRows(db.url, 'notification')).toEqual(before);
  });
});
