import { Type } from '@sinclair/typebox';
import { isIP } from 'node:net';
import { webhookHandlers } from '../events/webhook-event.handlers';
import { WebhookDispatcher } from '../events/webhook-dispatcher';
import { onWebhookAttemptsDue } from '../events/webhook-timer.handler';
import { checkedAddress, systemResolve } from '../http/ssrf-guard';
import { sendWebhook, WebhookAgents } from '../http/webhook-sender';
import { webhookRoutes } from '../http/webhook.routes';
import { Webhooks1765200100000 } from '../store/migrations/1765200100000-webhooks';
import { WebhookTraceContext1765200110000 } from '../store/migrations/1765200110000-webhook-trace-context';
import { WebhookRetention1765200120000 } from '../store/migrations/1765200120000-webhook-retention';
import { WebhookContactEmail1765300420000 } from '../store/migrations/1765300420000-webhook-contact-email';
import { WebhookSealedSecrets1765300430000 } from '../store/migrations/1765300430000-webhook-sealed-secrets';
import { WebhookReadyByEndpoint1765300440000 } from '../store/migrations/1765300440000-webhook-ready-by-endpoint';
import { WebhookInFlightByStart1765300450000 } from '../store/migrations/1765300450000-webhook-in-flight-by-start';
import { WebhookTicketOrder1765300465000 } from '../store/migrations/1765300465000-webhook-ticket-order';
import { WebhookRetryHistory1765300470000 } from '../store/migrations/1765300470000-webhook-retry-history';
import { MaskKeptWebhookBodies1765501350000 } from '../store/migrations/1765501350000-mask-kept-webhook-bodies';
import { MaskKeptStaffTextCopies1765606130000 } from '../store/migrations/1765606130000-mask-kept-staff-text-copies';
import { WebhookSealedSecretsFloor1765501403000 } from '../store/migrations/1765501403000-webhook-sealed-secrets-floor';
import { WebhookClaimInstance1765602710000 } from '../store/migrations/1765602710000-webhook-claim-instance';
import { WebhookEventsByType1765603400000 } from '../store/migrations/1765603400000-webhook-events-by-type';
import { WebhookEventsByTicketSequence1765603500000 } from '../store/migrations/1765603500000-webhook-events-by-ticket-sequence';
import { IdempotencyFingerprintsCleared1765605800000 } from '../store/migrations/1765605800000-idempotency-fingerprints-cleared';
import { MaskKeptDescriptionsAndNames1765606410000 } from '../store/migrations/1765606410000-mask-kept-descriptions-and-names';
import { WebhookDeliveryLogByStatus1765606850000 } from '../store/migrations/1765606850000-webhook-delivery-log-by-status';
import { MasterKeyChecks1765606832000 } from '../store/migrations/1765606832000-master-key-checks';
import { sealStoredSecrets, webhookSecretBox } from '../use-cases/webhook-secrets';
import { onWebhookPruneDue, WEBHOOK_PRUNE_TIMER, WEBHOOK_PRUNE_TIMER_ID } from '../events/webhook-retention.handler';
import { WEBHOOK_ATTEMPT_TIMER } from '../use-cases/webhook-queue';
import { SiteLinkEnv, namedPlugin } from '@tss/service-kit';
import { domainOf } from '../domain/mail-delivery';
import { MAIL_CONFIG } from './mail.part';
import { defineNotificationPart } from './notification-part';
import { webhookMetrics } from '../events/webhook-metrics';

export const WebhookConfig = {
  WEBHOOK_ALLOW_PRIVATE_HOSTS: Type.String({
    default: '',
    description: 'Comma-separated IP addresses webhooks may reach although private or loopback (e.g. `127.0.0.1` for a local receiver); empty in production',
  }),
  WEBHOOK_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 10_000, description: 'One delivery attempt, connect to last byte' }),
  WEBHOOK_CONCURRENCY_PER_ENDPOINT: Type.Integer({ minimum: 1, maximum: 100, default: 4, description: 'Attempts in flight at once to one endpoint (per replica)' }),
  // 128: a replica's deliveries/s grow with it until the machine is busy (docs/performance.md,
  // "Webhook deliveries": 32 gave 1,396/s, 128 gave 2,291/s); each endpoint still gets at most
  // WEBHOOK_CONCURRENCY_PER_ENDPOINT.
  WEBHOOK_MAX_IN_FLIGHT: Type.Integer({ minimum: 1, maximum: 1_000, default: 128, description: 'Attempts in flight at once in one replica' }),
  WEBHOOK_RETENTION_DAYS: Type.Integer({ minimum: 1, maximum: 3_650, default: 30, description: 'Events stay replayable, and finished deliveries in the log, this long' }),
  // The disabled endpoint's owner is mailed: the mail settings, declared as the same objects as the mail part's.
  MAIL_FROM: MAIL_CONFIG.MAIL_FROM,
  TSS_PUBLIC_URL: SiteLinkEnv.TSS_PUBLIC_URL,
};

export const allowedHostsOf = (raw: string): string[] =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

/** Issue #11: signed, retried, logged and replayable webhooks (docs/webhooks.md, docs/adr/0034-webhooks.md). */
export const webhooksPart = defineNotificationPart({
  name: 'webhooks',
  config: WebhookConfig,
  configProblems: (config) =>
    allowedHostsOf(config.WEBHOOK_ALLOW_PRIVATE_HOSTS)
      .filter((host) => isIP(host) === 0)
      .map((host) => `WEBHOOK_ALLOW_PRIVATE_HOSTS: ${host} is not an IP address`),
  migrations: [Webhooks1765200100000, WebhookTraceContext1765200110000, WebhookRetention1765200120000, WebhookContactEmail1765300420000, WebhookSealedSecrets1765300430000, WebhookReadyByEndpoint1765300440000, WebhookInFlightByStart1765300450000, WebhookTicketOrder1765300465000, WebhookRetryHistory1765300470000, MaskKeptWebhookBodies1765501350000, WebhookSealedSecretsFloor1765501403000, WebhookClaimInstance1765602710000, WebhookEventsByType1765603400000, WebhookEventsByTicketSequence1765603500000, IdempotencyFingerprintsCleared1765605800000, MaskKeptStaffTextCopies1765606130000, MaskKeptDescriptionsAndNames1765606410000, MasterKeyChecks1765606832000, WebhookDeliveryLogByStatus1765606850000],
  build: (deps) => {
    webhookMetrics(); // its counters' series exist from the start, before the first attempt
    const ssrf = { resolve: systemResolve, allowed: allowedHostsOf(deps.config.WEBHOOK_ALLOW_PRIVATE_HOSTS) };
    const timeoutMs = deps.config.WEBHOOK_TIMEOUT_MS;
    const agents = new WebhookAgents({ timeoutMs });
    const secrets = webhookSecretBox(deps); // a bad TSS_MASTER_KEYS fails here, before anything is served
    const dispatcher = new WebhookDispatcher({
      dataSource: deps.dataSource,
      unitOfWork: deps.unitOfWork,
      clock: deps.clock,
      logger: deps.logger,
      timers: deps.timers,
      outbox: deps.outbox,
      secrets,
      instance: deps.instance,
      ownerMail: { timers: deps.timers, messageIdDomain: domainOf(deps.config.MAIL_FROM), publicUrl: deps.config.TSS_PUBLIC_URL },
      send: (request) => sendWebhook(request, { ...ssrf, timeoutMs, now: () => deps.clock.now(), agents }),
      perEndpoint: deps.config.WEBHOOK_CONCURRENCY_PER_ENDPOINT,
      maxInFlight: deps.config.WEBHOOK_MAX_IN_FLIGHT,
    });
    const routes = webhookRoutes({
      unitOfWork: deps.unitOfWork,
      clock: deps.clock,
      timers: deps.timers,
      secrets,
      checkUrl: async (url) => {
        const checked = await checkedAddress(url, ssrf);
        if (checked.ok) return undefined;
        // The caller is told the reason alone; which address, or what the resolver said, is for this log.
        deps.logger.info({ refusal: checked.error.detail }, 'webhook url refused');
        return `refused: ${checked.error.reason}`;
      },
    });
    return {
      // A master key that does not open what notification holds under its id refuses the start, before anything is served or written.
      startChecks: [() => secrets.masterKeys.problems()],
      routes: async (app) => {
        // Before serving: master keys opened, and secrets still in clear (or under a retired master key) sealed anew.
        await secrets.masterKeys.finish(await sealStoredSecrets(deps.dataSource, secrets));
        await app.register(namedPlugin('webhookRoutes', routes));
      },
      handlers: webhookHandlers(deps.timers),
      timers: {
        [WEBHOOK_PRUNE_TIMER]: onWebhookPruneDue({ timers: deps.timers, clock: deps.clock, retentionDays: deps.config.WEBHOOK_RETENTION_DAYS }),
      },
      // A fired batch of due attempts in one transaction and three statements (issue #15).
      batchTimers: { [WEBHOOK_ATTEMPT_TIMER]: onWebhookAttemptsDue({ timers: deps.timers, clock: deps.clock, watchdogMs: timeoutMs + 60_000 }) },
      background: [
        {
          name: 'webhook dispatcher',
          start: () => dispatcher.start(),
          stop: async () => {
            await dispatcher.stop();
            await agents.close();
          },
        },
        {
          name: 'webhook retention',
          // The sweep's timer re-arms itself; a start only arms it when none is pending (a restart loop must not postpone it forever).
          start: () =>
            void deps.unitOfWork
              .run(async (tx) => {
                const pending: unknown[] = await tx.query(`SELECT 1 FROM notification.timers WHERE id = $1 AND status = 'pending'`, [WEBHOOK_PRUNE_TIMER_ID]);
                if (pending.length === 0) await deps.timers.schedule(tx, { id: WEBHOOK_PRUNE_TIMER_ID, kind: WEBHOOK_PRUNE_TIMER, dueAt: new Date(deps.clock.now().getTime() + 3_600_000) });
              })
              .catch((error: unknown) => deps.logger.warn({ err: error }, 'webhook retention sweep not scheduled; it will be at the next start')),
          stop: async () => undefined,
        },
      ],
    };
  },
});
