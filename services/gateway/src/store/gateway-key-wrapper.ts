import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { masterKeyTables } from '@tss/persistence';
import { MasterKeysAtStart, type Clock, type KeyWrapper, type MasterKey, type MasterKeyStore } from '@tss/service-kit';
import { GATEWAY_SCHEMA } from './gateway.entities';
import { SigningKeyStore } from './signing-key.store';

const GENERATED_ID_PREFIX = 'generated-';

/** What the gateway holds under master keys: its signing keys (retired ones too), its generated keys and check values. */
export const gatewayMasterKeyStore = (dataSource: DataSource): MasterKeyStore => {
  const signingKeys = new SigningKeyStore(dataSource);
  return {
    ...masterKeyTables(dataSource, { schema: GATEWAY_SCHEMA, generatedTable: 'generated_master_keys' }),
    countsByMasterKey: () => signingKeys.countsByMasterKey(),
    sealedUnder: (masterKeyId, after, limit) => signingKeys.wrappedUnder(masterKeyId, after, limit),
  };
};

/**
 * The gateway's master keys (docs/adr/0014). With TSS_MASTER_KEYS it wraps under the first
 * configured key, and still opens keys wrapped under a master key it once generated for itself,
 * until the key ring has re-wrapped them (then that generated key is deleted). Without TSS_MASTER_KEYS (single-process mode,
 * development) it generates a master key and stores it in its own table: keys are then not
 * plaintext in `signing_keys`, but whoever reads the database reads both. Checked at start against
 * what is wrapped under each id (seventh session).
 */
export const gatewayMasterKeys = (deps: { dataSource: DataSource; clock: Clock; logger: Logger }, configured: readonly MasterKey[] | undefined): MasterKeysAtStart =>
  new MasterKeysAtStart({
    service: 'gateway',
    holds: { one: 'signing key', many: 'signing keys' },
    configured,
    generatedIdPrefix: GENERATED_ID_PREFIX,
    notSetWarning: 'TSS_MASTER_KEYS is not set: signing keys are wrapped by a master key stored in the same database (development only, see docs/adr/0014)',
    store: gatewayMasterKeyStore(deps.dataSource),
    clock: deps.clock,
    logger: deps.logger,
  });

/** The gateway's KeyWrapper, its master keys checked and opened (for tools that wrap as the gateway does). */
export const openGatewayKeyWrapper = async (deps: { dataSource: DataSource; clock: Clock; logger: Logger }, configured: readonly MasterKey[] | undefined): Promise<KeyWrapper> =>
  (await gatewayMasterKeys(deps, configured).open()).wrapper;

