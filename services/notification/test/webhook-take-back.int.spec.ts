import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { metricsRegistry } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { TimerStore, type TimerWorker } from '@tss/timers';
import { WebhookDispatcher } from '../src/events/webhook-dispatcher';
import type { WebhookRequest } from '../src/http/webhook-sender';
import { NOTIFICATION_SCHEMA } from '../src/store/acknowledgment.store';
import { InstanceLiveness } from '../src/use-cases/instance-liveness';
import { NotificationInstance } from '../src/use-cases/notification-instance';
import type { SendOutcome } from '../src/use-cases/record-webhook-attempt';
import { enqueueDeliveries } from '../src/use-cases/webhook-queue';
import { notificationWithoutWorkers, testSecrets, webhookAttemptWorker, webhookRows } from './support/webhook-fixtures';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const TIMEOUT_MS = 1_000;
const WATCHDOG_MS = TIMEOUT_MS + 60_000;
const TAKE_BACK_AFTER_MS = 30_000;
const secrets = testSecrets();

/**
 * A webhook claim names the notification instance that took it; a live instance takes back the
 * claim of one that stopped beating, by the database's clock, and the delivery is made ready through
 * its timer at once instead of after its watchdog, its ticket's later deliveries following it in
 * order (docs/adr/0034, addendum of 2026-12-04, seventh session). Several instances (instance,
 * liveness, dispatcher) on one database; time passes by setting a heartbeat back with SQL.
 */
describe('webhook claims of a notification instance that stopped beating are taken back (real PostgreSQL)', () => {
  const clock = new TestClock('2026-12-01T10:00:00.000Z');
  const partnerId = '5f0c9a52-3c1e-4a57-9a1e-7d1d2c1b0a32';
  let sut: ServiceUnderTest;
  let timers: TimerStore;
  let worker: TimerWorker;
  const dispatchers: WebhookDispatcher[] = [];
  const release: (() => void)[] = [];

  beforeAll(async () => {
    sut = await startServiceUnderTest(notificationWithoutWorkers, { clock, env: { WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    timers = new TimerStore({ schema: NOTIFICATION_SCHEMA, clock });
    worker = webhookAttemptWorker({ sut, timers, clock, logger, watchdogMs: WATCHDOG_MS });
  });
  afterEach(async () => {
    for (const answer of release.splice(0)) answer();
    for (const dispatcher of dispatchers.splice(0)) await dispatcher.stop();
  });
  afterAll(async () => {
    await sut?.stop();
  });

  const { newEndpoint } = webhookRows({ sut: () => sut, timers: () => timers, port: () => 9, clock, partnerId, secrets });

  /**
   * One notification process: registered and beating once. `hold`: its receiver never answers
   * (a process about to die mid-attempt, or a slow receiver until `answerAll`); otherwise 204.
   */
  const instance = async (name: string, options: { hold?: boolean } = {}) => {
    const self = new NotificationInstance({ host: name });
    const liveness = new InstanceLiveness({ dataSource: sut.host.dataSource, instance: self, timers, clock, logger, heartbeatMs: 5_000, takeBackAfterMs: TAKE_BACK_AFTER_MS });
    const sent: string[] = [];
    const waiting: (() => void)[] = [];
    const send = (r: WebhookRequest) => {
      sent.push(r.messageId);
      if (!options.hold) return Promise.resolve<SendOutcome>({ statusCode: 204, latencyMs: 1 });
      return new Promise<SendOutcome>((resolve) => {
        const answer = () => resolve({ statusCode: 204, latencyMs: 1 });
        waiting.push(answer);
        release.push(answer);
      });
    };
    const dispatcher = new WebhookDispatcher({
      dataSource: sut.host.dataSource,
      unitOfWork: sut.host.unitOfWork,
      clock,
      logger,
      timers,
      outbox: sut.host.outbox,
      send,
      secrets,
      instance: self,
      perEndpoint: 4,
      maxInFlight: 64,
      random: () => 0.5,
    });
    dispatchers.push(dispatcher);
    await liveness.beat();
    return { self, liveness, dispatcher, sent, answerAll: () => waiting.splice(0).forEach((answer) => answer()) };
  };
  const silentFor = (self: NotificationInstance, ms: number) =>
    sut.query(`UPDATE notification.instances SET heartbeat_at = now() - $2::int * interval '1 millisecond' WHERE id = $1`, [self.id, ms]);
  const queue = (endpointId: string, events: readonly { messageId: string; subject?: string }[]) =>
    sut.host.unitOfWork.run((tx) =>
      enqueueDeliveries(
        tx,
        timers,
        events.map((e) => ({ endpointId, messageId: e.messageId, eventType: 'ticket.status_changed', body: JSON.stringify({ id: e.messageId }), reason: 'event' as const, subject: e.subject })),
        clock.now(),
      ),
    );
  const deliveries = (ids: readonly string[]) =>
    sut.query<{ id: string; message_id: string; status: string; attempts: number; claim_instance_id: string | null }>(
      `SELECT id, message_id, status, attempts, claim_instance_id FROM notification.webhook_deliveries WHERE id = ANY($1::uuid[]) ORDER BY queue_seq`,
      [ids],
    );
  const metric = async (name: string, labels: Record<string, string>): Promise<number> =>
    (await metricsRegistry().getSingleMetric(name)?.get())?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0;

  it('a delivery in flight with an instance that stopped beating is sent by a live instance after the threshold and one sweep, not before; its ticket’s next delivery follows it', async () => {
    const endpoint = await newEndpoint('/dead-claim');
    const ticket = randomUUID();
    const ids = await queue(endpoint.id, [
      { messageId: 'k-1', subject: ticket },
      { messageId: 'k-2', subject: ticket },
    ]);
    const dying = await instance('dying', { hold: true });
    expect(await dying.dispatcher.dispatchReady()).toBe(1);
    expect(dying.sent).toEqual(['k-1']);
    expect((await deliveries(ids)).map((d) => [d.message_id, d.status, d.claim_instance_id])).toEqual([
      ['k-1', 'in_flight', dying.self.id],
      ['k-2', 'held', null],
    ]);

    const live = await instance('live');
    live.dispatcher.start();
    // Within the threshold: the attempt may be a slow receiver's, and is left alone.
    await silentFor(dying.self, TAKE_BACK_AFTER_MS - 2_000);
    expect(await live.liveness.sweep()).toEqual({ mail: 0, webhook: 0 });
    expect(await worker.runDue()).toBe(0);
    await live.dispatcher.dispatchReady();
    expect(live.sent).toEqual([]);

    const takenBefore = await metric('tss_notification_taken_back_total', { kind: 'webhook' });
    await silentFor(dying.self, TAKE_BACK_AFTER_MS + 1_000);
    expect(await live.liveness.sweep()).toEqual({ mail: 0, webhook: 1 });
    // The simulated clock has not moved: the delivery's timer, re-targeted, is due now.
    expect(await worker.runDue()).toBe(1);
    await waitFor('both sent by the live instance and recorded', async () => (await deliveries(ids)).every((d) => d.status === 'succeeded'));
    expect(live.sent).toEqual(['k-1', 'k-2']);
    expect(await metric('tss_notification_taken_back_total', { kind: 'webhook' })).toBe(takenBefore + 1);

    // The dead claim's late answer records nothing: the claim was taken back.
    const lostBefore = await metric('tss_webhook_attempts_total', { result: 'claim_lost' });
    dying.answerAll();
    await waitFor('the late answer found its claim lost', async () => (await metric('tss_webhook_attempts_total', { result: 'claim_lost' })) === lostBefore + 1);
    expect((await deliveries(ids)).map((d) => [d.message_id, d.status, d.attempts])).toEqual([
      ['k-1', 'succeeded', 2],
      ['k-2', 'succeeded', 1],
    ]);
  });

  it('a slow receiver: the claim of an instance that still beats is never taken back, and the delivery goes once', async () => {
    const endpoint = await newEndpoint('/slow-receiver');
    const ids = await queue(endpoint.id, [{ messageId: 's-1', subject: randomUUID() }]);
    const slow = await instance('slow', { hold: true });
    const other = await instance('other');
    expect(await slow.dispatcher.dispatchReady()).toBe(1);
    for (let step = 0; step < 4; step += 1) {
      clock.advanceMs(10_000); // 40 s in all: past the take-back threshold, within the watchdog
      await slow.liveness.beat();
      await other.liveness.beat();
      expect(await other.liveness.sweep()).toEqual({ mail: 0, webhook: 0 });
      await worker.runDue();
      await other.dispatcher.dispatchReady();
    }
    slow.answerAll();
    await waitFor('the delivery recorded', async () => (await deliveries(ids))[0].status === 'succeeded');
    expect([...slow.sent, ...other.sent].filter((m) => m.startsWith('s-'))).toEqual(['s-1']);
    expect((await deliveries(ids))[0].attempts).toBe(1);
  });

  it('an instance whose row is gone has its claim taken back at the next sweep, with no wait', async () => {
    const endpoint = await newEndpoint('/row-gone');
    const ids = await queue(endpoint.id, [{ messageId: 'g-1' }]);
    const gone = await instance('gone', { hold: true });
    const live = await instance('live');
    expect(await gone.dispatcher.dispatchReady()).toBe(1);
    await sut.query(`DELETE FROM notification.instances WHERE id = $1`, [gone.self.id]);
    expect(await live.liveness.sweep()).toEqual({ mail: 0, webhook: 1 });
    expect(await worker.runDue()).toBe(1);
    await live.dispatcher.dispatchReady();
    await waitFor('sent again and recorded', async () => (await deliveries(ids))[0].status === 'succeeded');
    expect(live.sent.filter((m) => m.startsWith('g-'))).toEqual(['g-1']);
  });

  it('two instances sweeping at once take each dead claim back once: one timer re-target, one resend', async () => {
    const endpoint = await newEndpoint('/two-sweepers');
    const events = Array.from({ length: 30 }, (_, i) => ({ messageId: `t-${i}`, subject: randomUUID() }));
    const ids = await queue(endpoint.id, events);
    const dying = await instance('dying', { hold: true });
    // Every delivery in flight with the dying instance at once.
    const many = new WebhookDispatcher({
      dataSource: sut.host.dataSource,
      unitOfWork: sut.host.unitOfWork,
      clock,
      logger,
      timers,
      outbox: sut.host.outbox,
      send: () => new Promise<SendOutcome>((resolve) => release.push(() => resolve({ statusCode: 204, latencyMs: 1 }))),
      secrets,
      instance: dying.self,
      perEndpoint: events.length,
      maxInFlight: events.length,
    });
    dispatchers.push(many);
    expect(await many.dispatchReady()).toBe(events.length);
    await silentFor(dying.self, TAKE_BACK_AFTER_MS + 1_000);
    const [one, two] = [await instance('sweeper-1'), await instance('sweeper-2')];

    const takenBefore = await metric('tss_notification_taken_back_total', { kind: 'webhook' });
    const [a, b] = await Promise.all([one.liveness.sweep(), two.liveness.sweep()]);
    expect(a.webhook + b.webhook).toBe(events.length);
    expect([(await one.liveness.sweep()).webhook, (await two.liveness.sweep()).webhook]).toEqual([0, 0]);
    expect(await metric('tss_notification_taken_back_total', { kind: 'webhook' })).toBe(takenBefore + events.length);

    expect(await worker.runDue()).toBe(events.length);
    one.dispatcher.start();
    two.dispatcher.start();
    await waitFor('every delivery sent again and recorded', async () => (await deliveries(ids)).every((d) => d.status === 'succeeded'));
    expect([...one.sent, ...two.sent].filter((m) => m.startsWith('t-')).sort()).toEqual(events.map((e) => e.messageId).sort());
  });
});
