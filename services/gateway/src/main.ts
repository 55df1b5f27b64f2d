import { Type } from '@sinclair/typebox';
import { loadConfigOrExit, runMain, runServiceProcess } from '@tss/runtime';
import { envSchema, systemClock } from '@tss/service-kit';
import { bootstrapAdmin, forwardToServices, gatewayService, gatewayTokenAuthority, type ServiceUrls } from './index';
import { EdgeEnv, installEdgeProtection } from './http/edge-protection';
import { parseRouteTimeouts, RouteTimeoutsSetting } from './http/forwarding';
import { serveMergedApiDocs } from './http/merged-api-docs';

const Upstreams = envSchema({
  ...EdgeEnv,
  TSS_INTAKE_URL: Type.String({ pattern: '^https?://' }),
  TSS_SLA_TIMER_URL: Type.String({ pattern: '^https?://' }),
  TSS_NOTIFICATION_URL: Type.String({ pattern: '^https?://' }),
  TSS_ESCALATION_URL: Type.String({ pattern: '^https?://' }),
  TSS_RATING_URL: Type.String({ pattern: '^https?://' }),
  TSS_UPSTREAM_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000 }),
  TSS_UPSTREAM_TIMEOUTS: Type.Optional(RouteTimeoutsSetting),
  TSS_BOOTSTRAP_CLIENT_ID: Type.Optional(Type.String({ minLength: 3, maxLength: 200 })),
  TSS_BOOTSTRAP_CLIENT_SECRET: Type.Optional(Type.String({ minLength: 16, maxLength: 500 })),
});

// Services mode: the gateway verifies tokens with its own key ring and forwards by prefix.
const main = async (): Promise<void> => {
  if (process.argv[2] === 'migrate') return runServiceProcess(gatewayService);
  const upstreams = loadConfigOrExit(Upstreams, 'gateway');
  const services: ServiceUrls = {
    'ticket-intake': upstreams.TSS_INTAKE_URL,
    'sla-timer': upstreams.TSS_SLA_TIMER_URL,
    notification: upstreams.TSS_NOTIFICATION_URL,
    escalation: upstreams.TSS_ESCALATION_URL,
    rating: upstreams.TSS_RATING_URL,
  };
  return runServiceProcess(gatewayService, {
    keySource: (host) => gatewayTokenAuthority(host.dataSource, systemClock),
    // The gateway is the edge: only it rate-limits, sets security headers and answers CORS.
    beforeRoutes: (app) => installEdgeProtection(app, upstreams),
    extendApp: async (app, host) => {
      // Services mode never prints secrets: the first admin comes from the environment.
      if (upstreams.TSS_BOOTSTRAP_CLIENT_ID) {
        await bootstrapAdmin({ dataSource: host.dataSource, unitOfWork: host.unitOfWork, outbox: host.outbox, clock: systemClock }, { clientId: upstreams.TSS_BOOTSTRAP_CLIENT_ID, clientSecret: upstreams.TSS_BOOTSTRAP_CLIENT_SECRET });
      }
      await app.register(
        forwardToServices(services, { timeoutMs: upstreams.TSS_UPSTREAM_TIMEOUT_MS, routeTimeouts: parseRouteTimeouts(upstreams.TSS_UPSTREAM_TIMEOUTS) }),
      );
      // One OpenAPI document for the whole API at /openapi.json, /openapi.yaml and /docs (docs/adr/0010).
      serveMergedApiDocs(app, services, { clock: systemClock });
    },
  });
};

runMain('gateway', main);
