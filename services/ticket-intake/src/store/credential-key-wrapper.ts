import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { LocalKeyWrapper, rewrapUnderCurrent, type Clock, type KeyWrapper, type MasterKey } from '@tss/service-kit';
import { credentialStore } from './credential.store';
import { INTAKE_SCHEMA } from './ticket.store';

const GENERATED = `"${INTAKE_SCHEMA}".credential_generated_master_keys`;
const REWRAP_BATCH = 200;

/**
 * The vault's KeyWrapper (docs/adr/0026). With TSS_MASTER_KEYS it wraps under the first configured
 * key and still opens keys wrapped under a master key it once generated. Without TSS_MASTER_KEYS
 * (single process, development) it generates one master key into intake's own schema, as the
 * gateway does (docs/adr/0014): data keys are then not stored bare, but whoever reads the whole
 * database reads the master key too. A warning says so once per start.
 */
export const openCredentialKeyWrapper = async (
  deps: { dataSource: DataSource; clock: Clock; logger: Logger },
  configured: readonly MasterKey[] | undefined,
): Promise<KeyWrapper> => {
  const readGenerated = async (): Promise<MasterKey[]> =>
    ((await deps.dataSource.query(`SELECT id, key FROM ${GENERATED} ORDER BY created_at, id`)) as { id: string; key: Buffer }[]).map((r) => ({ id: r.id, key: r.key }));
  let generated = await readGenerated();
  if (configured && configured.length > 0) {
    const wrapper = new LocalKeyWrapper([...configured, ...generated.filter((g) => !configured.some((c) => c.id === g.id))]);
    await rewrapDataKeys(deps.dataSource, wrapper);
    return wrapper;
  }
  if (generated.length === 0) {
    // Replicas starting together may both insert; every one then uses the oldest row.
    await deps.dataSource.query(`INSERT INTO ${GENERATED} (id, key, created_at) VALUES ($1, $2, $3)`, [
      `generated-vault-${randomBytes(6).toString('hex')}`,
      randomBytes(32),
      deps.clock.now(),
    ]);
    generated = await readGenerated();
  }
  deps.logger.warn(
    { masterKeyId: generated[0].id },
    'TSS_MASTER_KEYS is not set: credential data keys are wrapped by a master key stored in the same database (development only, see docs/adr/0026)',
  );
  return new LocalKeyWrapper(generated);
};

/**
 * Master-key rotation: data keys under an older master key are wrapped again under the current
 * one, so the older key can be dropped from TSS_MASTER_KEYS; copies of key rows wrapped under it
 * (backups, old WAL) then open no more.
 */
export const rewrapDataKeys = async (dataSource: DataSource, wrapper: KeyWrapper): Promise<number> => {
  let rewrapped = 0;
  for (;;) {
    const batch = await dataSource.transaction(async (tx) => {
      const due = await credentialStore.keysNotUnder(tx, wrapper.currentMasterKeyId, REWRAP_BATCH);
      for (const { credentialId, dataKey } of due) await credentialStore.replaceDataKey(tx, credentialId, await rewrapUnderCurrent(wrapper, dataKey));
      return due.length;
    });
    rewrapped += batch;
    if (batch < REWRAP_BATCH) return rewrapped;
  }
};
