import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { masterKeyTables } from '@tss/persistence';
import { MasterKeysAtStart, type Clock, type MasterKey, type MasterKeyStore } from '@tss/service-kit';
import { webhookEndpointStore } from './webhook-endpoint.store';

/** What notification holds under master keys: the endpoints' signing secrets, its generated keys and check values. */
export const webhookMasterKeyStore = (dataSource: DataSource): MasterKeyStore => ({
  ...masterKeyTables(dataSource, { schema: 'notification', generatedTable: 'webhook_generated_master_keys' }),
  countsByMasterKey: () => webhookEndpointStore.countsByMasterKey(dataSource.manager),
  sealedUnder: (masterKeyId, after, limit) => webhookEndpointStore.secretsUnder(dataSource.manager, masterKeyId, after, limit),
});

/**
 * The master keys of webhook secrets (docs/adr/0042), as intake's vault opens its own (docs/adr/0026):
 * with TSS_MASTER_KEYS it wraps under the first configured key and still opens secrets sealed under
 * a key it once generated; without (single process, development) it generates one master key into
 * notification's schema, so secrets are not stored bare, but whoever reads the whole database reads
 * that key too. A warning says so. Each configured key is checked at start against what is sealed
 * under its id (docs/adr/0014, seventh session).
 */
export const webhookMasterKeys = (deps: { dataSource: DataSource; clock: Clock; logger: Logger }, configured: readonly MasterKey[] | undefined): MasterKeysAtStart =>
  new MasterKeysAtStart({
    service: 'notification',
    holds: { one: 'webhook signing secret', many: 'webhook signing secrets' },
    configured,
    generatedIdPrefix: 'generated-webhooks-',
    notSetWarning: 'TSS_MASTER_KEYS is not set: webhook signing secrets are sealed under a master key stored in the same database (development only, see docs/adr/0042)',
    store: webhookMasterKeyStore(deps.dataSource),
    clock: deps.clock,
    logger: deps.logger,
  });
