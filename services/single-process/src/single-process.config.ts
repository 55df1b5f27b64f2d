import path from 'node:path';
import { holdsDatabase, keptSiteLinkKeys, type SiteLinkKeyMadeLate, siteLinkKeysOf } from './data-folder';
import { TssPgPortWaitMs } from './embedded-postgres-port';
import { SINGLE_PROCESS_PG_PORT } from './local-port-range';
import { Type, type Static } from '@sinclair/typebox';
import { BootstrapAdminEnv, EdgeEnv } from '@tss/gateway';
import { baseListeners, PLATFORM_RELAY_POLL_MS, portClashes, problemsOfValid } from '@tss/runtime';
import { AttachmentSizeEnv, BaseEnv, envSchema, OidcEnv, TokenEnv } from '@tss/service-kit';

/** The single process's own settings; every hosted module's (`ServiceModule.config`) are merged in at start. */
export const SingleProcessEnv = envSchema({
  ...BaseEnv,
  ...EdgeEnv,
  ...OidcEnv,
  TSS_DATA_DIR: Type.String({ default: '.data', description: 'The data folder: embedded PostgreSQL, the attachments unless ATTACHMENT_DIR names another folder, and the support-site link key unless TSS_SITE_LINK_KEYS is set' }),
  TSS_PG_PORT: Type.Integer({ minimum: 1024, maximum: 65535, default: SINGLE_PROCESS_PG_PORT, description: "The embedded PostgreSQL's TCP port (unless DATABASE_URL); below the ephemeral port range by default" }),
  TSS_PG_PORT_WAIT_MS: TssPgPortWaitMs,
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description: 'Use this PostgreSQL instead of the embedded one' })),
  TSS_DATABASE_NAME: Type.String({ pattern: '^[a-z_][a-z0-9_]*$', default: 'tss' }),
  ...TokenEnv,
  ...BootstrapAdminEnv,
  OUTBOX_POLL_INTERVAL_MS: Type.Integer({ minimum: 10, maximum: 600_000, default: PLATFORM_RELAY_POLL_MS, description: "The relays' fallback poll: bounds the delay after a lost wake-up; at most 10 minutes" }),
});
export type SingleProcessEnv = Static<typeof SingleProcessEnv>;

const ListenerPortsEnv = envSchema({
  PORT: SingleProcessEnv.properties.PORT,
  METRICS_PORT: SingleProcessEnv.properties.METRICS_PORT,
  TSS_PG_PORT: SingleProcessEnv.properties.TSS_PG_PORT,
  DATABASE_URL: SingleProcessEnv.properties.DATABASE_URL,
});

const UploadLimitsEnv = envSchema({ TSS_UPLOAD_BODY_LIMIT_BYTES: EdgeEnv.TSS_UPLOAD_BODY_LIMIT_BYTES, ...AttachmentSizeEnv });

/**
 * One app takes the uploads here: the edge's TSS_UPLOAD_BODY_LIMIT_BYTES refuses (413) a body
 * ticket-intake's limits would take, before intake sees it (services mode: the Helm chart's
 * render check, helm/tss/templates/_intake.tpl).
 */
const uploadLimitProblems = (config: Static<typeof UploadLimitsEnv>): string[] =>
  (['ATTACHMENT_MAX_FILE_BYTES', 'ATTACHMENT_MAX_MESSAGE_BYTES'] as const)
    .filter((name) => config[name] > config.TSS_UPLOAD_BODY_LIMIT_BYTES)
    .map((name) => `${name}=${config[name]} is more than TSS_UPLOAD_BODY_LIMIT_BYTES=${config.TSS_UPLOAD_BODY_LIMIT_BYTES}: the edge would refuse (413) uploads ticket-intake takes`);

/**
 * The rules across the single process's settings that a schema cannot say, each over the settings
 * it reads alone (problemsOfValid): its listeners on distinct ports, the embedded PostgreSQL's
 * included when it runs one; the edge's upload limit above ticket-intake's.
 */
export const singleProcessConfigProblems = (env: NodeJS.ProcessEnv): string[] => [
  ...problemsOfValid(ListenerPortsEnv, (config) =>
    // In the order they open: the embedded PostgreSQL first, so a clash names the later listener.
    portClashes([
      ...(config.DATABASE_URL ? [] : [{ setting: 'TSS_PG_PORT', as: `TSS_PG_PORT=${config.TSS_PG_PORT}`, port: config.TSS_PG_PORT }]),
      ...baseListeners(config),
    ]),
  )(env),
  ...problemsOfValid(UploadLimitsEnv, uploadLimitProblems)(env),
];

const dataFolderOf = (env: NodeJS.ProcessEnv): string => env.TSS_DATA_DIR || '.data';

/**
 * The environment the platform's settings are checked in: the attachments' folder, unless
 * `ATTACHMENT_DIR` names one, is inside the data folder (`<TSS_DATA_DIR>/attachments`), and so is
 * the support-site link key unless `TSS_SITE_LINK_KEYS` is set (`<TSS_DATA_DIR>/site-link-keys`, the
 * one the folder keeps, if any), so one folder holds a platform's data and a second platform with its
 * own `TSS_DATA_DIR` shares none of it (README). Writes nothing: a start refused for its settings
 * leaves no folder behind (a key is made by `withSiteLinkKeys`, once they are accepted).
 */
export const withDataFolderDefaults = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => {
  const dataDir = dataFolderOf(env);
  const kept = env.TSS_SITE_LINK_KEYS ? undefined : keptSiteLinkKeys(dataDir);
  return {
    ...env,
    ...(env.ATTACHMENT_DIR ? {} : { ATTACHMENT_DIR: path.join(dataDir, 'attachments') }),
    ...(kept === undefined ? {} : { TSS_SITE_LINK_KEYS: kept }),
  };
};

/**
 * The environment the platform runs with, once its settings are accepted: the data folder's link
 * key, made and written on its first start, unless `TSS_SITE_LINK_KEYS` is set; the links mailed to
 * requesters open after a restart on the same folder (data-folder.ts). Called before PostgreSQL
 * starts: a key made for a folder that already holds a database is handed to `onMadeLate`, the
 * links mailed before it no longer opening.
 */
export const withSiteLinkKeys = (env: NodeJS.ProcessEnv, onMadeLate: (made: SiteLinkKeyMadeLate) => void): NodeJS.ProcessEnv => {
  if (env.TSS_SITE_LINK_KEYS) return env;
  const dataDir = dataFolderOf(env);
  const { keys, madeLate } = siteLinkKeysOf(dataDir, holdsDatabase(dataDir));
  if (madeLate) onMadeLate(madeLate);
  return { ...env, TSS_SITE_LINK_KEYS: keys };
};

/** The address this process serves on (HOST, PORT), as a browser on this machine opens it. */
export const localBaseUrl = (config: { HOST: string; PORT: number }): string => {
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.PORT}`;
};

/**
 * The environment the hosted services read, `TSS_PUBLIC_URL` defaulted to the address this process
 * serves on: the gateway's routes are in this process, so every support-site and rating link in
 * mails and answers opens here, not at the library's default port (3000) while `npm start` serves
 * on PORT (8080). PORT 0 picks its port only when the process listens, after the services have read
 * their settings: then the library default stays, and TSS_PUBLIC_URL should be set.
 */
export const withPublicUrlDefault = (env: NodeJS.ProcessEnv, config: { HOST: string; PORT: number }): NodeJS.ProcessEnv =>
  env.TSS_PUBLIC_URL !== undefined || config.PORT === 0 ? env : { ...env, TSS_PUBLIC_URL: localBaseUrl(config) };
