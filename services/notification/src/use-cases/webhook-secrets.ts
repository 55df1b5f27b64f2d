import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { ConfigError, parseMasterKeys, rewrapOrLeave, type Clock, type KeyWrapper, type MasterKeysAtStart, type OpenedMasterKeys, type SealedRef } from '@tss/service-kit';
import type { StoredSecret } from '../domain/webhook-endpoint';
import { webhookMasterKeys } from '../store/webhook-key-wrapper';
import { webhookEndpointStore } from '../store/webhook-endpoint.store';

/** Seals signing secrets for storage and opens them to sign (docs/adr/0042). */
export interface SecretBox {
  seal(plain: string): Promise<StoredSecret>;
  open(stored: StoredSecret): Promise<string>;
  /** The wrapper, opened (master keys read, or the development key generated). */
  wrapper(): Promise<KeyWrapper>;
  /** The master keys, checked at start against what is sealed under each id (docs/adr/0014, seventh session). */
  masterKeys?: MasterKeysAtStart;
}

export const secretBoxOf = (wrapper: () => Promise<KeyWrapper>, masterKeys?: MasterKeysAtStart): SecretBox => ({
  wrapper,
  ...(masterKeys ? { masterKeys } : {}),
  seal: async (plain) => {
    const wrapped = await (await wrapper()).wrap(Buffer.from(plain, 'utf8'));
    return { masterKeyId: wrapped.masterKeyId, ciphertext: wrapped.ciphertext };
  },
  open: async (stored) => ('plain' in stored ? stored.plain : (await (await wrapper()).unwrap(stored)).toString('utf8')),
});

export interface SecretBoxDeps {
  dataSource: DataSource;
  clock: Clock;
  logger: Logger;
  env: NodeJS.ProcessEnv;
}

/** The box of a notification instance: TSS_MASTER_KEYS (a bad value is a ConfigError naming each problem, never the key). */
export const webhookSecretBox = (deps: SecretBoxDeps): SecretBox & { masterKeys: MasterKeysAtStart } => {
  const setting = deps.env.TSS_MASTER_KEYS;
  const parsed = setting ? parseMasterKeys(setting) : undefined;
  if (parsed && !parsed.ok) throw new ConfigError(parsed.error.map((problem) => `TSS_MASTER_KEYS: ${problem}`));
  const masterKeys = webhookMasterKeys(deps, parsed?.value);
  return { ...secretBoxOf(async () => (await masterKeys.open()).wrapper), masterKeys };
};

const BATCH = 200;

/**
 * Run at start, before the part serves or sends: seals every secret still in clear (rows from before
 * migration 1765300430000) and re-wraps secrets sealed under an older master key under the current
 * one, so that key can leave TSS_MASTER_KEYS. Each batch in its own short transaction. A secret its
 * own master key does not open is left as it is, and reported: it cannot block every rotation.
 */
export const sealStoredSecrets = async (dataSource: DataSource, box: SecretBox): Promise<{ sealed: number; rewrapped: number; unopenable: SealedRef[] }> => {
  const wrapper = await box.wrapper();
  const opened: Pick<OpenedMasterKeys, 'wrapper' | 'masterKeyIds'> = box.masterKeys ? await box.masterKeys.open() : { wrapper, masterKeyIds: new Set() };
  const counts = { sealed: 0, rewrapped: 0, unopenable: [] as SealedRef[] };
  for (let after: string | undefined; ; ) {
    const due = await dataSource.transaction(async (tx) => {
      const rows = await webhookEndpointStore.secretsDue(tx, wrapper.currentMasterKeyId, after, BATCH);
      for (const row of rows) {
        const reseal = async (s: StoredSecret | null, ref: string): Promise<StoredSecret | null> => {
          if (!s) return null;
          if ('plain' in s) {
            counts.sealed += 1;
            return box.seal(s.plain);
          }
          if (s.masterKeyId === wrapper.currentMasterKeyId) return s;
          const rewrapped = await rewrapOrLeave(opened, s);
          if (!rewrapped) {
            counts.unopenable.push({ ref, masterKeyId: s.masterKeyId });
            return s;
          }
          counts.rewrapped += 1;
          return rewrapped;
        };
        await webhookEndpointStore.replaceSecrets(tx, row.id, (await reseal(row.secret, row.id))!, await reseal(row.previousSecret, `${row.id} (previous secret)`));
      }
      return rows;
    });
    if (due.length < BATCH) return counts;
    after = due[due.length - 1].id;
  }
};
