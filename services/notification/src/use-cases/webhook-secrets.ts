import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { ConfigError, parseMasterKeys, rewrapUnderCurrent, type Clock, type KeyWrapper } from '@tss/service-kit';
import type { StoredSecret } from '../domain/webhook-endpoint';
import { openWebhookKeyWrapper } from '../store/webhook-key-wrapper';
import { webhookEndpointStore } from '../store/webhook-endpoint.store';

/** Seals signing secrets for storage and opens them to sign (docs/adr/0042). */
export interface SecretBox {
  seal(plain: string): Promise<StoredSecret>;
  open(stored: StoredSecret): Promise<string>;
  /** The wrapper, opened (master keys read, or the development key generated). */
  wrapper(): Promise<KeyWrapper>;
}

export const secretBoxOf = (wrapper: () => Promise<KeyWrapper>): SecretBox => ({
  wrapper,
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
export const webhookSecretBox = (deps: SecretBoxDeps): SecretBox => {
  const setting = deps.env.TSS_MASTER_KEYS;
  const parsed = setting ? parseMasterKeys(setting) : undefined;
  if (parsed && !parsed.ok) throw new ConfigError(parsed.error.map((problem) => `TSS_MASTER_KEYS: ${problem}`));
  let opening: Promise<KeyWrapper> | undefined;
  return secretBoxOf(() => {
    opening ??= openWebhookKeyWrapper(deps, parsed?.value).catch((error: unknown) => {
      opening = undefined;
      throw error;
    });
    return opening;
  });
};

const BATCH = 200;

/**
 * Run at start, before the part serves or sends: seals every secret still in clear (rows from before
 * migration 1765300430000) and re-wraps secrets sealed under an older master key under the current
 * one, so that key can leave TSS_MASTER_KEYS. Each row in its own short transaction, batch by batch.
 */
export const sealStoredSecrets = async (dataSource: DataSource, box: SecretBox): Promise<{ sealed: number; rewrapped: number }> => {
  const wrapper = await box.wrapper();
  const counts = { sealed: 0, rewrapped: 0 };
  for (;;) {
    const done = await dataSource.transaction(async (tx) => {
      const due = await webhookEndpointStore.secretsDue(tx, wrapper.currentMasterKeyId, BATCH);
      for (const row of due) {
        const reseal = async (s: StoredSecret | null): Promise<StoredSecret | null> => {
          if (!s) return null;
          if ('plain' in s) {
            counts.sealed += 1;
            return box.seal(s.plain);
          }
          if (s.masterKeyId === wrapper.currentMasterKeyId) return s;
          counts.rewrapped += 1;
          return rewrapUnderCurrent(wrapper, s);
        };
        await webhookEndpointStore.replaceSecrets(tx, row.id, (await reseal(row.secret))!, await reseal(row.previousSecret));
      }
      return due.length;
    });
    if (done < BATCH) return counts;
  }
};
