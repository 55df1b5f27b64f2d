import pino from 'pino';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { TimerStore, type TimerWorker } from '@tss/timers';
import { MAX_ATTEMPTS, RETRY_SCHEDULE_MS } from '../src/domain/webhook-schedule';
import { WebhookDispatcher } from '../src/events/webhook-dispatcher';
import { deliveryView } from '../src/http/webhook.routes';
import { NOTIFICATION_SCHEMA } from '../src/store/acknowledgment.store';
import type { SendOutcome } from '../src/use-cases/record-webhook-attempt';
import { listDeliveries, retryDelivery } from '../src/use-cases/webhook-endpoints';
import { notificationWithoutWorkers, testSecrets, webhookRows, webhookAttemptWorker } from './support/webhook-fixtures';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const WATCHDOG_MS = 61_000;
const secrets = testSecrets();

describe('a manual retry keeps the delivery’s history (the delivery log), notification alone on real PostgreSQL', () => {
  const clock = new TestClock('2026-12-01T10:00:00.000Z');
  const partnerId = '5f0c9a52-3c1e-4a57-9a1e-7d1d2c1b0a09';
  const owner = { kind: 'partner' as const, partnerId };
  let sut: ServiceUnderTest;
  let timers: TimerStore;
  let worker: TimerWorker;

  beforeAll(async () => {
    sut = await startServiceUnderTest(notificationWithoutWorkers, { clock, env: { WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    timers = new TimerStore({ schema: NOTIFICATION_SCHEMA, clock });
    worker = webhookAttemptWorker({ sut, timers, clock, logger, watchdogMs: WATCHDOG_MS });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const { newEndpoint, queueMany } = webhookRows({ sut: () => sut, timers: () => timers, port: () => 9, clock, partnerId, secrets });

  it('a delivery that failed 8 times and is retried by hand counts on from 8, gets a fresh round of retries, and its log still shows the failures', async () => {
    const endpoint = await newEndpoint('/history');
    const [id] = await queueMany(endpoint.id, 'history', 1);
    const answers: number[] = [];
    let statusCode = 500;
    const dispatcher = new WebhookDispatcher({
      dataSource: sut.host.dataSource,
      unitOfWork: sut.host.unitOfWork,
      clock,
      logger,
      timers,
      outbox: sut.host.outbox,
      send: async (): Promise<SendOutcome> => {
        answers.push(statusCode);
        return statusCode < 300 ? { statusCode, latencyMs: 3 } : { statusCode, latencyMs: 3, error: `status ${statusCode}` };
      },
      secrets,
      perEndpoint: 4,
      maxInFlight: 8,
      random: () => 0.5,
    });
    const logged = async () => {
      const list = await sut.host.unitOfWork.run((tx) => listDeliveries(tx, owner, endpoint.id, { limit: 10 }));
      if (!list.ok) throw new Error(list.error.detail);
      return deliveryView(list.value.items.find((d) => d.id === id)!);
    };
    /** One attempt: sent, its result recorded; then the clock moves to the next one's time. */
    const attempt = async (n: number) => {
      await dispatcher.dispatchReady();
      await waitFor(`attempt ${n} recorded`, async () => answers.length === n && (await logged()).attempts === n && (await logged()).status !== 'in_flight');
    };

    for (let n = 1; n <= MAX_ATTEMPTS; n += 1) {
      await attempt(n);
      if (n < MAX_ATTEMPTS) {
        clock.advanceMs(RETRY_SCHEDULE_MS[n - 1]);
        await worker.runDue();
      }
    }
    expect(await logged()).toMatchObject({ status: 'failed', attempts: 8, responseStatus: 500, error: 'status 500' });

    const retried = await sut.host.unitOfWork.run((tx) => retryDelivery(tx, timers, owner, endpoint.id, id, clock.now()));
    expect(retried.ok && deliveryView(retried.value)).toMatchObject({ status: 'pending', attempts: 8, failedAttempts: 8, lastFailure: { responseStatus: 500, error: 'status 500' } });
    expect(await logged()).toMatchObject({ status: 'pending', attempts: 8, failedAttempts: 8, responseStatus: 500, error: 'status 500' });

    // The 9th attempt fails too: a fresh round, so it is retried after the first step (5 s), not given up.
    await worker.runDue();
    await attempt(9);
    expect(await logged()).toMatchObject({ status: 'pending', attempts: 9, failedAttempts: 9, nextAttemptAt: new Date(clock.now().getTime() + RETRY_SCHEDULE_MS[0]).toISOString() });

    statusCode = 204;
    clock.advanceMs(RETRY_SCHEDULE_MS[0]);
    await worker.runDue();
    await attempt(10);
    await dispatcher.stop();
    const lastFailedAt = (await logged()).lastFailure?.at;
    expect(await logged()).toMatchObject({
      status: 'succeeded',
      attempts: 10,
      responseStatus: 204,
      error: null,
      failedAttempts: 9,
      lastFailure: { responseStatus: 500, error: 'status 500' },
    });
    expect(lastFailedAt).toBe(new Date(clock.now().getTime() - RETRY_SCHEDULE_MS[0]).toISOString());
  });
});
