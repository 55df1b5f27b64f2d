import { Type, type Static } from '@sinclair/typebox';
import { envSchema } from '@tss/service-kit';

/** The gateway's own settings (validated when the module is built). */
export const GatewayEnv = envSchema({
  TSS_JWT_ISSUER: Type.String({ default: 'tss' }),
  TSS_JWT_AUDIENCE: Type.String({ default: 'tss-api' }),
  /** Signing keys rotate by themselves when the current one is older than this. */
  TSS_SIGNING_KEY_MAX_AGE_HOURS: Type.Integer({ minimum: 1, default: 24 * 30 }),
});
export type GatewayEnv = Static<typeof GatewayEnv>;
