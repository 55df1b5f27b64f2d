import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import pino from 'pino';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { TimerStore, type TimerWorker } from '@tss/timers';
import { WebhookDispatcher } from '../src/events/webhook-dispatcher';
import { SKIPPED_RETRY_MS } from '../src/events/webhook-timer.handler';
import { sendWebhook, WebhookAgents, type WebhookRequest } from '../src/http/webhook-sender';
import type { Resolve } from '../src/http/ssrf-guard';
import { NOTIFICATION_SCHEMA } from '../src/store/acknowledgment.store';
import { webhookEventStore } from '../src/store/webhook-event.store';
import type { SendOutcome } from '../src/use-cases/record-webhook-attempt';
import { replay } from '../src/use-cases/webhook-endpoints';
import { QUEUED_WATCHDOG_MS } from '../src/use-cases/webhook-queue';
import { notificationWithoutWorkers, testSecrets, webhookRows, webhookAttemptWorker } from './support/webhook-fixtures';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
// A local receiver answering at once: the bound on an answer only has to outlast a stall of a busy CI
// machine (at 1 s, answers arriving late in a full run were recorded as failed attempts, whose retries
// the fixed clock never brings due). No test here waits for an attempt to time out.
const TIMEOUT_MS = 15_000;
const WATCHDOG_MS = TIMEOUT_MS + 60_000;
const secrets = testSecrets();


describe('webhook deliveries in batches (issue #15), notification alone on real PostgreSQL', () => {
  const clock = new TestClock('2026-12-01T10:00:00.000Z');
  const partnerId = '5f0c9a52-3c1e-4a57-9a1e-7d1d2c1b0a02';
  let sut: ServiceUnderTest;
  let timers: TimerStore;
  let worker: TimerWorker;
  let server: Server;
  let port = 0;
  const hits: { path: string; id: string }[] = [];

  beforeAll(async () => {
    sut = await startServiceUnderTest(notificationWithoutWorkers, { clock, env: { WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    timers = new TimerStore({ schema: NOTIFICATION_SCHEMA, clock });
    worker = webhookAttemptWorker({ sut, timers, clock, logger, watchdogMs: WATCHDOG_MS });
    server = createServer((req, res) => {
      hits.push({ path: req.url ?? '', id: String(req.headers['webhook-id']) });
      req.resume();
      res.writeHead(200).end();
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
  const dispatcher = (send: (r: WebhookRequest) => Promise<SendOutcome> = (r) => sendWebhook(r, allowLocal), perEndpoint = 4) =>
    new WebhookDispatcher({
      dataSource: sut.host.dataSource,
      unitOfWork: sut.host.unitOfWork,
      clock,
      logger,
      timers,
      outbox: sut.host.outbox,
      send,
      secrets,
      perEndpoint,
      maxInFlight: 32,
      random: () => 0.5,
    });
  const { newEndpoint, queueMany, statuses } = webhookRows({ sut: () => sut, timers: () => timers, port: () => port, clock, partnerId, secrets });
  const pendingTimers = async (ids: readonly string[]) =>
    sut.query<{ id: string; due_at: Date }>(`SELECT id, due_at FROM notification.timers WHERE id = ANY($1::text[]) AND status = 'pending'`, [ids.map((id) => `webhook:${id}`)]);

  it('a batch of queued deliveries is ready at once with its watchdogs (no timer to fire first), then sent once each and recorded together (timers cancelled, failing streak ended)', async () => {
    const endpoint = await newEndpoint('/batch');
    await sut.query(`UPDATE notification.webhook_endpoints SET failing_since = $2 WHERE id = $1`, [endpoint.id, new Date(clock.now().getTime() - 3_600_000)]);
    const ids = await queueMany(endpoint.id, 'batch', 60);
    expect(new Set(ids).size).toBe(60);
    expect((await statuses(ids)).every((d) => d.status === 'ready' && d.attempts === 0)).toBe(true);
    expect(await worker.runDue()).toBe(0);
    const watchdogs = await pendingTimers(ids);
    expect(watchdogs).toHaveLength(60);
    expect(watchdogs.every((t) => t.due_at.getTime() === clock.now().getTime() + QUEUED_WATCHDOG_MS)).toBe(true);

    const d = dispatcher(undefined, 60);
    d.start();
    await waitFor('all 60 recorded', async () => (await statuses(ids)).every((s) => s.status === 'succeeded'), { timeoutMs: 20_000 });
    await d.stop();
    expect((await statuses(ids)).every((s) => s.attempts === 1)).toBe(true);
    expect(hits.filter((h) => h.path === '/batch').map((h) => h.id).sort()).toEqual(Array.from({ length: 60 }, (_, i) => `batch-${i}`).sort());
    expect(await pendingTimers(ids)).toEqual([]);
    expect((await sut.query<{ failing_since: Date | null }>(`SELECT failing_since FROM notification.webhook_endpoints WHERE id = $1`, [endpoint.id]))[0].failing_since).toBeNull();
  });

  it('a fired timer whose delivery another transaction holds is skipped without waiting, re-armed a second later, and then made ready', async () => {
    const endpoint = await newEndpoint('/held');
    const [held, free] = await queueMany(endpoint.id, 'held', 2);
    // As after a failed attempt: pending, their next attempt due now.
    await sut.query(`UPDATE notification.webhook_deliveries SET status = 'pending' WHERE id = ANY($1::uuid[])`, [[held, free]]);
    await sut.query(`UPDATE notification.timers SET due_at = $2, next_attempt_at = $2 WHERE id = ANY($1::text[])`, [[held, free].map((id) => `webhook:${id}`), clock.now()]);
    const runner = sut.host.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query(`SELECT id FROM notification.webhook_deliveries WHERE id = $1 FOR UPDATE`, [held]);
      // Without SKIP LOCKED this would wait for the holder (and the test time out).
      expect(await worker.runDue()).toBe(2);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
    const byId = new Map((await statuses([held, free])).map((s) => [s.id, s.status]));
    expect(byId.get(free)).toBe('ready');
    expect(byId.get(held)).toBe('pending');
    const [retry] = await pendingTimers([held]);
    expect(retry.due_at.getTime()).toBe(clock.now().getTime() + SKIPPED_RETRY_MS);
    clock.advanceMs(SKIPPED_RETRY_MS);
    expect(await worker.runDue()).toBe(1);
    expect((await statuses([held]))[0].status).toBe('ready');
    // Out of the next tests' way.
    await sut.query(`UPDATE notification.webhook_deliveries SET status = 'cancelled' WHERE id = ANY($1::uuid[])`, [[held, free]]);
    await sut.query(`DELETE FROM notification.timers WHERE id = ANY($1::text[])`, [[held, free].map((id) => `webhook:${id}`)]);
  });

  it('a success whose claim the watchdog took back meanwhile records nothing: the delivery stays with its new attempt', async () => {
    const endpoint = await newEndpoint('/late');
    const [id] = await queueMany(endpoint.id, 'late', 1);
    let release: (() => void) | undefined;
    const d = dispatcher(async () => {
      await new Promise<void>((resolve) => (release = resolve));
      return { statusCode: 200, latencyMs: 1 };
    });
    expect(await d.dispatchReady()).toBe(1);
    clock.advanceMs(QUEUED_WATCHDOG_MS);
    expect(await worker.runDue()).toBe(1); // the watchdog (the attempt began longer ago than it): ready again, the first claim lost
    await waitFor('the send started', async () => release !== undefined);
    release?.();
    await d.stop();
    expect(await statuses([id])).toEqual([{ id, status: 'ready', attempts: 1 }]);
  });

  it('an answered attempt frees its endpoint’s slot before its result is recorded; the limit still counts attempts waiting for an answer', async () => {
    const endpoint = await newEndpoint('/answered');
    const ids = await queueMany(endpoint.id, 'answered', 3);
    const idOf = (messageId: string) => ids[Number(messageId.slice('answered-'.length))];
    const sent: string[] = [];
    let answerSecond: (() => void) | undefined;
    // The first one sent: its row is held once it is claimed, so its success cannot be recorded until released.
    const holder = sut.host.dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    const d = dispatcher(async (r) => {
      if (!r.messageId.startsWith('answered')) return { statusCode: 200, latencyMs: 1 };
      sent.push(r.messageId);
      if (sent.length === 1) await holder.query(`SELECT id FROM notification.webhook_deliveries WHERE id = $1 FOR UPDATE`, [idOf(r.messageId)]);
      if (sent.length === 2) await new Promise<void>((resolve) => (answerSecond = resolve));
      return { statusCode: 200, latencyMs: 1 };
    }, 1);
    try {
      await d.dispatchReady();
      // Answered, still in flight in its row: the endpoint's one slot is free all the same.
      await waitFor('the second delivery sent', async () => (await d.dispatchReady(), sent.length >= 2));
      expect(await statuses([idOf(sent[0])])).toEqual([{ id: idOf(sent[0]), status: 'in_flight', attempts: 1 }]);
      // The second waits for its answer: it holds the slot, and the third is not sent.
      await d.dispatchReady();
      expect(sent).toHaveLength(2);
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
    }
    answerSecond?.();
    await waitFor('all three recorded', async () => (await d.dispatchReady(), (await statuses(ids)).every((s) => s.status === 'succeeded')), { timeoutMs: 10_000 });
    await d.stop();
    expect([...sent].sort()).toEqual(['answered-0', 'answered-1', 'answered-2']);
    expect((await statuses(ids)).map((s) => s.attempts)).toEqual([1, 1, 1]);
  });

  it('two endpoints replayed at the same time, while the dispatcher sends, both queue every event and all are delivered once', async () => {
    const since = clock.now();
    const events = Array.from({ length: 150 }, (_, i) => ({ id: randomUUID(), n: i }));
    await sut.host.unitOfWork.run(async (tx) => {
      for (const e of events) {
        await webhookEventStore.insert(
          tx,
          { id: e.id, type: 'ticket.created', partnerId, subject: `t-${e.n}`, sequence: 1, occurredAt: new Date(since.getTime() + e.n), body: JSON.stringify({ n: e.n }) },
          clock.now(),
        );
      }
    });
    const a = await newEndpoint('/replay-a');
    const b = await newEndpoint('/replay-b');
    const d = dispatcher();
    d.start();
    const owner = { kind: 'partner' as const, partnerId };
    worker.start();
    try {
      const [ra, rb] = await Promise.all([
        replay(sut.host.unitOfWork, timers, owner, a.id, { since }, clock.now()),
        replay(sut.host.unitOfWork, timers, owner, b.id, { since }, clock.now()),
      ]);
      expect(ra.ok && ra.value.queued).toBe(150);
      expect(rb.ok && rb.value.queued).toBe(150);
      await waitFor('both replays delivered', async () => hits.filter((h) => h.path.startsWith('/replay-')).length >= 300, { timeoutMs: 30_000 });
    } finally {
      await worker.stop();
      await d.stop();
    }
    for (const path of ['/replay-a', '/replay-b']) {
      expect(hits.filter((h) => h.path === path).map((h) => h.id).sort()).toEqual(events.map((e) => e.id).sort());
    }
    // Listed with their last error, so that a failure says why they were not recorded.
    const left = await sut.query<{ status: string; last_error: string | null }>(
      `SELECT status, last_error FROM notification.webhook_deliveries WHERE endpoint_id = ANY($1::uuid[]) AND status <> 'succeeded'`,
      [[a.id, b.id]],
    );
    expect(left).toEqual([]);
  });

  it('kept-alive connections: attempts to the same checked address reuse one connection; a host that now resolves to a refused address is refused, pool or not', async () => {
    let connections = 0;
    const count = () => (connections += 1);
    server.on('connection', count);
    const agents = new WebhookAgents({ timeoutMs: TIMEOUT_MS });
    let resolved = '127.0.0.1';
    const options = { resolve: (async () => [{ address: resolved, family: 4 }]) as Resolve, allowed: ['127.0.0.1'], timeoutMs: TIMEOUT_MS, now: () => clock.now(), agents };
    const request = (n: number): WebhookRequest => ({ url: `http://hooks.example.test:${port}/kept`, messageId: `kept-${n}`, timestampSeconds: 1, signature: 'v1,x', body: '{}' });
    try {
      for (let n = 0; n < 5; n += 1) expect((await sendWebhook(request(n), options)).statusCode).toBe(200);
      // Reused (one, at times two when the server had not finished with the first when the second was sent): not one per attempt.
      expect(connections).toBeLessThanOrEqual(2);
      const pooled = connections;
      resolved = '10.0.0.7';
      const refused = await sendWebhook(request(5), options);
      expect(refused.statusCode).toBeUndefined();
      expect(refused.error).toMatch(/^refused/);
      expect(hits.filter((h) => h.path === '/kept')).toHaveLength(5);
      // Without the pool, each attempt opens its own connection.
      resolved = '127.0.0.1';
      await sendWebhook(request(6), { ...options, agents: undefined });
      await sendWebhook(request(7), { ...options, agents: undefined });
      expect(connections).toBe(pooled + 2);
    } finally {
      server.off('connection', count);
      await agents.close();
    }
  });
});
