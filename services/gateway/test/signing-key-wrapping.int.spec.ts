import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import jwt from 'jsonwebtoken';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { createServiceDataSource } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { ConfigError, loadConfig } from '@tss/service-kit';
import { TestClock } from '@tss/service-kit/testing';
import { gatewayService, openKeyRing } from '../src';
import { GatewayEnv } from '../src/gateway.config';
import { configuredMasterKeys } from '../src/store/open-key-ring';

const masterKey = () => randomBytes(32).toString('base64');
const K1 = masterKey();
const K2 = masterKey();

/** Log lines, to check what the gateway says about master keys and that no key material is in them. */
const capturedLogger = () => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
};

interface StoredKey {
  kid: string;
  private_key_pem: string | null;
  wrapped_private_key: Buffer | null;
  master_key_id: string | null;
  public_jwk: Record<string, unknown>;
}

describe('signing keys are stored wrapped (docs/adr/0014)', () => {
  const clock = new TestClock('2026-07-01T12:00:00.000Z');
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('gateway_key_wrapping');
    dataSource = createServiceDataSource({ url: db.url, schema: 'gateway', entities: gatewayService.entities, poolSize: 2 });
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  const storedKeys = (): Promise<StoredKey[]> =>
    dataSource.query('SELECT kid, private_key_pem, wrapped_private_key, master_key_id, public_jwk FROM gateway.signing_keys ORDER BY created_at');
  const expectNoPlaintext = (rows: StoredKey[], pems: string[] = []) => {
    for (const row of rows) {
      expect(row.private_key_pem).toBeNull();
      expect(row.wrapped_private_key).toBeInstanceOf(Buffer);
      expect(row.public_jwk).not.toHaveProperty('d');
      const stored = JSON.stringify(row);
      expect(stored).not.toContain('PRIVATE KEY');
      for (const pem of pems) expect(row.wrapped_private_key?.includes(Buffer.from(pem.split('\n')[1]))).toBe(false);
    }
  };
  /** A token signed with the ring's key verifies with the key it publishes: the unwrapped key is the right one. */
  const expectSignsAndVerifies = async (keys: Awaited<ReturnType<typeof openKeyRing>>) => {
    const { kid, privateKey } = await keys.signingKey();
    const token = jwt.sign({ sub: 'probe' }, privateKey, { algorithm: 'ES256', keyid: kid });
    const publicKey = await keys.published.getKey(kid);
    expect(publicKey).toBeDefined();
    expect(jwt.verify(token, publicKey!, { algorithms: ['ES256'] })).toMatchObject({ sub: 'probe' });
  };

  it('a key written in the clear before wrapping is wrapped at start, its PEM cleared, and still signs', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await dataSource.query(
      `INSERT INTO gateway.signing_keys (kid, algorithm, private_key_pem, public_jwk, created_at, signs_from) VALUES ($1, 'ES256', $2, $3, $4, $4)`,
      ['legacy-kid', pem, { ...publicKey.export({ format: 'jwk' }), kid: 'legacy-kid', alg: 'ES256', use: 'sig' }, clock.now()],
    );

    const keys = await openKeyRing({ dataSource, clock, logger: pino({ level: 'silent' }) }, { TSS_MASTER_KEYS: `k1:${K1}` });

    const rows = await storedKeys();
    expect(rows.map((r) => r.kid)).toEqual(['legacy-kid']);
    expect(rows[0].master_key_id).toBe('k1');
    expectNoPlaintext(rows, [pem]);
    expect((await keys.signingKey()).kid).toBe('legacy-kid');
    await expectSignsAndVerifies(keys);
  });

  it('new keys are written wrapped: no PEM or private JWK in the row', async () => {
    const keys = await openKeyRing({ dataSource, clock, logger: pino({ level: 'silent' }) }, { TSS_MASTER_KEYS: `k1:${K1}` });
    await keys.rotate();

    const rows = await storedKeys();
    expect(rows).toHaveLength(2);
    expectNoPlaintext(rows);
    expect(rows.map((r) => r.master_key_id)).toEqual(['k1', 'k1']);
  });

  it('master-key rotation: with a new current key, every stored key is re-wrapped at start, and the old master key can then go', async () => {
    await openKeyRing({ dataSource, clock, logger: pino({ level: 'silent' }) }, { TSS_MASTER_KEYS: `k2:${K2},k1:${K1}` });
    expect((await storedKeys()).map((r) => r.master_key_id)).toEqual(['k2', 'k2']);

    const withoutOldKey = await openKeyRing({ dataSource, clock, logger: pino({ level: 'silent' }) }, { TSS_MASTER_KEYS: `k2:${K2}` });
    clock.advanceMs(3_600_000); // the rotated-in key has begun to sign
    await expectSignsAndVerifies(withoutOldKey);
    expectNoPlaintext(await storedKeys());
  });

  it('keys under a master key that is not configured fail the start loudly instead of signing with nothing', async () => {
    await expect(openKeyRing({ dataSource, clock, logger: pino({ level: 'silent' }) }, { TSS_MASTER_KEYS: `k9:${masterKey()}` })).rejects.toThrow(/master key k2 is not configured/);
  });

  it('without TSS_MASTER_KEYS a master key is generated into the gateway schema, with a warning that names no key material', async () => {
    const { logger, lines } = capturedLogger();
    const clean = await createTestDatabase('gateway_generated_master_key');
    const cleanSource = createServiceDataSource({ url: clean.url, schema: 'gateway', entities: gatewayService.entities, poolSize: 2 });
    await cleanSource.initialize();
    try {
      const keys = await openKeyRing({ dataSource: cleanSource, clock, logger }, {});
      const [generated] = (await cleanSource.query('SELECT id, key FROM gateway.generated_master_keys')) as { id: string; key: Buffer }[];
      const [row] = (await cleanSource.query('SELECT private_key_pem, master_key_id FROM gateway.signing_keys')) as StoredKey[];

      expect(generated.id).toMatch(/^generated-/);
      expect(row).toMatchObject({ private_key_pem: null, master_key_id: generated.id });
      await expectSignsAndVerifies(keys);
      const warnings = lines.filter((l) => l.includes('TSS_MASTER_KEYS is not set'));
      expect(warnings).toHaveLength(1);
      expect(JSON.parse(warnings[0])).toMatchObject({ level: 40, masterKeyId: generated.id });
      expect(lines.join('')).not.toContain(generated.key.toString('base64'));

      // Configuring master keys later re-wraps under them; the generated key then protects nothing and is deleted.
      const configured = await openKeyRing({ dataSource: cleanSource, clock, logger }, { TSS_MASTER_KEYS: `k1:${K1}` });
      expect((await cleanSource.query('SELECT master_key_id FROM gateway.signing_keys'))[0].master_key_id).toBe('k1');
      expect((await cleanSource.query('SELECT id FROM gateway.generated_master_keys')).length).toBe(0);
      await expectSignsAndVerifies(configured);
    } finally {
      await cleanSource.destroy();
      await clean.drop();
    }
  });

  it('a bad TSS_MASTER_KEYS is a ConfigError naming each problem, never the key', () => {
    const short = randomBytes(16).toString('base64');
    const check = () => configuredMasterKeys(loadConfig(GatewayEnv, { TSS_MASTER_KEYS: `k1:${short}` }));

    expect(check).toThrow(ConfigError);
    expect(check).toThrow(/TSS_MASTER_KEYS: master key k1 is 16 bytes, not 32/);
    try {
      check();
    } catch (error) {
      expect(String(error)).not.toContain(short);
    }
  });
});
