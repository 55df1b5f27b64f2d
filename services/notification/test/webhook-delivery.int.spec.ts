import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import pino from 'pino';
import type { ServiceModule } from '@tss/runtime';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { LocalKeyWrapper, metricsRegistry } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { TimerStore, TimerWorker } from '@tss/timers';
import { WebhookDispatcher } from '../src/events/webhook-dispatcher';
import { onWebhookAttemptsDue } from '../src/events/webhook-timer.handler';
import { onWebhookPruneDue, WEBHOOK_PRUNE_TIMER, WEBHOOK_PRUNE_TIMER_ID } from '../src/events/webhook-retention.handler';
import { checkedAddress, type Resolve } from '../src/http/ssrf-guard';
import { sendWebhook, type WebhookRequest } from '../src/http/webhook-sender';
import { notificationService } from '../src/index';
import { NOTIFICATION_SCHEMA } from '../src/store/acknowledgment.store';
import { webhookDeliveryStore } from '../src/store/webhook-delivery.store';
import type { SendOutcome } from '../src/use-cases/record-webhook-attempt';
import { createEndpoint } from '../src/use-cases/webhook-endpoints';
import { enqueueDelivery, QUEUED_WATCHDOG_MS, WEBHOOK_ATTEMPT_TIMER } from '../src/use-cases/webhook-queue';
import { secretBoxOf } from '../src/use-cases/webhook-secrets';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
// A local receiver answering at once: the bound on an answer only has to outlast a stall of a busy CI
// machine (at 1 s, answers arriving late in a full run were recorded as failed attempts, whose retries
// the fixed clock never brings due). No test here waits for an attempt to time out.
const TIMEOUT_MS = 15_000;
const WATCHDOG_MS = TIMEOUT_MS + 60_000;
const testWrapper = new LocalKeyWrapper([{ id: 'test', key: randomBytes(32) }]);
const secrets = secretBoxOf(async () => testWrapper);

/** notification without its own workers: this suite runs timers and dispatchers itself. */
const withoutWorkers: ServiceModule = { ...notificationService, build: (deps) => ({ ...notificationService.build(deps), background: [] }) };

const listen = async (handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: (path: string) => string }> => {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { server, url: (path) => `http://127.0.0.1:${address.port}${path}` };
};

describe('webhook delivery queue and SSRF guard (issue #11), notification alone on real PostgreSQL', () => {
  const clock = new TestClock('2026-12-01T10:00:00.000Z');
  let sut: ServiceUnderTest;
  let timers: TimerStore;
  let worker: TimerWorker;
  let local: Awaited<ReturnType<typeof listen>>;
  const hits: { path: string; id: string }[] = [];
  const partnerId = '5f0c9a52-3c1e-4a57-9a1e-7d1d2c1b0a01';

  beforeAll(async () => {
    sut = await startServiceUnderTest(withoutWorkers, { clock, env: { WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    timers = new TimerStore({ schema: NOTIFICATION_SCHEMA, clock });
    worker = new TimerWorker({
      dataSource: sut.host.dataSource,
      schema: NOTIFICATION_SCHEMA,
      clock,
      logger,
      handlers: {
        [WEBHOOK_PRUNE_TIMER]: onWebhookPruneDue({ timers, clock, retentionDays: 30 }),
      },
      batchHandlers: { [WEBHOOK_ATTEMPT_TIMER]: onWebhookAttemptsDue({ timers, clock, watchdogMs: WATCHDOG_MS }) },
    });
    local = await listen((req, res) => {
      hits.push({ path: req.url ?? '', id: String(req.headers['webhook-id']) });
      req.resume();
      if (req.url === '/redirect') res.writeHead(302, { location: '/landed' }).end();
      else if (req.url?.startsWith('/fail')) res.writeHead(500).end();
      else res.writeHead(200).end();
    });
  });

  afterAll(async () => {
    await new Promise((resolve) => local?.server.close(resolve));
    await sut?.stop();
  });

  const dispatcher = (send: (r: WebhookRequest) => Promise<SendOutcome>, perEndpoint = 4, log = logger) =>
    new WebhookDispatcher({
      dataSource: sut.host.dataSource,
      unitOfWork: sut.host.unitOfWork,
      clock,
      logger: log,
      timers,
      outbox: sut.host.outbox,
      send,
      secrets,
      perEndpoint,
      maxInFlight: 32,
      random: () => 0.5,
    });
  const allowLocal = { resolve: (async () => [{ address: '127.0.0.1', family: 4 }]) as Resolve, allowed: ['127.0.0.1'], timeoutMs: TIMEOUT_MS, now: () => clock.now() };
  const newEndpoint = async (path: string) => {
    const created = await sut.host.unitOfWork.run((tx) => createEndpoint(tx, { kind: 'partner', partnerId }, { url: local.url(path), eventTypes: ['*'] }, async () => undefined, secrets, clock.now()));
    if (!created.ok) throw new Error(created.error.detail);
    return created.value;
  };
  const queue = (endpointId: string, messageId: string, body = '{}') =>
    sut.host.unitOfWork.run((tx) => enqueueDelivery(tx, timers, { endpointId, messageId, eventType: 'ticket.created', body, reason: 'event' }, clock.now()));
  const statusOf = async (id: string) => (await sut.query<{ status: string; attempts: number }>(`SELECT status, attempts FROM notification.webhook_deliveries WHERE id = $1`, [id]))[0];

  it('a sender that dies mid-attempt loses nothing: the watchdog makes the delivery ready again and another sender delivers it', async () => {
    const endpoint = await newEndpoint('/crash');
    const deliveryId = await queue(endpoint.id, 'msg-crash');
    // The first sender claims it, then "crashes": its call never ends and nothing is recorded.
    const doomed = dispatcher(() => new Promise<SendOutcome>(() => undefined));
    expect(await doomed.dispatchReady()).toBe(1);
    expect(await statusOf(deliveryId)).toEqual({ status: 'in_flight', attempts: 1 });
    // The timer armed when it was queued is its watchdog (longer than this attempt's, so the attempt is found dead).
    clock.advanceMs(QUEUED_WATCHDOG_MS - 1);
    expect(await worker.runDue()).toBe(0);
    clock.advanceMs(1);
    expect(await worker.runDue()).toBe(1);
    expect((await statusOf(deliveryId)).status).toBe('ready');

    const survivor = dispatcher((r) => sendWebhook(r, allowLocal));
    expect(await survivor.dispatchReady()).toBe(1);
    await waitFor('the delivery recorded', async () => (await statusOf(deliveryId)).status === 'succeeded');
    expect(await statusOf(deliveryId)).toEqual({ status: 'succeeded', attempts: 2 });
    expect(hits.filter((h) => h.id === 'msg-crash')).toHaveLength(1);
    await survivor.stop();
    const attempts = (await metricsRegistry().getSingleMetric('tss_webhook_attempts_total')?.get())?.values ?? [];
    expect(attempts.find((v) => v.labels.result === 'succeeded')?.value).toBeGreaterThanOrEqual(1);
  });

  it('a failed attempt is logged (warn: endpoint, partner, event, attempt, status, next retry), a disabled endpoint at error; never the body, secret or URL query', async () => {
    const lines: Record<string, unknown>[] = [];
    const captured = pino({ level: 'trace' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const endpoint = await newEndpoint('/fail?token=query-secret-7f3a');
    const body = JSON.stringify({ data: { summary: 'body-text-9c1e' } });
    const deliveryId = await queue(endpoint.id, 'evt-failing', body);
    const d = dispatcher((r) => sendWebhook(r, allowLocal), 4, captured);
    expect(await d.dispatchReady()).toBe(1);
    await waitFor('the failed attempt logged', async () => lines.some((l) => l.deliveryId === deliveryId));
    expect(lines.find((l) => l.deliveryId === deliveryId)).toMatchObject({
      level: 40,
      msg: 'webhook attempt failed; will retry',
      endpointId: endpoint.id,
      host: new URL(local.url('/')).host,
      partnerId,
      eventId: 'evt-failing',
      eventType: 'ticket.created',
      attempt: 1,
      statusCode: 500,
      errorKind: 'status',
      result: 'retrying',
      nextAttemptAt: new Date(clock.now().getTime() + 5_000).toISOString(),
    });

    // Failing for 5 days: the next failed attempt disables the endpoint, at error.
    await sut.query(`UPDATE notification.webhook_endpoints SET failing_since = $2 WHERE id = $1`, [endpoint.id, new Date(clock.now().getTime() - 6 * 24 * 3_600_000)]);
    const lastId = await queue(endpoint.id, 'evt-last', body);
    expect(await d.dispatchReady()).toBe(1);
    await waitFor('the disabling attempt logged', async () => lines.some((l) => l.deliveryId === lastId));
    expect(lines.find((l) => l.deliveryId === lastId)).toMatchObject({ level: 50, endpointId: endpoint.id, partnerId, eventId: 'evt-last', statusCode: 500, result: 'disabled' });
    await d.stop();
    const logged = JSON.stringify(lines);
    for (const secret of ['query-secret-7f3a', 'body-text-9c1e', 'whsec_', 'v1,', '/fail']) expect(logged).not.toContain(secret);
  });

  it('a slow endpoint holds only its own slots: claims skip its queued deliveries and take another endpoint’s', async () => {
    const slow = await newEndpoint('/slow');
    const fast = await newEndpoint('/fast');
    for (let i = 0; i < 6; i += 1) await queue(slow.id, `slow-${i}`);
    const fastId = await queue(fast.id, 'fast-0');
    const release: (() => void)[] = [];
    const sent: string[] = [];
    const d = dispatcher(async (r) => {
      sent.push(r.messageId);
      if (r.messageId.startsWith('slow')) await new Promise<void>((resolve) => release.push(resolve));
      return { statusCode: 200, latencyMs: 1 };
    }, 2);
    expect(await d.dispatchReady()).toBe(3); // two of the slow endpoint's (its limit) and the fast one's
    expect(sent.filter((m) => m.startsWith('slow'))).toHaveLength(2);
    await waitFor('the fast delivery recorded', async () => (await statusOf(fastId)).status === 'succeeded');
    expect(await d.dispatchReady()).toBe(0); // the slow endpoint's two slots are still busy
    for (const r of release.splice(0)) r();
    await waitFor('the slow endpoint’s next two sent', async () => (await d.dispatchReady(), sent.filter((m) => m.startsWith('slow')).length >= 4));
    for (const r of release.splice(0)) r();
    await d.stop();
    for (const r of release.splice(0)) r();
  });

  it('SSRF: a host that resolves to a public address at creation and to a private one at delivery (DNS rebinding) is refused at delivery', async () => {
    let calls = 0;
    const rebinding: Resolve = async () => (++calls === 1 ? [{ address: '93.184.215.14', family: 4 }] : [{ address: '10.0.0.7', family: 4 }]);
    const options = { resolve: rebinding, allowed: [], timeoutMs: TIMEOUT_MS, now: () => clock.now() };
    expect(await checkedAddress('http://rebind.example.test/hook', options)).toEqual({ ok: true, value: { address: '93.184.215.14', family: 4 } });
    const outcome = await sendWebhook({ url: 'http://rebind.example.test/hook', messageId: 'm', timestampSeconds: 1, signature: 'v1,x', body: '{}' }, options);
    expect(outcome.statusCode).toBeUndefined();
    // The delivery log (readable by the partner) says only that the host is not public; the address is for the server's log.
    expect(outcome.error).toBe('refused: its host is not a public address');
    expect(outcome.errorDetail).toMatch(/^rebind\.example\.test resolves to 10\.0\.0\.7/);
    expect(calls).toBe(2);
    // A name with one private address among public ones is refused too.
    const mixed: Resolve = async () => [{ address: '93.184.215.14', family: 4 }, { address: '169.254.169.254', family: 4 }];
    expect((await checkedAddress('http://mixed.example.test/', { resolve: mixed, allowed: [] })).ok).toBe(false);
  });

  it('SSRF: at delivery, a host resolving to an IPv6 form of a private IPv4 address (IPv4-compatible, 6to4, NAT64, translated) is refused', async () => {
    for (const address of ['::127.0.0.1', '2002:a9fe:a9fe::1', '64:ff9b:1::a00:1', '::ffff:0:7f00:1', '2001::1', '100::1']) {
      const resolve: Resolve = async () => [{ address, family: 6 }];
      const outcome = await sendWebhook({ url: 'http://embedded.example.test/hook', messageId: 'm', timestampSeconds: 1, signature: 'v1,x', body: '{}' }, { resolve, allowed: [], timeoutMs: TIMEOUT_MS, now: () => clock.now() });
      expect({ address, statusCode: outcome.statusCode, error: outcome.error }).toEqual({ address, statusCode: undefined, error: 'refused: its host is not a public address' });
      expect(outcome.errorDetail).toMatch(/^embedded\.example\.test resolves to /);
    }
  });

  it('SSRF: a refusal tells the caller no address and no resolver error, only that the host is not public or could not be resolved; the detail is for the log', async () => {
    const internal: Resolve = async () => [{ address: '127.0.0.1', family: 4 }];
    const refused = await checkedAddress('http://vm/', { resolve: internal, allowed: [] });
    expect(refused).toEqual({ ok: false, error: { reason: 'its host is not a public address', detail: expect.stringContaining('vm resolves to 127.0.0.1') } });
    const unknown: Resolve = async () => {
      throw new Error('getaddrinfo ENOTFOUND metadata.google.internal');
    };
    const unresolved = await checkedAddress('http://metadata.google.internal/', { resolve: unknown, allowed: [] });
    expect(unresolved).toEqual({ ok: false, error: { reason: 'its host could not be resolved', detail: expect.stringContaining('ENOTFOUND') } });
    const empty = await checkedAddress('http://nothing.example.test/', { resolve: async () => [], allowed: [] });
    expect(empty).toEqual({ ok: false, error: { reason: 'its host could not be resolved', detail: expect.any(String) } });
    const literal = await checkedAddress('http://[::1]:8080/', { resolve: internal, allowed: [] });
    expect(literal).toEqual({ ok: false, error: { reason: 'its host is not a public address', detail: expect.stringContaining('::1') } });
    const outcome = await sendWebhook({ url: 'http://metadata.google.internal/', messageId: 'm', timestampSeconds: 1, signature: 'v1,x', body: '{}' }, { resolve: unknown, allowed: [], timeoutMs: TIMEOUT_MS, now: () => clock.now() });
    expect(outcome).toMatchObject({ error: 'refused: its host could not be resolved', errorKind: 'refused' });
    expect(outcome.errorDetail).toContain('ENOTFOUND');
  });

  it('SSRF: the connection goes to the address that was checked, whatever a second lookup would answer; redirects are not followed', async () => {
    let calls = 0;
    const resolver: Resolve = async () => (++calls === 1 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '10.9.9.9', family: 4 }]);
    const port = new URL(local.url('/')).port;
    const outcome = await sendWebhook({ url: `http://hooks.example.test:${port}/pinned`, messageId: 'pinned', timestampSeconds: 1, signature: 'v1,x', body: '{}' }, { resolve: resolver, allowed: ['127.0.0.1'], timeoutMs: TIMEOUT_MS, now: () => clock.now() });
    expect(outcome.statusCode).toBe(200);
    expect(calls).toBe(1); // resolved once, by the check; the socket used the checked address
    expect(hits.some((h) => h.path === '/pinned')).toBe(true);

    const redirected = await sendWebhook({ url: local.url('/redirect'), messageId: 'redir', timestampSeconds: 1, signature: 'v1,x', body: '{}' }, allowLocal);
    expect(redirected).toMatchObject({ statusCode: 302, error: 'HTTP 302' });
    expect(hits.some((h) => h.path === '/landed')).toBe(false);
  });

  it('a disabled endpoint’s delivery is cancelled when its timer fires, and its timer is not re-armed', async () => {
    const endpoint = await newEndpoint('/off');
    const deliveryId = await queue(endpoint.id, 'off');
    await sut.query(`UPDATE notification.webhook_endpoints SET status = 'disabled' WHERE id = $1`, [endpoint.id]);
    clock.advanceMs(QUEUED_WATCHDOG_MS);
    await worker.runDue();
    expect((await statusOf(deliveryId)).status).toBe('cancelled');
    expect(await sut.query(`SELECT id FROM notification.timers WHERE id = $1 AND status = 'pending'`, [`webhook:${deliveryId}`])).toEqual([]);
  });

  it('a delivery whose endpoint was deleted is dropped when its timer fires', async () => {
    const endpoint = await newEndpoint('/gone');
    const deliveryId = await queue(endpoint.id, 'gone');
    await sut.query(`DELETE FROM notification.webhook_endpoints WHERE id = $1`, [endpoint.id]);
    clock.advanceMs(QUEUED_WATCHDOG_MS);
    await worker.runDue();
    expect(await webhookDeliveryStore.find(sut.host.dataSource.manager, endpoint.id, deliveryId)).toBeUndefined();
    expect(await sut.query(`SELECT id FROM notification.timers WHERE id = $1 AND status = 'pending'`, [`webhook:${deliveryId}`])).toEqual([]);
  });

  it('the retention sweep drops events and finished deliveries older than the retention, keeps the rest, and re-arms for tomorrow', async () => {
    const endpoint = await newEndpoint('/retention');
    const DAY = 24 * 3_600_000;
    const at = (daysAgo: number) => new Date(clock.now().getTime() - daysAgo * DAY);
    const event = (id: string, daysAgo: number) =>
      sut.query(`INSERT INTO notification.webhook_events (id, type, subject, occurred_at, body, received_at) VALUES ($1, 'ticket.created', 't', $2, '{}', $2)`, [id, at(daysAgo)]);
    await event('old-event', 31);
    await event('new-event', 29);
    const finished = async (daysAgo: number, status: string) => {
      const id = await queue(endpoint.id, `m-${daysAgo}-${status}`);
      await sut.query(`UPDATE notification.webhook_deliveries SET status = $2, completed_at = $3 WHERE id = $1`, [id, status, at(daysAgo)]);
      return id;
    };
    const oldDone = await finished(31, 'succeeded');
    const oldFailed = await finished(40, 'failed');
    const recentDone = await finished(29, 'succeeded');
    const queuedOld = await queue(endpoint.id, 'still-queued');
    await sut.query(`UPDATE notification.webhook_deliveries SET created_at = $2 WHERE id = $1`, [queuedOld, at(60)]);
    await worker.runDue(); // whatever earlier tests left due
    await sut.host.unitOfWork.run((tx) => timers.schedule(tx, { id: WEBHOOK_PRUNE_TIMER_ID, kind: WEBHOOK_PRUNE_TIMER, dueAt: clock.now() }));
    expect(await worker.runDue()).toBe(1);
    expect((await sut.query<{ id: string }>(`SELECT id FROM notification.webhook_events ORDER BY id`)).map((r) => r.id)).toEqual(['new-event']);
    const left = (await sut.query<{ id: string }>(`SELECT id FROM notification.webhook_deliveries WHERE endpoint_id = $1`, [endpoint.id])).map((r) => r.id);
    expect(left.sort()).toEqual([recentDone, queuedOld].sort());
    expect(left).not.toContain(oldDone);
    expect(left).not.toContain(oldFailed);
    const [rearmed] = await sut.query<{ due_at: Date }>(`SELECT due_at FROM notification.timers WHERE id = $1 AND status = 'pending'`, [WEBHOOK_PRUNE_TIMER_ID]);
    expect(rearmed.due_at.getTime() - clock.now().getTime()).toBe(DAY);
  });
});
