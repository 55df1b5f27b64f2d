import { randomBytes } from 'node:crypto';
import { createTestDatabase, schemaRows, type TestDatabase } from '@tss/persistence/testing';
import { refusalOf, startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { ConfigError } from '@tss/service-kit';
import { TestClock } from '@tss/service-kit/testing';
import { gatewayService } from '../src';

const masterKey = () => randomBytes(32).toString('base64');
const K1 = masterKey();
const K2 = masterKey();

/** A start refused for a setting: its error, for the message; a start that went through fails the test. */
const refusal = async (starting: Promise<ServiceUnderTest>): Promise<Error> => {
  const outcome = await refusalOf(starting);
  expect(outcome).toBeInstanceOf(ConfigError);
  return outcome as Error;
};

// A key dropped from the list while signing keys are still wrapped under it stopped the start with
// `TSS failed to start: KeyUnwrapError: master key k1 is not configured` and a stack; with
// TSS_MASTER_KEYS unset, after a generated key had been written (outside tester, seventh session).
describe('gateway: a master key left out of TSS_MASTER_KEYS while keys are still wrapped under it', () => {
  const clock = new TestClock('2026-12-05T11:00:00.000Z');
  let db: TestDatabase;
  const startGateway = (env: NodeJS.ProcessEnv) => startServiceUnderTest(gatewayService, { clock, env, databaseUrl: db.url });

  beforeAll(async () => {
    db = await createTestDatabase('gateway_master_key_left_out');
    await (await startGateway({ TSS_MASTER_KEYS: `k1:${K1}` })).stop();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it.each([
    ['k1 dropped (k2 alone)', { TSS_MASTER_KEYS: `k2:${K2}` }],
    ['TSS_MASTER_KEYS unset', {}],
  ])('%s: refused in one line naming TSS_MASTER_KEYS, k1, the gateway, how many keys are under k1 and what to do; nothing is written, no key generated', async (_case, env) => {
    const before = await schemaRows(db.url, 'gateway');

    const error = await refusal(startGateway(env));

    expect(error.message.split('\n')).toEqual([expect.stringMatching(/^TSS_MASTER_KEYS\b.*\bk1\b.*\bgateway holds 1 signing key under\b.*\bk1\b.*docs\/operations\.md, "Master keys"/)]);
    expect(error.message).toMatch(/\bk1:<its value>/);
    expect(await schemaRows(db.url, 'gateway')).toEqual(before);
  });
});
