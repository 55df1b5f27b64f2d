import { createServer, type Server } from 'node:http';
import pino from 'pino';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { TimerStore, type TimerWorker } from '@tss/timers';
import { WebhookDispatcher } from '../src/events/webhook-dispatcher';
import { sendWebhook, type WebhookRequest } from '../src/http/webhook-sender';
import type { Resolve } from '../src/http/ssrf-guard';
import { NOTIFICATION_SCHEMA } from '../src/store/acknowledgment.store';
import type { SendOutcome } from '../src/use-cases/record-webhook-attempt';
import { attemptTimerId, QUEUED_WATCHDOG_MS } from '../src/use-cases/webhook-queue';
import { signatureOf } from '../src/domain/webhook-signature';
import { countedDataSource } from '@tss/persistence/testing';
import { notificationWithoutWorkers, testSecrets, webhookRows, webhookAttemptWorker } from './support/webhook-fixtures';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
// A local receiver answering at once: the bound on an answer only has to outlast a stall of a busy CI
// machine (at 1 s, answers arriving late in a full run were recorded as failed attempts, whose retries
// the fixed clock never brings due). No test here waits for an attempt to time out.
const TIMEOUT_MS = 15_000;
const WATCHDOG_MS = TIMEOUT_MS + 60_000;
const secrets = testSecrets();


// Issue #15: a claim was a transaction of three statements (claim, watchdogs, endpoints) and a
// batch of successes one of three (record, timers, failing streaks), each commit also waking the
// outbox relay for a poll. Now each is one statement outside any transaction.
describe('webhook dispatch: one statement per claim and per batch of successes (issue #15)', () => {
  const clock = new TestClock('2026-12-01T10:00:00.000Z');
  const partnerId = '5f0c9a52-3c1e-4a57-9a1e-7d1d2c1b0a03';
  let sut: ServiceUnderTest;
  let timers: TimerStore;
  let worker: TimerWorker;
  let server: Server;
  let port = 0;
  const hits: { path: string; headers: Record<string, string>; body: string }[] = [];

  beforeAll(async () => {
    sut = await startServiceUnderTest(notificationWithoutWorkers, { clock, env: { WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    timers = new TimerStore({ schema: NOTIFICATION_SCHEMA, clock });
    worker = webhookAttemptWorker({ sut, timers, clock, logger, watchdogMs: WATCHDOG_MS });
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        hits.push({ path: req.url ?? '', headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString() });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    port = address.port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await sut?.stop();
  });

  const allowLocal = { resolve: (async () => [{ address: '127.0.0.1', family: 4 }]) as Resolve, allowed: ['127.0.0.1'], timeoutMs: TIMEOUT_MS, now: () => clock.now() };
  const dispatcher = (send: (r: WebhookRequest) => Promise<SendOutcome> = (r) => sendWebhook(r, allowLocal)) => {
    const counted = countedDataSource(sut.host.dataSource);
    const d = new WebhookDispatcher({
      dataSource: counted.dataSource,
      unitOfWork: sut.host.unitOfWork,
      clock,
      logger,
      timers,
      outbox: sut.host.outbox,
      send,
      secrets,
      perEndpoint: 8,
      maxInFlight: 32,
      random: () => 0.5,
    });
    return { d, counted };
  };
  const { newEndpoint, queueMany, statuses } = webhookRows({ sut: () => sut, timers: () => timers, port: () => port, clock, partnerId, secrets });
  const timerOf = async (id: string) =>
    (await sut.query<{ due_at: Date; status: string }>(`SELECT due_at, status FROM notification.timers WHERE id = $1`, [attemptTimerId(id)]))[0];

  it('a claim of several endpoints’ deliveries is one statement, signs with each endpoint’s secret, and leaves their timers; their successes are one more', async () => {
    const [a, b] = [await newEndpoint('/one-a'), await newEndpoint('/one-b')];
    const ids = [...(await queueMany(a.id, 'one-a', 5)), ...(await queueMany(b.id, 'one-b', 5))];
    const watchdogs = await Promise.all(ids.map(timerOf));
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    // The sends wait at the gate until the claim's effects are looked at.
    const { d, counted } = dispatcher(async (r) => {
      await gate;
      return sendWebhook(r, allowLocal);
    });
    expect(await d.dispatchReady()).toBe(10);
    expect(counted.outside).toHaveLength(1);
    expect(counted.transactions).toHaveLength(0);
    expect(await Promise.all(ids.map(timerOf))).toEqual(watchdogs); // not re-armed by the claim
    open();
    await waitFor('all 10 recorded', async () => (await statuses(ids)).every((s) => s.status === 'succeeded'));
    await d.stop();
    // One more statement for the successes (one batch, or a few when they finished apart), and no transaction.
    expect(counted.transactions).toHaveLength(0);
    expect(counted.outside.length).toBeGreaterThanOrEqual(2);
    expect(counted.outside.slice(1).every((sql) => sql.includes("SET status = 'succeeded'"))).toBe(true);
    for (const id of ids) expect(await timerOf(id)).toBeUndefined(); // cancelled with the record
    for (const [endpoint, path] of [[a, '/one-a'], [b, '/one-b']] as const) {
      const received = hits.filter((h) => h.path === path);
      expect(received).toHaveLength(5);
      for (const h of received) {
        expect(h.headers['webhook-signature']).toBe(signatureOf(endpoint.plainSecret, h.headers['webhook-id'], Number(h.headers['webhook-timestamp']), h.body));
      }
    }
  });

  it('a success ends its endpoint’s failing streak, in the same statement', async () => {
    const endpoint = await newEndpoint('/streak');
    await sut.query(`UPDATE notification.webhook_endpoints SET failing_since = $2 WHERE id = $1`, [endpoint.id, new Date(clock.now().getTime() - 3_600_000)]);
    const [id] = await queueMany(endpoint.id, 'streak', 1);
    const { d } = dispatcher();
    expect(await d.dispatchReady()).toBe(1);
    await waitFor('recorded', async () => (await statuses([id]))[0].status === 'succeeded');
    await d.stop();
    expect((await sut.query<{ failing_since: Date | null }>(`SELECT failing_since FROM notification.webhook_endpoints WHERE id = $1`, [endpoint.id]))[0].failing_since).toBeNull();
  });

  it('an attempt its timer finds still within its watchdog stays in flight, the timer re-armed to the attempt’s start plus the watchdog; past it, the delivery is ready again', async () => {
    const endpoint = await newEndpoint('/alive');
    const [id] = await queueMany(endpoint.id, 'alive', 1); // ready, its timer the watchdog of a queued delivery
    clock.advanceMs(QUEUED_WATCHDOG_MS - WATCHDOG_MS / 2);
    const claimedAt = clock.now();
    const { d } = dispatcher(() => new Promise<SendOutcome>(() => undefined)); // a send that never ends
    expect(await d.dispatchReady()).toBe(1);
    clock.advanceMs(WATCHDOG_MS / 2);
    expect(await worker.runDue()).toBe(1); // the timer armed when it was queued
    expect(await statuses([id])).toEqual([{ id, status: 'in_flight', attempts: 1 }]);
    expect(await timerOf(id)).toEqual({ status: 'pending', due_at: new Date(claimedAt.getTime() + WATCHDOG_MS) });
    clock.advanceMs(WATCHDOG_MS / 2 - 1);
    expect(await worker.runDue()).toBe(0);
    clock.advanceMs(1);
    expect(await worker.runDue()).toBe(1);
    expect(await statuses([id])).toEqual([{ id, status: 'ready', attempts: 1 }]);
    await sut.query(`UPDATE notification.webhook_deliveries SET status = 'cancelled' WHERE id = $1`, [id]); // out of the next tests' way
  });
});
