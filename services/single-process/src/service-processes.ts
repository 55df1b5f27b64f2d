import path from 'node:path';
import type { ServiceName } from '@tss/contracts';
import { gatewayProcessChecks, upstreamUrlSetting } from '@tss/gateway';
import { LAUNCHER_NOTICES_ENV, type ServiceModule, type ServiceProcessChecks } from '@tss/runtime';
import { ALL_SERVICES } from './single-process-platform';

/** A service `npm run start:services` runs as a process of its own. */
export interface ServiceProcess {
  name: ServiceName;
  entry: string;
  /** The gateway's setting that gives it this service's address. */
  upstreamEnv?: string;
  module: ServiceModule;
  /** What its entry point checks beyond every service process's settings (the gateway's: main.ts). */
  checks?: ServiceProcessChecks;
}

/** Every service process, gateway first (the others verify tokens against its JWKS): derived from ALL_SERVICES. */
export const SERVICE_PROCESSES: readonly ServiceProcess[] = ALL_SERVICES.map((module) => ({
  name: module.name,
  entry: `services/${module.name}/src/main.ts`,
  upstreamEnv: module.name === 'gateway' ? undefined : upstreamUrlSetting(module.name),
  module,
  checks: module.name === 'gateway' ? gatewayProcessChecks : undefined,
}));

/** What the launcher places and makes for its services, from which each one's environment follows. */
export interface ServicesPlan {
  /** The launcher's environment, passed on as it is: a service's own settings reach it from there. */
  env: NodeJS.ProcessEnv;
  dataDir: string;
  /** The gateway listens here; service i on basePort + i. */
  basePort: number;
  /** Service i exposes metrics on metricsBasePort + i (0: each picks a free port). */
  metricsBasePort: number;
  databaseUrl: string;
  kafkaBrokers: string;
  /** KAFKA_NAME_PREFIX of every service: topics and groups of their own on a shared broker. */
  kafkaNamePrefix?: string;
  logLevel: string;
  /** The data folder's first admin client, given to the gateway. */
  admin: { clientId: string; clientSecret: string };
  /** The data folder's support-site link key, unless TSS_SITE_LINK_KEYS is set. */
  siteLinkKeys: string;
}

/** Each service's address, by name. */
export const serviceUrls = (basePort: number): Record<string, string> =>
  Object.fromEntries(SERVICE_PROCESSES.map((service, i) => [service.name, `http://127.0.0.1:${basePort + i}`]));

/**
 * The environment service `index` runs with: the launcher's own, and what the launcher places over
 * it. The launcher checks each service's settings in it before it starts anything, and starts the
 * service with it: one environment for both.
 */
export const serviceProcessEnv = (index: number, plan: ServicesPlan): NodeJS.ProcessEnv => {
  const service = SERVICE_PROCESSES[index];
  const urls = serviceUrls(plan.basePort);
  const upstreams = Object.fromEntries(SERVICE_PROCESSES.flatMap((s) => (s.upstreamEnv ? [[s.upstreamEnv, urls[s.name]]] : [])));
  return {
    // The launcher's environment as it is: a service's own settings (KAFKA_SESSION_TIMEOUT_MS, …) reach it from there.
    ...plan.env,
    DATABASE_URL: plan.databaseUrl,
    KAFKA_BROKERS: plan.kafkaBrokers,
    ...(plan.kafkaNamePrefix ? { KAFKA_NAME_PREFIX: plan.kafkaNamePrefix } : {}),
    PORT: String(plan.basePort + index),
    // 0: every process picks a free metrics port of its own.
    METRICS_PORT: String(plan.metricsBasePort === 0 ? 0 : plan.metricsBasePort + index),
    LOG_LEVEL: plan.logLevel,
    // Intake and notification share the attachments, inside the data folder (README).
    ATTACHMENT_DIR: plan.env.ATTACHMENT_DIR ?? path.join(plan.dataDir, 'attachments'),
    // Each tells the launcher over its IPC channel that it listens, or which port was refused.
    [LAUNCHER_NOTICES_ENV]: 'ipc',
    TSS_SITE_LINK_KEYS: plan.env.TSS_SITE_LINK_KEYS ?? plan.siteLinkKeys,
    TSS_PUBLIC_URL: plan.env.TSS_PUBLIC_URL ?? urls.gateway,
    ...(service.name === 'gateway'
      ? { ...upstreams, TSS_BOOTSTRAP_CLIENT_ID: plan.admin.clientId, TSS_BOOTSTRAP_CLIENT_SECRET: plan.admin.clientSecret }
      : { TSS_JWKS_URL: `${urls.gateway}/.well-known/jwks.json` }),
  };
};
