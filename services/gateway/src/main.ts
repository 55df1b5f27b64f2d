import { runMain, runServiceProcess } from '@tss/runtime';
import { namedPlugin, systemClock } from '@tss/service-kit';
import { bootstrapAdmin, forwardToServices, gatewayProcessChecks, gatewayService, gateSsoStaff, gatewayTokenAuthority, upstreamUrls } from './index';
import { installServicesModeEdge } from './http/services-mode-edge';
import { parseTrustProxy } from './http/client-address';
import { parseRouteTimeouts } from './http/forwarding';
import { serveMergedApiDocs } from './http/merged-api-docs';

// Services mode: the gateway verifies tokens with its own key ring and forwards by prefix.
runMain('gateway', () =>
  runServiceProcess(gatewayService, {
    // Its settings and rules, as start:services checks them before it starts anything.
    config: gatewayProcessChecks.config,
    configProblems: gatewayProcessChecks.configProblems,
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
        namedPlugin('forwardToServices', forwardToServices(services, {
          timeoutMs: upstreams.TSS_UPSTREAM_TIMEOUT_MS,
          routeTimeouts: parseRouteTimeouts(upstreams.TSS_UPSTREAM_TIMEOUTS),
          bodyLimitBytes: upstreams.TSS_BODY_LIMIT_BYTES,
          // An upload streams through: its deadline (EdgeEnv) covers the client sending up to 27 MiB.
          uploads: { bodyLimitBytes: upstreams.TSS_UPLOAD_BODY_LIMIT_BYTES, timeoutMs: upstreams.TSS_UPLOAD_TIMEOUT_MS },
        })),
      );
      // One OpenAPI document for the whole API at /openapi.json, /openapi.yaml and /docs (docs/adr/0010).
      serveMergedApiDocs(app, services, { clock: systemClock });
    },
  }),
);
