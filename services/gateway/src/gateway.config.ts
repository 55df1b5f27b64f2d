import { Type, type Static } from '@sinclair/typebox';
import { envSchema, MasterKeysSetting } from '@tss/service-kit';

/** The gateway's own settings (validated when the module is built). */
export const GatewayEnv = envSchema({
  TSS_JWT_ISSUER: Type.String({ default: 'tss' }),
  TSS_JWT_AUDIENCE: Type.String({ default: 'tss-api' }),
  /** Signing keys rotate by themselves when the current one is older than this. */
  TSS_SIGNING_KEY_MAX_AGE_HOURS: Type.Integer({ minimum: 1, default: 24 * 30 }),
  /** A new signing key is in the JWKS this long before it signs: more than verifiers cache the JWKS (docs/adr/0014). */
  TSS_SIGNING_KEY_PREPUBLISH_SECONDS: Type.Integer({ minimum: 0, default: 600 }),
  /** Master keys that wrap the signing keys at rest; without them the gateway generates one (development only). */
  TSS_MASTER_KEYS: Type.Optional(MasterKeysSetting),
});
export type GatewayEnv = Static<typeof GatewayEnv>;
