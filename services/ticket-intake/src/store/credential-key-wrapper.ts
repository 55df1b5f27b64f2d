import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { masterKeyTables } from '@tss/persistence';
import { MasterKeysAtStart, rewrapOrLeave, type Clock, type KeyWrapper, type MasterKey, type MasterKeyStore, type OpenedMasterKeys, type SealedRef } from '@tss/service-kit';
import { credentialStore } from './credential.store';
import { INTAKE_SCHEMA } from './ticket.store';

const REWRAP_BATCH = 200;

/** What the vault holds under master keys: its wrapped data keys, its generated keys and check values. */
export const credentialMasterKeyStore = (dataSource: DataSource): MasterKeyStore => ({
  ...masterKeyTables(dataSource, { schema: INTAKE_SCHEMA, generatedTable: 'credential_generated_master_keys' }),
  countsByMasterKey: () => credentialStore.countsByMasterKey(dataSource.manager),
  sealedUnder: (masterKeyId, after, limit) => credentialStore.keysUnder(dataSource.manager, masterKeyId, after, limit),
});

/**
 * The vault's master keys (docs/adr/0026). With TSS_MASTER_KEYS it wraps under the first configured
 * key and still opens keys wrapped under a master key it once generated. Without TSS_MASTER_KEYS
 * (single process, development) it generates one master key into intake's own schema, as the
 * gateway does (docs/adr/0014): data keys are then not stored bare, but whoever reads the whole
 * database reads the master key too. A warning says so once per start. Each configured key is
 * checked at start against what is wrapped under its id (docs/adr/0014, seventh session).
 */
export const credentialMasterKeys = (deps: { dataSource: DataSource; clock: Clock; logger: Logger }, configured: readonly MasterKey[] | undefined): MasterKeysAtStart =>
  new MasterKeysAtStart({
    service: 'ticket-intake',
    holds: { one: 'credential data key', many: 'credential data keys' },
    configured,
    generatedIdPrefix: 'generated-vault-',
    notSetWarning: 'TSS_MASTER_KEYS is not set: credential data keys are wrapped by a master key stored in the same database (development only, see docs/adr/0026)',
    store: credentialMasterKeyStore(deps.dataSource),
    clock: deps.clock,
    logger: deps.logger,
  });

/** The vault's KeyWrapper: master keys checked and opened, data keys under an older one re-wrapped. */
export const openCredentialKeyWrapper = async (
  deps: { dataSource: DataSource; clock: Clock; logger: Logger },
  configured: readonly MasterKey[] | undefined,
  masterKeys: MasterKeysAtStart = credentialMasterKeys(deps, configured),
): Promise<KeyWrapper> => {
  const opened = await masterKeys.open();
  const outcome = configured && configured.length > 0 ? await rewrapDataKeys(deps.dataSource, opened) : { rewrapped: 0, unopenable: [] };
  await masterKeys.finish(outcome);
  return opened.wrapper;
};

/**
 * Master-key rotation: data keys under an older master key are wrapped again under the current
 * one, so the older key can be dropped from TSS_MASTER_KEYS; copies of key rows wrapped under it
 * (backups, old WAL) then open no more. A data key its own master key does not open is left as it
 * is, and reported: it cannot block every rotation after it.
 */
export const rewrapDataKeys = async (dataSource: DataSource, opened: OpenedMasterKeys): Promise<{ rewrapped: number; unopenable: SealedRef[] }> => {
  const outcome = { rewrapped: 0, unopenable: [] as SealedRef[] };
  for (let after: string | undefined; ; ) {
    const batch = await dataSource.transaction(async (tx) => {
      const due = await credentialStore.keysNotUnder(tx, opened.wrapper.currentMasterKeyId, after, REWRAP_BATCH);
      for (const { credentialId, dataKey } of due) {
        const rewrapped = await rewrapOrLeave(opened, dataKey);
        if (!rewrapped) outcome.unopenable.push({ ref: credentialId, masterKeyId: dataKey.masterKeyId });
        else {
          await credentialStore.replaceDataKey(tx, credentialId, rewrapped);
          outcome.rewrapped += 1;
        }
      }
      return due;
    });
    if (batch.length < REWRAP_BATCH) return outcome;
    after = batch[batch.length - 1].credentialId;
  }
};
