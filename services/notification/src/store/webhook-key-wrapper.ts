import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { LocalKeyWrapper, type Clock, type KeyWrapper, type MasterKey } from '@tss/service-kit';

const GENERATED = 'notification.webhook_generated_master_keys';

/**
 * The KeyWrapper of webhook secrets (docs/adr/0042), as intake's vault opens its own (docs/adr/0026):
 * with TSS_MASTER_KEYS it wraps under the first configured key and still opens secrets sealed under
 * a key it once generated; without (single process, development) it generates one master key into
 * notification's schema, so secrets are not stored bare, but whoever reads the whole database reads
 * that key too. A warning says so.
 */
export const openWebhookKeyWrapper = async (deps: { dataSource: DataSource; clock: Clock; logger: Logger }, configured: readonly MasterKey[] | undefined): Promise<KeyWrapper> => {
  const readGenerated = async (): Promise<MasterKey[]> =>
    ((await deps.dataSource.query(`SELECT id, key FROM ${GENERATED} ORDER BY created_at, id`)) as { id: string; key: Buffer }[]).map((r) => ({ id: r.id, key: r.key }));
  let generated = await readGenerated();
  if (configured && configured.length > 0) return new LocalKeyWrapper([...configured, ...generated.filter((g) => !configured.some((c) => c.id === g.id))]);
  if (generated.length === 0) {
    // Replicas starting together may both insert; every one then uses the oldest row.
    await deps.dataSource.query(`INSERT INTO ${GENERATED} (id, key, created_at) VALUES ($1, $2, $3)`, [`generated-webhooks-${randomBytes(6).toString('hex')}`, randomBytes(32), deps.clock.now()]);
    generated = await readGenerated();
  }
  deps.logger.warn(
    { masterKeyId: generated[0].id },
    'TSS_MASTER_KEYS is not set: webhook signing secrets are sealed under a master key stored in the same database (development only, see docs/adr/0042)',
  );
  return new LocalKeyWrapper(generated);
};
