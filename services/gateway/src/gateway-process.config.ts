import { Type } from '@sinclair/typebox';
import { problemsOfValid, type ServiceProcessChecks } from '@tss/runtime';
import { envSchema, mergeEnvSchemas } from '@tss/service-kit';
import { BootstrapAdminEnv, UpstreamUrlsEnv } from './gateway.config';
import { EdgeEnv } from './http/edge-protection';
import { routeTimeoutProblems, RouteTimeoutsSetting, UPSTREAM_TIMEOUT_MAX_MS, UPSTREAM_TIMEOUT_MIN_MS } from './http/forwarding';

const RouteTimeoutsEnv = { TSS_UPSTREAM_TIMEOUTS: Type.Optional(RouteTimeoutsSetting) };

/**
 * The gateway process's settings in services mode, beyond the module's own (validated with them,
 * before connecting): the edge, the first admin, and one URL per routed service (UpstreamUrlsEnv).
 */
export const GatewayProcessEnv = mergeEnvSchemas(
  envSchema({
    ...EdgeEnv,
    ...BootstrapAdminEnv,
    TSS_UPSTREAM_TIMEOUT_MS: Type.Integer({ minimum: UPSTREAM_TIMEOUT_MIN_MS, maximum: UPSTREAM_TIMEOUT_MAX_MS, default: 10_000 }),
    ...RouteTimeoutsEnv,
  }),
  envSchema({}),
  UpstreamUrlsEnv,
);

/** What the gateway process's schema cannot say: each per-prefix timeout in range (checked with the schema, before connecting). */
export const gatewayProcessProblems = problemsOfValid(envSchema(RouteTimeoutsEnv), (settings) => routeTimeoutProblems(settings.TSS_UPSTREAM_TIMEOUTS));

/**
 * What the gateway process checks at start beyond every service process's settings (main.ts): its
 * own settings and rules; it verifies tokens with its own key ring, so it needs no TSS_JWKS_URL.
 * `npm run start:services` checks the gateway's environment with these before it starts anything.
 */
export const gatewayProcessChecks = {
  config: GatewayProcessEnv,
  configProblems: gatewayProcessProblems,
  ownKeys: true,
} satisfies ServiceProcessChecks<typeof GatewayProcessEnv>;
