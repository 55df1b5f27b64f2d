import { Type } from '@sinclair/typebox';
import { runMain, runServiceProcess } from '@tss/runtime';
import { envSchema, mergeEnvSchemas, systemClock } from '@tss/service-kit';
import { BootstrapAdminEnv, bootstrapAdmin, forwardToServices, gatewayService, gateSsoStaff, gatewayTokenAuthority, UpstreamUrlsEnv, upstreamUrls } from './index';
import { EdgeEnv } from './http/edge-protection';
import { installServicesModeEdge } from './http/services-mode-edge';
import { parseTrustProxy } from './http/client-address';
import { parseRouteTimeouts, RouteTimeoutsSetting } from './http/forwarding';
import { serveMergedApiDocs } from './http/merged-api-docs';

/**
 * The gateway process's settings in services mode, beyond the module's own (validated with them,
 * before connecting): the edge, the first admin, and one URL per routed service (UpstreamUrlsEnv).
 */
const GatewayProcessEnv = mergeEnvSchemas(
  envSchema({
    ...EdgeEnv,
    ...BootstrapAdminEnv,
    TSS_UPSTREAM_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000 }),
    TSS_UPSTREAM_TIMEOUTS: Type.Optional(RouteTimeoutsSetting),
  }),
  envSchema({}),
  UpstreamUrlsEnv,
);

// Services mode: the gateway verifies tokens with its own key ring and forwards by prefix.
runMain('gateway', () =>
  runServiceProcess(gatewayService, {
    config: GatewayProcessEnv,
    keySource: (host) => gatewayTokenAuthority(host.dataSource, systemClock),
    // Staff signed in through single sign-on are recorded and announced here, where every request enters (docs/auth.md).
    wrapTokens: (verifier) => gateSsoStaff(verifier, systemClock),
    // Behind an ingress, request.ip (logs, rate limits) is the client the trusted proxies report.
    fastifyOptions: (settings) => ({ trustProxy: parseTrustProxy(settings.TSS_TRUST_PROXY) }),
    // The gateway is the edge: only it rate-limits, sets security headers, answers CORS and bounds the site form's upload.
    beforeRoutes: (app, _host, upstreams) => installServicesModeEdge(app, upstreams),
    extendApp: async (app, host, upstreams) => {
      const services = upstreamUrls(upstreams);
      // Services mode never prints secrets: the first admin comes from the environment.
      if (upstreams.TSS_BOOTSTRAP_CLIENT_ID) {
        await bootstrapAdmin(
          { dataSource: host.dataSource, unitOfWork: host.unitOfWork, outbox: host.outbox, clock: systemClock, logger: host.logger },
          { clientId: upstreams.TSS_BOOTSTRAP_CLIENT_ID, clientSecret: upstreams.TSS_BOOTSTRAP_CLIENT_SECRET },
        );
      }
      await app.register(
        forwardToServices(services, {
          timeoutMs: upstreams.TSS_UPSTREAM_TIMEOUT_MS,
          routeTimeouts: parseRouteTimeouts(upstreams.TSS_UPSTREAM_TIMEOUTS),
          bodyLimitBytes: upstreams.TSS_BODY_LIMIT_BYTES,
          // An upload streams through: its deadline (EdgeEnv) covers the client sending up to 27 MiB.
          uploads: { bodyLimitBytes: upstreams.TSS_UPLOAD_BODY_LIMIT_BYTES, timeoutMs: upstreams.TSS_UPLOAD_TIMEOUT_MS },
        }),
      );
      // One OpenAPI document for the whole API at /openapi.json, /openapi.yaml and /docs (docs/adr/0010).
      serveMergedApiDocs(app, services, { clock: systemClock });
    },
  }),
);
