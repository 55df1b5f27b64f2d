import { Type, type Static } from '@sinclair/typebox';
import { BootstrapAdminEnv, EdgeEnv } from '@tss/gateway';
import { BaseEnv, envSchema, OidcEnv, TokenEnv } from '@tss/service-kit';

/** The single process's own settings; every hosted module's (`ServiceModule.config`) are merged in at start. */
export const SingleProcessEnv = envSchema({
  ...BaseEnv,
  ...EdgeEnv,
  ...OidcEnv,
  TSS_DATA_DIR: Type.String({ default: '.data', description: 'Where embedded PostgreSQL keeps its data' }),
  TSS_PG_PORT: Type.Integer({ minimum: 1024, maximum: 65535, default: 54320, description: 'Port of the embedded PostgreSQL' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description: 'Use this PostgreSQL instead of the embedded one' })),
  TSS_DATABASE_NAME: Type.String({ pattern: '^[a-z_][a-z0-9_]*$', default: 'tss' }),
  ...TokenEnv,
  ...BootstrapAdminEnv,
  OUTBOX_POLL_INTERVAL_MS: Type.Integer({ minimum: 10, default: 500 }),
});
export type SingleProcessEnv = Static<typeof SingleProcessEnv>;
