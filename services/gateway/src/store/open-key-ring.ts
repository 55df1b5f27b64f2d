import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { ConfigError, loadConfig, parseMasterKeys, type Clock, type MasterKey, type MasterKeysAtStart } from '@tss/service-kit';
import { GatewayEnv } from '../gateway.config';
import { gatewayMasterKeys } from './gateway-key-wrapper';
import { KeyRing } from './key-ring';
import { SigningKeyStore } from './signing-key.store';

/** TSS_MASTER_KEYS parsed, or a ConfigError naming each bad entry (checked when the module is built). */
export const configuredMasterKeys = (config: GatewayEnv): MasterKey[] | undefined => {
  if (config.TSS_MASTER_KEYS === undefined) return undefined;
  const parsed = parseMasterKeys(config.TSS_MASTER_KEYS);
  if (!parsed.ok) throw new ConfigError(parsed.error.map((problem) => `TSS_MASTER_KEYS: ${problem}`));
  return parsed.value;
};

/**
 * The gateway's key ring over its data source, ready to sign: master keys checked and opened
 * (`masterKeys`, the module's own, already checked at start; by default from `env`), stored keys
 * wrapped under the current one, a first key made if there is none. The module uses it at start;
 * so may tools and tests that must sign exactly as the gateway does. A master key that does not
 * open what is wrapped under its id is a SettingRefused (docs/adr/0014, seventh session).
 */
export const openKeyRing = async (
  deps: { dataSource: DataSource; clock: Clock; logger: Logger },
  env: NodeJS.ProcessEnv = {},
  masterKeys: MasterKeysAtStart = gatewayMasterKeys(deps, configuredMasterKeys(loadConfig(GatewayEnv, env))),
): Promise<KeyRing> => {
  const config = loadConfig(GatewayEnv, env);
  const store = new SigningKeyStore(deps.dataSource);
  const { wrapper, masterKeyIds } = await masterKeys.open();
  const keys = new KeyRing(store, deps.clock, { wrapper, masterKeyIds, prePublishMs: config.TSS_SIGNING_KEY_PREPUBLISH_SECONDS * 1000 });
  await masterKeys.finish(await keys.ensureKey());
  return keys;
};
