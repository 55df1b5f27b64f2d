import { randomBytes, randomUUID } from 'node:crypto';
import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { sampleTicket, startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { loggerOptions } from '@tss/service-kit';
import { logCapture, TestClock, type LogLine } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';

const K1 = randomBytes(32).toString('base64');
const K2 = randomBytes(32).toString('base64');

// Only notification said what its start re-wrapped: the operator's one sign that the old key could
// be dropped was the SQL in docs/operations.md (outside tester, seventh session).
describe('ticket-intake: a start during a master-key rotation says what it re-wrapped and what is left under another key', () => {
  const clock = new TestClock('2026-12-05T12:00:00.000Z');
  let db: TestDatabase;
  const startIntake = async (masterKeys: string, work: (sut: ServiceUnderTest) => Promise<void> = async () => undefined): Promise<LogLine[]> => {
    const { lines, stream } = logCapture();
    const sut = await startServiceUnderTest(ticketIntakeService, { clock, env: { TSS_MASTER_KEYS: masterKeys }, databaseUrl: db.url, logger: pino(loggerOptions('ticket-intake', 'info'), stream) });
    try {
      await work(sut);
    } finally {
      await sut.stop();
    }
    return lines.filter((l) => 'leftUnderOtherIds' in l);
  };

  beforeAll(async () => {
    db = await createTestDatabase('intake_master_key_rotation_report');
    await startIntake(`k1:${K1}`, async (sut) => {
      const token = sut.token({ kind: 'partner', partner_id: randomUUID(), scope: 'tickets:read tickets:write' });
      const filed = await sut.http().post('/v1/tickets').auth(token, { type: 'bearer' }).send(sampleTicket());
      for (const label of ['Admin panel', 'FTP']) {
        expect((await sut.http().post(`/v1/tickets/${filed.body.id}/credentials`).auth(token, { type: 'bearer' }).send({ label, secret: 'Rot-Secret-5tY!' })).status).toBe(201);
      }
    });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('one info line with the counts: both data keys re-wrapped under k2, none left under k1; at the next start, nothing to re-wrap', async () => {
    expect(await startIntake(`k2:${K2},k1:${K1}`)).toEqual([expect.objectContaining({ level: 30, masterKeyId: 'k2', rewrapped: 2, leftUnderOtherIds: 0 })]);
    expect(await startIntake(`k2:${K2},k1:${K1}`)).toEqual([expect.objectContaining({ level: 30, masterKeyId: 'k2', rewrapped: 0, leftUnderOtherIds: 0 })]);
  });
});
