import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { startServiceUnderTest } from '@tss/runtime/testing';
import { loggerOptions } from '@tss/service-kit';
import { logCapture, TestClock, type LogLine } from '@tss/service-kit/testing';
import { gatewayService } from '../src';

const K1 = randomBytes(32).toString('base64');
const K2 = randomBytes(32).toString('base64');

// Only notification said what its start re-wrapped: the operator's one sign that the old key could
// be dropped was the SQL in docs/operations.md (outside tester, seventh session).
describe('gateway: a start during a master-key rotation says what it re-wrapped and what is left under another key', () => {
  const clock = new TestClock('2026-12-05T12:00:00.000Z');
  let db: TestDatabase;
  const startGateway = async (masterKeys: string): Promise<LogLine[]> => {
    const { lines, stream } = logCapture();
    await (await startServiceUnderTest(gatewayService, { clock, env: { TSS_MASTER_KEYS: masterKeys }, databaseUrl: db.url, logger: pino(loggerOptions('gateway', 'info'), stream) })).stop();
    return lines.filter((l) => 'leftUnderOtherIds' in l);
  };

  beforeAll(async () => {
    db = await createTestDatabase('gateway_master_key_rotation_report');
    await startGateway(`k1:${K1}`);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('one info line with the counts: the signing key re-wrapped under k2, none left under k1; at the next start, nothing to re-wrap', async () => {
    expect(await startGateway(`k2:${K2},k1:${K1}`)).toEqual([expect.objectContaining({ level: 30, masterKeyId: 'k2', rewrapped: 1, leftUnderOtherIds: 0 })]);
    expect(await startGateway(`k2:${K2},k1:${K1}`)).toEqual([expect.objectContaining({ level: 30, masterKeyId: 'k2', rewrapped: 0, leftUnderOtherIds: 0 })]);
  });
});
