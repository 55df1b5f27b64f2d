import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import pino from 'pino';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { TimerStore, type TimerWorker } from '@tss/timers';
import { RETRY_SCHEDULE_MS } from '../src/domain/webhook-schedule';
import { WebhookDispatcher } from '../src/events/webhook-dispatcher';
import type { WebhookRequest } from '../src/http/webhook-sender';
import { NOTIFICATION_SCHEMA } from '../src/store/acknowledgment.store';
import type { SendOutcome } from '../src/use-cases/record-webhook-attempt';
import { enqueueDeliveries } from '../src/use-cases/webhook-queue';
import { databaseOutage, type DatabaseOutage } from './support/database-outage';
import { notificationWithoutWorkers, testSecrets, webhookAttemptWorker, webhookRows } from './support/webhook-fixtures';

const TIMEOUT_MS = 1_000;
const WATCHDOG_MS = TIMEOUT_MS + 60_000;
const secrets = testSecrets();

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/**
 * An outside tester's replica logged "webhook successes not recorded; their watchdogs will retry
 * them" for 7 deliveries (pg-pool out of connections for a moment): the receiver had answered 200,
 * and got them again 2–8 minutes later from their watchdogs, the tickets' later deliveries waiting
 * behind them (docs/adr/0043, addendum of 2026-12-05, fourth session). Here the test's own database
 * is cut off (every connection ended, none let in) while the receiver answers.
 */
describe('webhook results the database did not take are recorded once it answers (real PostgreSQL, cut off and back)', () => {
  const clock = new TestClock('2026-12-01T10:00:00.000Z');
  const partnerId = '5f0c9a52-3c1e-4a57-9a1e-7d1d2c1b0a77';
  let sut: ServiceUnderTest;
  let timers: TimerStore;
  let worker: TimerWorker;
  let outage: DatabaseOutage;
  const dispatchers: WebhookDispatcher[] = [];

  beforeAll(async () => {
    sut = await startServiceUnderTest(notificationWithoutWorkers, { clock, env: { WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    timers = new TimerStore({ schema: NOTIFICATION_SCHEMA, clock });
    worker = webhookAttemptWorker({ sut, timers, clock, logger: pino({ level: 'silent' }), watchdogMs: WATCHDOG_MS });
    outage = databaseOutage(sut.databaseUrl);
  });
  afterEach(async () => {
    await outage.end();
    for (const dispatcher of dispatchers.splice(0)) await dispatcher.stop();
  });
  afterAll(async () => {
    await outage?.end();
    await sut?.stop();
  });

  const { newEndpoint } = webhookRows({ sut: () => sut, timers: () => timers, port: () => 9, clock, partnerId, secrets });

  /** A sender whose receiver answers `answer(messageId)`; `during(messageId)` runs before it answers (the outage starts there). */
  const sender = (answer: (messageId: string) => SendOutcome, during: (messageId: string) => Promise<void> = async () => undefined) => {
    const lines: LogLine[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
    const received: string[] = [];
    const send = async (r: WebhookRequest): Promise<SendOutcome> => {
      received.push(r.messageId);
      await during(r.messageId);
      return answer(r.messageId);
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
      perEndpoint: 4,
      maxInFlight: 64,
      random: () => 0.5,
      recordRetryMs: 50,
    });
    dispatchers.push(dispatcher);
    return { dispatcher, received, lines };
  };
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
    sut.query<{ message_id: string; status: string; attempts: number; completed_at: Date | null; next_attempt_at: Date | null; last_status_code: number | null }>(
      `SELECT message_id, status, attempts, completed_at, next_attempt_at, last_status_code FROM notification.webhook_deliveries WHERE id = ANY($1::uuid[]) ORDER BY queue_seq`,
      [ids],
    );
  /** `probe`'s answer once `done` holds, or its last one after `timeoutMs`: a failure shows where things stood, not a time-out alone. */
  const settledWithin = async <T>(timeoutMs: number, probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (done(value) || performance.now() > deadline) return value;
      await delay(25);
    }
  };
  const warnings = (lines: readonly LogLine[]) => lines.filter((l) => l.level >= 40).map((l) => l.msg);

  it('a success the database did not take is recorded once it answers, at the time it was answered; the watchdog does not send it again, and its ticket’s next delivery goes at once', async () => {
    const endpoint = await newEndpoint('/outage-success');
    const ticket = randomUUID();
    const ids = await queue(endpoint.id, [
      { messageId: 'o-1', subject: ticket },
      { messageId: 'o-2', subject: ticket },
    ]);
    // The receiver takes o-1 while the database goes down: its 200 cannot be recorded.
    const { dispatcher, received, lines } = sender(
      () => ({ statusCode: 200, latencyMs: 3 }),
      (messageId) => (messageId === 'o-1' ? outage.start() : Promise.resolve()),
    );
    const answeredAt = clock.now();
    expect(await dispatcher.dispatchReady()).toBe(1);
    await waitFor('the success not recorded', () => warnings(lines).length > 0);
    clock.advanceMs(5_000); // recorded later than answered
    await outage.end();

    const recorded = await settledWithin(5_000, () => deliveries(ids), (rows) => rows[0].status === 'succeeded');
    expect(recorded.map((d) => [d.message_id, d.status, d.attempts, d.completed_at?.toISOString() ?? null])).toEqual([
      ['o-1', 'succeeded', 1, answeredAt.toISOString()],
      ['o-2', 'ready', 0, null],
    ]);
    expect(warnings(lines)).toEqual(['webhook result not recorded: the database did not answer; kept in memory and recorded once it answers']);
    // Logged after the record's commit, which the rows above may show first (a CI run of 2026-12-06 read them in between).
    const recordedLine = () => lines.find((l) => l.msg === 'webhook results recorded once the database answered again');
    await waitFor('the line saying it was recorded', () => recordedLine() !== undefined);
    expect(recordedLine()).toMatchObject({ level: 30, deliveries: 1, succeeded: 1 });

    // Past the watchdog: nothing is sent again, and the ticket's next delivery goes.
    clock.advanceMs(WATCHDOG_MS + 1_000);
    await worker.runDue();
    await dispatcher.dispatchReady();
    await waitFor('o-2 recorded', async () => (await deliveries(ids))[1].status === 'succeeded');
    clock.advanceMs(WATCHDOG_MS + 1_000);
    expect(await worker.runDue()).toBe(0);
    expect(await dispatcher.dispatchReady()).toBe(0);
    expect(received).toEqual(['o-1', 'o-2']);
  });

  it('a failed attempt the database did not take is recorded once it answers: retried on its schedule from when it failed, not by its watchdog', async () => {
    const endpoint = await newEndpoint('/outage-failure');
    const ids = await queue(endpoint.id, [{ messageId: 'f-1' }]);
    const { dispatcher, received, lines } = sender(
      () => ({ statusCode: 503, latencyMs: 3, error: 'HTTP 503', errorKind: 'status' }),
      () => outage.start(),
    );
    const failedAt = clock.now();
    expect(await dispatcher.dispatchReady()).toBe(1);
    await waitFor('the failure not recorded', () => warnings(lines).length > 0);
    clock.advanceMs(30_000); // recorded later than its first retry was due
    await outage.end();

    const recorded = await settledWithin(5_000, () => deliveries(ids), (rows) => rows[0].status === 'pending');
    expect(recorded.map((d) => [d.status, d.attempts, d.last_status_code])).toEqual([['pending', 1, 503]]);
    // The first retry (jitter at its middle) counts from the 503, not from the record: due at once.
    expect(recorded[0].next_attempt_at!.getTime() - failedAt.getTime()).toBe(RETRY_SCHEDULE_MS[0]);
    expect(received).toEqual(['f-1']);
  });

  it('stopping with a success still unrecorded: one last try, then it is logged at error level as one the receiver may get twice', async () => {
    const endpoint = await newEndpoint('/outage-stop');
    const ids = await queue(endpoint.id, [{ messageId: 'x-1' }]);
    const { dispatcher, lines } = sender(
      () => ({ statusCode: 204, latencyMs: 3 }),
      () => outage.start(),
    );
    expect(await dispatcher.dispatchReady()).toBe(1);
    await waitFor('the success not recorded', () => warnings(lines).length > 0);
    await dispatcher.stop();
    expect(lines.find((l) => l.level === 50)).toMatchObject({
      msg: expect.stringMatching(/^webhook results not recorded when the dispatcher stopped/),
      count: 1,
      mayArriveTwice: 1,
      deliveries: [{ deliveryId: ids[0], messageId: 'x-1', outcome: 'succeeded' }],
    });
  });
});
