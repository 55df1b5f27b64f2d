import type { Logger } from 'pino';
import { escalationService } from '@tss/escalation';
import {
  bootstrapAdmin,
  defaultEdgeConfig,
  gatewayService,
  gatewayTokenAuthority,
  gateSsoStaff,
  installEdgeProtection,
  installTicketVisibility,
  sameAppIntake,
  type EdgeConfig,
  parseTrustProxy,
} from '@tss/gateway';
import { InProcessTransport, type EventTransport } from '@tss/messaging';
import { notificationService } from '@tss/notification';
import { ratingService } from '@tss/rating';
import { DeferredKeySource, Platform, type ServiceModule } from '@tss/runtime';
import { requestDeadlinesOf, TokenVerifier, withStaffSingleSignOn, type Clock } from '@tss/service-kit';
import { slaTimerService } from '@tss/sla-timer';
import { ticketIntakeService } from '@tss/ticket-intake';

/** How long a service's "no such ticket" waits for intake to say whether the ticket exists (docs/adr/0068). */
const TICKET_CHECK_TIMEOUT_MS = 5_000;

/** Every service, gateway first: it owns the keys the others' routes are verified with. */
export const ALL_SERVICES: readonly ServiceModule[] = [
  gatewayService,
  ticketIntakeService,
  slaTimerService,
  notificationService,
  escalationService,
  ratingService,
];

export interface SingleProcessOptions {
  databaseUrl: string;
  clock: Clock;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  issuer: string;
  audience: string;
  transport?: EventTransport;
  relayPollIntervalMs?: number;
  bootstrap?: { clientId?: string; clientSecret?: string };
  /** Staff single sign-on (TSS_OIDC_*); off when absent. */
  oidc?: Parameters<typeof withStaffSingleSignOn>[1];
  /** Rate limits, security headers, CORS, body limit, request and upload deadlines of the one app (default: EdgeEnv's defaults). */
  edge?: EdgeConfig;
}

export interface RunningPlatform {
  platform: Platform;
  transport: EventTransport;
  /** Set on the first start without TSS_BOOTSTRAP_CLIENT_*: shown once. */
  generatedAdmin?: { clientId: string; clientSecret: string };
}

/** The whole platform in one process: all services, one HTTP app, the in-process transport by default. */
export const startSingleProcessPlatform = async (options: SingleProcessOptions): Promise<RunningPlatform> => {
  const transport = options.transport ?? new InProcessTransport();
  const keys = new DeferredKeySource();
  const tokens = new TokenVerifier({
    issuer: options.issuer,
    audience: options.audience,
    keys,
    nowSeconds: () => Math.floor(options.clock.now().getTime() / 1000),
  });
  const edge = options.edge ?? defaultEdgeConfig();
  // Staff signed in through single sign-on are recorded by the gateway and announced (docs/auth.md).
  const ssoStaff = options.oidc ? gateSsoStaff(withStaffSingleSignOn(tokens, options.oidc, () => options.clock.now().getTime()), options.clock) : undefined;
  const platform = await Platform.start({
    modules: ALL_SERVICES,
    databaseUrl: options.databaseUrl,
    transport,
    clock: options.clock,
    logger: options.logger,
    tokens: ssoStaff ?? tokens,
    onHostsOpen: (hosts) => ssoStaff?.bindHost(hosts.get('gateway')!),
    env: { ...options.env, TSS_JWT_ISSUER: options.issuer, TSS_JWT_AUDIENCE: options.audience },
    migrate: true,
    relayPollIntervalMs: options.relayPollIntervalMs,
    beforeRoutes: async (app) => {
      await installEdgeProtection(app, edge);
      // No gateway forwards here either: a service's 404 for a ticket it has not learned of yet is
      // checked with intake in this app (docs/adr/0068).
      installTicketVisibility(app, sameAppIntake(app, TICKET_CHECK_TIMEOUT_MS));
    },
    fastify: { trustProxy: parseTrustProxy(edge.TSS_TRUST_PROXY) },
    // The arrival of every request, uploads' included, bounded by the one app (docs/adr/0063).
    requestDeadlines: requestDeadlinesOf(edge),
  });
  const gateway = platform.host('gateway');
  keys.bind(gatewayTokenAuthority(gateway.dataSource, options.clock));
  const admin = await bootstrapAdmin(
    { dataSource: gateway.dataSource, unitOfWork: gateway.unitOfWork, outbox: gateway.outbox, clock: options.clock, logger: gateway.logger },
    options.bootstrap ?? {},
  );
  const generatedAdmin = admin && !options.bootstrap?.clientId ? { clientId: admin.client.clientId, clientSecret: admin.clientSecret } : undefined;
  return { platform, transport, generatedAdmin };
};
