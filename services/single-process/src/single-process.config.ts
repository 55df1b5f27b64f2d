import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { BootstrapAdminEnv, EdgeEnv } from '@tss/gateway';
import { BaseEnv, envSchema, OidcEnv, TokenEnv } from '@tss/service-kit';

/** The single process's own settings; every hosted module's (`ServiceModule.config`) are merged in at start. */
export const SingleProcessEnv = envSchema({
  ...BaseEnv,
  ...EdgeEnv,
  ...OidcEnv,
  TSS_DATA_DIR: Type.String({ default: '.data', description: 'The data folder: embedded PostgreSQL, and the attachments unless ATTACHMENT_DIR names another folder' }),
  TSS_PG_PORT: Type.Integer({ minimum: 1024, maximum: 65535, default: 54320, description: 'Port of the embedded PostgreSQL' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description: 'Use this PostgreSQL instead of the embedded one' })),
  TSS_DATABASE_NAME: Type.String({ pattern: '^[a-z_][a-z0-9_]*$', default: 'tss' }),
  ...TokenEnv,
  ...BootstrapAdminEnv,
  OUTBOX_POLL_INTERVAL_MS: Type.Integer({ minimum: 10, default: 500 }),
});
export type SingleProcessEnv = Static<typeof SingleProcessEnv>;

/**
 * The environment the platform runs with: the attachments' folder, unless `ATTACHMENT_DIR` names
 * one, is inside the data folder (`<TSS_DATA_DIR>/attachments`), so one folder holds a platform's
 * data and a second platform with its own `TSS_DATA_DIR` shares none of it (README).
 */
export const withDataFolderDefaults = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv =>
  env.ATTACHMENT_DIR ? env : { ...env, ATTACHMENT_DIR: path.join(env.TSS_DATA_DIR || '.data', 'attachments') };
