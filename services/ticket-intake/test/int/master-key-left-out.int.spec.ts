import { randomBytes, randomUUID } from 'node:crypto';
import { createTestDatabase, schemaRows, type TestDatabase } from '@tss/persistence/testing';
import { refusalOf, sampleTicket, startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { ConfigError } from '@tss/service-kit';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';

const masterKey = () => randomBytes(32);
const K1 = masterKey();
const K2 = masterKey();
const setting = (...keys: [string, Buffer][]) => keys.map(([id, key]) => `${id}:${key.toString('base64')}`).join(',');
const SECRET = 'Vault-Secret-7h2Lp!q';

/** A start refused for a setting: its error, for the message; a start that went through fails the test. */
const refusal = async (starting: Promise<ServiceUnderTest>): Promise<Error> => {
  const outcome = await refusalOf(starting);
  expect(outcome).toBeInstanceOf(ConfigError);
  return outcome as Error;
};

// A key dropped from the list while data keys are still wrapped under it stopped the start with
// `KeyUnwrapError: master key k1 is not configured` and a stack (outside tester, seventh session).
describe('ticket-intake: a master key left out of TSS_MASTER_KEYS while data keys are still wrapped under it', () => {
  const clock = new TestClock('2026-12-05T11:00:00.000Z');
  let db: TestDatabase;
  const startIntake = (env: NodeJS.ProcessEnv) => startServiceUnderTest(ticketIntakeService, { clock, env, databaseUrl: db.url });

  beforeAll(async () => {
    db = await createTestDatabase('intake_master_key_left_out');
    const sut = await startIntake({ TSS_MASTER_KEYS: setting(['k1', K1]) });
    try {
      const token = sut.token({ kind: 'partner', partner_id: randomUUID(), scope: 'tickets:read tickets:write' });
      const filed = await sut.http().post('/v1/tickets').auth(token, { type: 'bearer' }).send(sampleTicket());
      for (const label of ['Admin panel', 'FTP']) {
        expect((await sut.http().post(`/v1/tickets/${filed.body.id}/credentials`).auth(token, { type: 'bearer' }).send({ label, secret: SECRET })).status).toBe(201);
      }
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
  ])('%s: refused in one line naming TSS_MASTER_KEYS, k1, ticket-intake, how many data keys are under k1 and what to do; nothing is written', async (_case, env) => {
    const before = await schemaRows(db.url, 'ticket_intake');

    const error = await refusal(startIntake(env));

    expect(error.message.split('\n')).toEqual([expect.stringMatching(/^TSS_MASTER_KEYS\b.*\bk1\b.*\bticket-intake holds 2 credential data keys under\b.*\bk1\b.*docs\/operations\.md, "Master keys"/)]);
    expect(await schemaRows(db.url, 'ticket_intake')).toEqual(before);
  });
});
