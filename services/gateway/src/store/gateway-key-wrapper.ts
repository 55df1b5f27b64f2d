import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { LocalKeyWrapper, type Clock, type KeyWrapper, type MasterKey } from '@tss/service-kit';
import { GeneratedMasterKeyEntity } from './gateway.entities';
import type { SigningKeyStore } from './signing-key.store';

const GENERATED_ID_PREFIX = 'generated-';

/**
 * The gateway's KeyWrapper. With TSS_MASTER_KEYS it wraps under the first configured key, and
 * still opens keys wrapped under a master key it once generated for itself, until the key ring has
 * re-wrapped them (then that generated key is deleted). Without TSS_MASTER_KEYS (single-process
 * mode, development) it generates a master key and stores it in its own table: keys are then not
 * plaintext in `signing_keys`, but whoever reads the database reads both (docs/adr/0014).
 */
export const openGatewayKeyWrapper = async (
  deps: { dataSource: DataSource; clock: Clock; logger: Logger },
  configured: readonly MasterKey[] | undefined,
): Promise<KeyWrapper> => {
  const repo = deps.dataSource.getRepository(GeneratedMasterKeyEntity);
  const generated = (await repo.find({ order: { createdAt: 'ASC' } })).map((row) => ({ id: row.id, key: row.key }));
  if (configured && configured.length > 0) return new LocalKeyWrapper([...configured, ...generated.filter((g) => !configured.some((c) => c.id === g.id))]);
  if (generated.length === 0) {
    const id = `${GENERATED_ID_PREFIX}${randomBytes(6).toString('hex')}`;
    // Replicas starting together may both insert; the first row (by creation) is the one used.
    await repo.insert({ id, key: randomBytes(32), createdAt: deps.clock.now() });
    generated.push(...(await repo.find({ order: { createdAt: 'ASC' } })).map((row) => ({ id: row.id, key: row.key })));
    deps.logger.warn({ masterKeyId: generated[0].id }, 'TSS_MASTER_KEYS is not set: generated a master key and stored it in the gateway schema (development only, see docs/adr/0014)');
  } else {
    deps.logger.warn({ masterKeyId: generated[0].id }, 'TSS_MASTER_KEYS is not set: signing keys are wrapped by a master key stored in the same database (development only, see docs/adr/0014)');
  }
  return new LocalKeyWrapper(generated);
};

/** Once every key is re-wrapped under configured master keys, generated ones protect nothing and go. */
export const deleteUnusedGeneratedMasterKeys = async (dataSource: DataSource, store: SigningKeyStore, wrapper: KeyWrapper): Promise<void> => {
  if (wrapper.currentMasterKeyId.startsWith(GENERATED_ID_PREFIX)) return;
  await dataSource.query(`DELETE FROM gateway.generated_master_keys WHERE NOT (id = ANY($1::text[]))`, [await store.masterKeyIdsInUse()]);
};
