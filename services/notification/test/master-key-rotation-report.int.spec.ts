import { randomBytes, randomUUID } from 'node:crypto';
import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { loggerOptions } from '@tss/service-kit';
import { logCapture, TestClock, type LogLine } from '@tss/service-kit/testing';
import { notificationService } from '../src/index';

const K1 = randomBytes(32).toString('base64');
const K2 = randomBytes(32).toString('base64');

// The three services that seal under master keys now say it alike (outside tester, seventh session):
// notification's line had no count of what is left under another key.
describe('notification: a start during a master-key rotation says what it re-wrapped and what is left under another key', () => {
  const clock = new TestClock('2026-12-05T12:00:00.000Z');
  let db: TestDatabase;
  const startNotification = async (masterKeys: string, work: (sut: ServiceUnderTest) => Promise<void> = async () => undefined): Promise<LogLine[]> => {
    const { lines, stream } = logCapture();
    const sut = await startServiceUnderTest(notificationService, {
      clock,
      env: { TSS_MASTER_KEYS: masterKeys, WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' },
      databaseUrl: db.url,
      logger: pino(loggerOptions('notification', 'info'), stream),
    });
    try {
      await work(sut);
    } finally {
      await sut.stop();
    }
    return lines.filter((l) => 'leftUnderOtherIds' in l);
  };

  beforeAll(async () => {
    db = await createTestDatabase('notification_master_key_rotation_report');
    await startNotification(`k1:${K1}`, async (sut) => {
      const token = sut.token({ kind: 'partner', partner_id: randomUUID(), scope: 'webhooks:manage' });
      expect((await sut.http().post('/v1/webhooks/endpoints').auth(token, { type: 'bearer' }).send({ url: 'http://127.0.0.1:9/hooks', eventTypes: ['ticket.*'] })).status).toBe(201);
    });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('one info line with the counts: the secret re-wrapped under k2, none left under k1; at the next start, nothing to re-wrap', async () => {
    expect(await startNotification(`k2:${K2},k1:${K1}`)).toEqual([expect.objectContaining({ level: 30, masterKeyId: 'k2', rewrapped: 1, leftUnderOtherIds: 0 })]);
    expect(await startNotification(`k2:${K2},k1:${K1}`)).toEqual([expect.objectContaining({ level: 30, masterKeyId: 'k2', rewrapped: 0, leftUnderOtherIds: 0 })]);
  });
});
