import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import pino from 'pino';
import { createTestDatabase, schemaRows, type TestDatabase } from '@tss/persistence/testing';
import { refusalOf, startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { ConfigError, LocalKeyWrapper, loggerOptions } from '@tss/service-kit';
import { logCapture, TestClock } from '@tss/service-kit/testing';
import { gatewayService } from '../src';

const masterKey = () => randomBytes(32).toString('base64');
const K1 = masterKey();
// The right id, other bytes: a Secret re-created from memory (outside tester, seventh session).
const WRONG_K1 = masterKey();
const K2 = masterKey();

/** A start refused for a setting: its error, for the message; a start that went through fails the test. */
const refusal = async (starting: Promise<ServiceUnderTest>): Promise<Error> => {
  const outcome = await refusalOf(starting);
  expect(outcome).toBeInstanceOf(ConfigError);
  return outcome as Error;
};

// An outside tester started `npm start` with TSS_MASTER_KEYS="k1:<random 32 bytes>": the right id,
// the wrong bytes. The start succeeded and every token request then answered 500. The gateway now
// checks, before it serves or writes anything, that each configured master key opens what it holds
// under that id (docs/adr/0014, addendum of 2026-12-05, seventh session).
describe('gateway: every configured master key is checked at start against what it holds under its id', () => {
  const clock = new TestClock('2026-12-05T10:00:00.000Z');
  let db: TestDatabase;
  const startGateway = (masterKeys: string, logger = pino({ level: 'silent' })) =>
    startServiceUnderTest(gatewayService, { clock, env: { TSS_MASTER_KEYS: masterKeys }, databaseUrl: db.url, logger });

  beforeAll(async () => {
    db = await createTestDatabase('gateway_master_keys_at_start');
    // The first start: a signing key, wrapped under k1.
    await (await startGateway(`k1:${K1}`)).stop();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('k1 with the wrong bytes is refused: one line naming TSS_MASTER_KEYS, k1 and the gateway, never a key; nothing is written', async () => {
    const before = await schemaRows(db.url, 'gateway');

    const error = await refusal(startGateway(`k1:${WRONG_K1}`));

    expect(error.message.split('\n')).toHaveLength(1);
    expect(error.message).toMatch(/^TSS_MASTER_KEYS: master key k1 .*\bgateway\b/);
    for (const value of [K1, WRONG_K1]) expect(error.message).not.toContain(value);
    expect(await schemaRows(db.url, 'gateway')).toEqual(before);
  });

  it('a rotation onto a wrong old key (k2:<new>,k1:<wrong>) is refused too, and re-wraps nothing', async () => {
    const before = await schemaRows(db.url, 'gateway');

    const error = await refusal(startGateway(`k2:${K2},k1:${WRONG_K1}`));

    expect(error.message).toMatch(/^TSS_MASTER_KEYS: master key k1 .*\bgateway\b/);
    expect(await schemaRows(db.url, 'gateway')).toEqual(before);
  });

  it('with the right k1 it starts, and the documented rotation re-wraps every signing key under k2', async () => {
    await (await startGateway(`k1:${K1}`)).stop();
    const rotated = await startGateway(`k2:${K2},k1:${K1}`);
    try {
      expect(await rotated.query(`SELECT DISTINCT master_key_id FROM gateway.signing_keys`)).toEqual([{ master_key_id: 'k2' }]);
    } finally {
      await rotated.stop();
    }
  });

  it('a signing key an earlier release wrapped under other bytes given the id k1 does not block the rotation: left under k1, reported by kid', async () => {
    // What that release wrote (an age rotation while it ran with the wrong bytes), since retired.
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const kid = randomUUID();
    const wrapped = await new LocalKeyWrapper([{ id: 'k1', key: Buffer.from(WRONG_K1, 'base64') }]).wrap(privateKey.export({ format: 'der', type: 'pkcs8' }));
    const sut = await startGateway(`k2:${K2},k1:${K1}`);
    try {
      await sut.query(
        `INSERT INTO gateway.signing_keys (kid, algorithm, wrapped_private_key, master_key_id, public_jwk, created_at, signs_from, retired_at) VALUES ($1, 'ES256', $2, 'k1', $3, $4, $4, $4)`,
        [kid, wrapped.ciphertext, { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' }, clock.now()],
      );
    } finally {
      await sut.stop();
    }

    const { lines, stream } = logCapture();
    const rotated = await startGateway(`k2:${K2},k1:${K1}`, pino(loggerOptions('gateway', 'info'), stream));
    try {
      expect(await rotated.query(`SELECT master_key_id FROM gateway.signing_keys WHERE kid = $1`, [kid])).toEqual([{ master_key_id: 'k1' }]);
      expect(lines.filter((l) => l.level === 40 && String(l.msg).includes('does not open'))).toEqual([expect.objectContaining({ masterKeyId: 'k1', count: 1, ids: [kid] })]);
      await rotated.query(`DELETE FROM gateway.signing_keys WHERE kid IN ($1)`, [kid]); // docs/operations.md, "Master keys"
    } finally {
      await rotated.stop();
    }
    await (await startGateway(`k2:${K2}`)).stop();
  });
});
