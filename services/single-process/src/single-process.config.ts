import { Type, type Static } from '@sinclair/typebox';
import { EdgeEnv } from '@tss/gateway';
import { BaseEnv, envSchema, OidcEnv } from '@tss/service-kit';

export const SingleProcessEnv = envSchema({
  ...BaseEnv,
  ...EdgeEnv,
  ...OidcEnv,
  TSS_DATA_DIR: Type.String({ default: '.data', description: 'Where embedded PostgreSQL keeps its data' }),
  TSS_PG_PORT: Type.Integer({ minimum: 1024, maximum: 65535, default: 54320, description: 'Port of the embedded PostgreSQL' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description: 'Use this PostgreSQL instead of the embedded one' })),
  TSS_DATABASE_NAME: Type.String({ pattern: '^[a-z_][a-z0-9_]*$', default: 'tss' }),
  TSS_JWT_ISSUER: Type.String({ default: 'tss' }),
  TSS_JWT_AUDIENCE: Type.String({ default: 'tss-api' }),
  TSS_BOOTSTRAP_CLIENT_ID: Type.Optional(Type.String({ minLength: 3, maxLength: 200 })),
  TSS_BOOTSTRAP_CLIENT_SECRET: Type.Optional(Type.String({ minLength: 16, maxLength: 500 })),
  OUTBOX_POLL_INTERVAL_MS: Type.Integer({ minimum: 10, default: 500 }),
});
export type SingleProcessEnv = Static<typeof SingleProcessEnv>;
