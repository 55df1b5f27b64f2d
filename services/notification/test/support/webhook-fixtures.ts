import { randomBytes } from 'node:crypto';
import type { ServiceModule } from '@tss/runtime';
import type { ServiceUnderTest } from '@tss/runtime/testing';
import type { Clock } from '@tss/service-kit';
import { LocalKeyWrapper } from '@tss/service-kit';
import type { Logger } from 'pino';
import { TimerWorker, type TimerStore } from '@tss/timers';
import { onWebhookAttemptsDue } from '../../src/events/webhook-timer.handler';
import { notificationService } from '../../src/index';
import { NOTIFICATION_SCHEMA } from '../../src/store/acknowledgment.store';
import { createEndpoint } from '../../src/use-cases/webhook-endpoints';
import { enqueueDeliveries, WEBHOOK_ATTEMPT_TIMER } from '../../src/use-cases/webhook-queue';
import { secretBoxOf } from '../../src/use-cases/webhook-secrets';

/** notification without its own workers: a suite that runs its timers and dispatchers itself. */
export const notificationWithoutWorkers: ServiceModule = { ...notificationService, build: (deps) => ({ ...notificationService.build(deps), background: [] }) };

/** Endpoint secrets sealed under a key of the test's own. */
export const testSecrets = () => {
  const wrapper = new LocalKeyWrapper([{ id: 'test', key: randomBytes(32) }]);
  return secretBoxOf(async () => wrapper);
};

/** Endpoints of one partner on a local receiver, deliveries queued in bulk, and their rows. */
export const webhookRows = (options: {
  sut: () => ServiceUnderTest;
  timers: () => TimerStore;
  port: () => number;
  clock: Clock;
  partnerId: string;
  secrets: ReturnType<typeof testSecrets>;
}) => ({
  newEndpoint: async (path: string) => {
    const { clock, partnerId, secrets } = options;
    const created = await options
      .sut()
      .host.unitOfWork.run((tx) =>
        createEndpoint(tx, { kind: 'partner', partnerId }, { url: `http://127.0.0.1:${options.port()}${path}`, eventTypes: ['*'] }, async () => undefined, secrets, clock.now()),
      );
    if (!created.ok) throw new Error(created.error.detail);
    return created.value;
  },
  queueMany: (endpointId: string, prefix: string, n: number) =>
    options
      .sut()
      .host.unitOfWork.run((tx) =>
        enqueueDeliveries(
          tx,
          options.timers(),
          Array.from({ length: n }, (_, i) => ({ endpointId, messageId: `${prefix}-${i}`, eventType: 'ticket.created', body: `{"n":${i}}`, reason: 'event' as const })),
          options.clock.now(),
        ),
      ),
  statuses: (ids: readonly string[]) =>
    options
      .sut()
      .query<{ id: string; status: string; attempts: number }>(`SELECT id, status, attempts FROM notification.webhook_deliveries WHERE id = ANY($1::uuid[]) ORDER BY id`, [ids]),
});

/** The timer worker of webhook attempts, as the service runs it, for a suite that fires them itself. */
export const webhookAttemptWorker = (deps: { sut: ServiceUnderTest; timers: TimerStore; clock: Clock; logger: Logger; watchdogMs: number }): TimerWorker =>
  new TimerWorker({
    dataSource: deps.sut.host.dataSource,
    schema: NOTIFICATION_SCHEMA,
    clock: deps.clock,
    logger: deps.logger,
    handlers: {},
    batchHandlers: { [WEBHOOK_ATTEMPT_TIMER]: onWebhookAttemptsDue({ timers: deps.timers, clock: deps.clock, watchdogMs: deps.watchdogMs }) },
    batchSize: 500,
  });
