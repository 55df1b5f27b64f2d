import { randomUUID } from 'node:crypto';
import pino from 'pino';
import {
  dataSchemaUri,
  EscalationAcknowledgedV1,
  EscalationRaisedV1,
  EscalationRenotifiedV1,
  EscalationResolvedV1,
  RatingRequestedV1,
  RatingWithdrawnV1,
  SlaBreachedV1,
  SlaClockStartedV1,
  SlaMetV1,
  SlaWarningV1,
  TicketCreatedV1,
  TicketReopenedV1,
  TicketResolvedV1,
  TicketRespondedV1,
  type CloudEvent,
  type EventContract,
  type EventData,
} from '@tss/contracts';
import { EventConsumer, InProcessTransport, type InboundMessage } from '@tss/messaging';
import { handleInTransaction, sampleTicketCreated } from '@tss/messaging/testing';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { TimerStore, type TimerWorker } from '@tss/timers';
import { WebhookDispatcher } from '../src/events/webhook-dispatcher';
import type { WebhookRequest } from '../src/http/webhook-sender';
import { NOTIFICATION_SCHEMA } from '../src/store/acknowledgment.store';
import { webhookDeliveryStore } from '../src/store/webhook-delivery.store';
import { webhookEventStore } from '../src/store/webhook-event.store';
import { queueWebhooks } from '../src/events/webhook-event.handlers';
import type { SendOutcome } from '../src/use-cases/record-webhook-attempt';
import { createEndpoint, replay } from '../src/use-cases/webhook-endpoints';
import { ATTEMPT_TIMER_ID_PREFIX, enqueueDeliveries, WEBHOOK_READY_CHANNEL } from '../src/use-cases/webhook-queue';
import { notificationWithoutWorkers, testSecrets, webhookRows, webhookAttemptWorker } from './support/webhook-fixtures';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const TIMEOUT_MS = 1_000;
const WATCHDOG_MS = TIMEOUT_MS + 60_000;
const secrets = testSecrets();

/** An attempt the test answers when it chooses: what a slow receiver looks like to the dispatcher. */
interface HeldAttempt {
  messageId: string;
  answer: (statusCode: number) => void;
}

describe('webhook deliveries in order per ticket and endpoint (DESIGN "ordered-per-ticket"), notification alone on real PostgreSQL', () => {
  const clock = new TestClock('2026-12-01T10:00:00.000Z');
  const partnerId = '5f0c9a52-3c1e-4a57-9a1e-7d1d2c1b0a07';
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

  const { newEndpoint, statuses } = webhookRows({ sut: () => sut, timers: () => timers, port: () => 9, clock, partnerId, secrets });

  /** A dispatcher whose every attempt waits for the test's answer; `sent` lists the attempts in the order they went out. */
  const slowReceiver = () => {
    const sent: HeldAttempt[] = [];
    const send = (r: WebhookRequest) =>
      new Promise<SendOutcome>((resolve) => {
        sent.push({ messageId: r.messageId, answer: (statusCode) => resolve(statusCode < 300 ? { statusCode, latencyMs: 1 } : { statusCode, latencyMs: 1, error: `status ${statusCode}` }) });
      });
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
      maxInFlight: 32,
      random: () => 0.5,
    });
    const answer = async (messageId: string, statusCode: number) => {
      await waitFor(`${messageId} sent`, async () => sent.some((s) => s.messageId === messageId && !answered.has(s)));
      const attempt = sent.find((s) => s.messageId === messageId && !answered.has(s))!;
      answered.add(attempt);
      attempt.answer(statusCode);
    };
    const answered = new Set<HeldAttempt>();
    const outstanding = () => sent.filter((s) => !answered.has(s)).map((s) => s.messageId).sort();
    const answerAll = () => {
      for (const attempt of sent) {
        if (answered.has(attempt)) continue;
        answered.add(attempt);
        attempt.answer(204);
      }
    };
    /** Stops the dispatcher, answering whatever is still waiting (a failed assertion leaves attempts open). */
    const stop = async () => {
      answerAll();
      let stopped = false;
      const stopping = dispatcher.stop().then(() => (stopped = true));
      await waitFor('the dispatcher stopped', () => (answerAll(), stopped));
      await stopping;
    };
    return { dispatcher, sent, answer, outstanding, stop };
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

  it('a slow receiver gets one ticket’s deliveries strictly in queue order, one at a time, while another ticket’s go out beside them', async () => {
    const endpoint = await newEndpoint('/slow');
    const ticketA = randomUUID();
    const ticketB = randomUUID();
    // Queued in two transactions, as two consumer batches would: the order holds across them.
    await queue(endpoint.id, [
      { messageId: 'a-1', subject: ticketA },
      { messageId: 'a-2', subject: ticketA },
      { messageId: 'b-1', subject: ticketB },
    ]);
    await queue(endpoint.id, [
      { messageId: 'a-3', subject: ticketA },
      { messageId: 'b-2', subject: ticketB },
    ]);
    const { dispatcher, sent, answer, outstanding, stop } = slowReceiver();
    dispatcher.start();
    try {
      await waitFor('the first of each ticket sent', async () => outstanding().length >= 2);
      // Four slots, five ready: only the head of each ticket's line goes out.
      await dispatcher.dispatchReady();
      expect(outstanding()).toEqual(['a-1', 'b-1']);
      // Ticket B moves on while A's first delivery still waits for its answer.
      await answer('b-1', 204);
      await waitFor('b-2 sent', async () => outstanding().includes('b-2'));
      expect(outstanding()).toEqual(['a-1', 'b-2']);
      await answer('a-1', 204);
      await answer('a-2', 204);
      await answer('b-2', 204);
      await answer('a-3', 204);
      await waitFor('all five succeeded', async () => (await deliveriesOf(endpoint.id)).every((d) => d.status === 'succeeded'));
    } finally {
      await stop();
    }
    const order = sent.map((s) => s.messageId);
    expect(order.filter((m) => m.startsWith('a-'))).toEqual(['a-1', 'a-2', 'a-3']);
    expect(order.filter((m) => m.startsWith('b-'))).toEqual(['b-1', 'b-2']);
    // b-2 went out before A's line had finished: the other ticket is not held up.
    expect(order.indexOf('b-2')).toBeLessThan(order.indexOf('a-2'));
  });

  it('a failed first attempt holds its ticket’s later deliveries until its retry succeeds; another ticket and events without a ticket go on', async () => {
    const endpoint = await newEndpoint('/fails-first');
    const ticketA = randomUUID();
    const ticketB = randomUUID();
    await queue(endpoint.id, [
      { messageId: 'f-a-1', subject: ticketA },
      { messageId: 'f-a-2', subject: ticketA },
      { messageId: 'f-b-1', subject: ticketB },
      { messageId: 'f-none-1' },
      { messageId: 'f-none-2' },
    ]);
    const { dispatcher, sent, answer, outstanding, stop } = slowReceiver();
    dispatcher.start();
    try {
      await answer('f-a-1', 500);
      await waitFor('f-a-1 waits for its retry', async () => (await deliveriesOf(endpoint.id)).find((d) => d.message_id === 'f-a-1')?.status === 'pending');
      await answer('f-b-1', 204);
      await answer('f-none-1', 204);
      await answer('f-none-2', 204);
      await waitFor('the other ticket and the unticketed events succeeded', async () =>
        (await deliveriesOf(endpoint.id)).filter((d) => d.status === 'succeeded').map((d) => d.message_id).sort().join() === 'f-b-1,f-none-1,f-none-2',
      );
      await dispatcher.dispatchReady();
      // f-a-2 is not attempted while f-a-1 waits for its retry.
      expect(sent.map((s) => s.messageId)).not.toContain('f-a-2');
      expect(outstanding()).toEqual([]);

      // The retry (5 s, ±10 %) comes due: f-a-1 goes again, and only its success releases f-a-2.
      clock.advanceMs(6_000);
      expect(await worker.runDue()).toBeGreaterThanOrEqual(1);
      await waitFor('f-a-1 sent again', async () => outstanding().includes('f-a-1'));
      await dispatcher.dispatchReady();
      expect(outstanding()).toEqual(['f-a-1']);
      await answer('f-a-1', 204);
      await answer('f-a-2', 204);
      await waitFor('both of ticket A succeeded', async () => (await deliveriesOf(endpoint.id)).every((d) => d.status === 'succeeded'));
    } finally {
      await stop();
    }
    expect(sent.map((s) => s.messageId).filter((m) => m.startsWith('f-a-'))).toEqual(['f-a-1', 'f-a-1', 'f-a-2']);
  });

  it('a delivery that fails for good releases the next one of its ticket', async () => {
    const endpoint = await newEndpoint('/gives-up');
    const ticket = randomUUID();
    const [first, second] = await queue(endpoint.id, [
      { messageId: 'g-1', subject: ticket },
      { messageId: 'g-2', subject: ticket },
    ]);
    // Its last attempt is the next one.
    await sut.query(`UPDATE notification.webhook_deliveries SET attempts = 7 WHERE id = $1`, [first]);
    const { dispatcher, sent, answer, outstanding, stop } = slowReceiver();
    dispatcher.start();
    try {
      await waitFor('g-1 sent', async () => outstanding().length >= 1);
      await dispatcher.dispatchReady();
      expect(outstanding()).toEqual(['g-1']);
      await answer('g-1', 500);
      await answer('g-2', 204);
      await waitFor('g-2 succeeded', async () => (await statuses([second]))[0].status === 'succeeded');
    } finally {
      await stop();
    }
    expect((await statuses([first]))[0]).toMatchObject({ status: 'failed', attempts: 8 });
    expect(sent.map((s) => s.messageId)).toEqual(['g-1', 'g-2']);
  });

  it('a replay queues one ticket’s events in their order, behind that ticket’s deliveries still queued', async () => {
    const endpoint = await newEndpoint('/replayed');
    const ticket = randomUUID();
    const since = clock.now();
    const events = Array.from({ length: 3 }, (_, i) => ({ id: `r-${i + 1}`, n: i }));
    await sut.host.unitOfWork.run(async (tx) => {
      for (const e of events) {
        await webhookEventStore.insert(
          tx,
          { id: e.id, type: 'ticket.status_changed', partnerId, subject: ticket, sequence: e.n + 1, occurredAt: new Date(since.getTime() + e.n), body: JSON.stringify({ id: e.id }) },
          clock.now(),
        );
      }
    });
    await queue(endpoint.id, [{ messageId: 'live-1', subject: ticket }]);
    const replayed = await replay(sut.host.unitOfWork, timers, { kind: 'partner', partnerId }, endpoint.id, { since }, clock.now());
    expect(replayed.ok && replayed.value.queued).toBe(3);
    const { dispatcher, sent, answer, outstanding, stop } = slowReceiver();
    dispatcher.start();
    try {
      await waitFor('live-1 sent', async () => outstanding().length >= 1);
      await dispatcher.dispatchReady();
      expect(outstanding()).toEqual(['live-1']);
      for (const id of ['live-1', 'r-1', 'r-2', 'r-3']) await answer(id, 204);
      await waitFor('all four succeeded', async () => (await deliveriesOf(endpoint.id)).every((d) => d.status === 'succeeded'));
    } finally {
      await stop();
    }
    expect(sent.map((s) => s.messageId)).toEqual(['live-1', 'r-1', 'r-2', 'r-3']);
  });

  it('a delivery queued while the one ahead of it is being recorded as a success is released by that record, not left held until its watchdog', async () => {
    const endpoint = await newEndpoint('/race');
    const ticket = randomUUID();
    await queue(endpoint.id, [{ messageId: 'race-1', subject: ticket }]);
    const { claimed } = await webhookDeliveryStore.claimReady(sut.host.dataSource, { now: clock.now(), limit: 10, perEndpoint: 4, token: randomUUID() });
    const ahead = claimed.find((c) => c.messageId === 'race-1')!;

    // A consumer batch queues the ticket's next event and has not committed yet...
    const queuer = sut.host.dataSource.createQueryRunner();
    await queuer.startTransaction();
    let recorded = false;
    try {
      await enqueueDeliveries(
        queuer.manager,
        timers,
        [{ endpointId: endpoint.id, messageId: 'race-2', eventType: 'ticket.status_changed', body: '{}', reason: 'event', subject: ticket }],
        clock.now(),
      );
      // ...when the answer to the one ahead is recorded: it waits for the queuer's lock on that row.
      const recording = webhookDeliveryStore
        .recordSuccesses(sut.host.dataSource, [{ id: ahead.id, claimToken: ahead.claimToken, statusCode: 204, latencyMs: 1 }], clock.now(), { schema: NOTIFICATION_SCHEMA, idPrefix: ATTEMPT_TIMER_ID_PREFIX }, WEBHOOK_READY_CHANNEL)
        .then(() => (recorded = true));
      await waitFor('the record to finish or wait for the queuer', async () =>
        recorded || (await sut.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%succeeded AS%'`)).length > 0,
      );
      await queuer.commitTransaction();
      await recording;
    } finally {
      if (queuer.isTransactionActive) await queuer.rollbackTransaction();
      await queuer.release();
    }
    const rows = await deliveriesOf(endpoint.id);
    expect(Object.fromEntries(rows.map((r) => [r.message_id, r.status]))).toEqual({ 'race-1': 'succeeded', 'race-2': 'ready' });
  });

  it('a batch queuing behind a delivery whose end is being recorded waits for that one before touching the one it releases: no deadlock', async () => {
    const endpoint = await newEndpoint('/lock-order');
    const ticket = randomUUID();
    await queue(endpoint.id, [{ messageId: 'lock-1', subject: ticket }, { messageId: 'lock-2', subject: ticket }]);
    // The held one sorts first by id: a queuer locking the ticket's unfinished deliveries by id alone
    // takes it before the one ahead, which the recorder holds while it releases the held one.
    await sut.query(`UPDATE notification.webhook_deliveries SET id = CASE message_id WHEN 'lock-1' THEN $2::uuid ELSE $3::uuid END WHERE endpoint_id = $1`, [
      endpoint.id,
      'ffffffff-ffff-4fff-bfff-ffffffffffff',
      '00000000-0000-4000-8000-000000000001',
    ]);
    const claimed = (await webhookDeliveryStore.claimReady(sut.host.dataSource, { now: clock.now(), limit: 10, perEndpoint: 4, token: randomUUID() })).claimed.filter(
      (c) => c.endpointId === endpoint.id,
    );
    expect(claimed.map((c) => c.messageId)).toEqual(['lock-1']); // lock-2 is held behind it

    const recorder = sut.host.dataSource.createQueryRunner();
    const queuer = sut.host.dataSource.createQueryRunner();
    await recorder.startTransaction();
    await queuer.startTransaction();
    try {
      // The sender records lock-1's last failed attempt: the row first (recordWebhookAttempt)...
      expect(await webhookDeliveryStore.lockClaimed(recorder.manager, claimed[0].id, claimed[0].claimToken)).toBeDefined();
      // ...while a consumer batch queues the ticket's next event, and waits for that row.
      const [{ pid }] = await queuer.query(`SELECT pg_backend_pid() AS pid`);
      const queuing = enqueueDeliveries(
        queuer.manager,
        timers,
        [{ endpointId: endpoint.id, messageId: 'lock-3', eventType: 'ticket.status_changed', body: '{}', reason: 'event', subject: ticket }],
        clock.now(),
      ).then(
        () => 'queued',
        (error: unknown) => error,
      );
      await waitFor('the queuer waiting for a row lock', async () => (await sut.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, [pid])).length > 0);
      // Then the record ends lock-1 and releases lock-2: the queuer must not hold lock-2 meanwhile.
      await webhookDeliveryStore.recordAttempt(recorder.manager, claimed[0].id, { statusCode: 500, latencyMs: 1, error: 'HTTP 500' }, { status: 'failed', nextAttemptAt: null, completedAt: clock.now() });
      await webhookDeliveryStore.releaseNext(recorder.manager, claimed[0].id, clock.now(), WEBHOOK_READY_CHANNEL);
      await recorder.commitTransaction();
      expect(await queuing).toBe('queued');
      await queuer.commitTransaction();
    } finally {
      for (const runner of [recorder, queuer]) {
        if (runner.isTransactionActive) await runner.rollbackTransaction();
        await runner.release();
      }
    }
    const rows = await deliveriesOf(endpoint.id);
    expect(Object.fromEntries(rows.map((r) => [r.message_id, r.status]))).toEqual({ 'lock-1': 'failed', 'lock-2': 'ready', 'lock-3': 'held' });
  });

  /**
   * Events as their producers publish them, handed to notification's consumer (its own handlers, a
   * consumer of the test's own so each message goes when the test says, as from two Kafka topics
   * read side by side: intake's ticket events and sla-timer's sla events).
   */
  describe('across producers: an sla event is queued after the ticket event it follows (docs/adr/0066, addendum of 2026-12-05)', () => {
    const lines: { level: number; msg: string; [key: string]: unknown }[] = [];
    const captured = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const consumer = (notYetMaxWaitMs = 60_000) =>
      new EventConsumer({
        group: 'notification',
        schema: NOTIFICATION_SCHEMA,
        transport: new InProcessTransport(),
        unitOfWork: sut.host.unitOfWork,
        outbox: sut.host.outbox,
        clock,
        logger: captured,
        bindings: sut.host.parts.handlers ?? [],
        notYetMaxWaitMs,
      });
    const eventOf = <C extends EventContract>(contract: C, subject: string, data: EventData<C>): CloudEvent<EventData<C>> => ({
      specversion: '1.0',
      id: randomUUID(),
      source: `tss/${contract.owner}`,
      type: contract.type,
      time: clock.now().toISOString(),
      subject,
      datacontenttype: 'application/json',
      dataschema: dataSchemaUri(contract.type, contract.version),
      data,
    });
    const messageOf = (event: CloudEvent<unknown>): InboundMessage => ({
      topic: `tss.${event.type.slice(0, event.type.indexOf('.'))}`,
      key: event.subject,
      event,
      raw: { value: null, headers: {} },
      position: `test@${event.id}`,
    });
    const created = (ticketId: string) => eventOf(TicketCreatedV1, ticketId, sampleTicketCreated(1, { partnerId, receivedAt: clock.now().toISOString() }));
    const responded = (ticketId: string, sequence: number) =>
      eventOf(TicketRespondedV1, ticketId, { partnerId, sequence, messageId: randomUUID(), respondedAt: clock.now().toISOString(), authorId: 'agent-1' });
    const clockOf = (ticketSequence?: number) => ({
      partnerId,
      clockId: randomUUID(),
      level: 'standard' as const,
      dueAt: new Date(clock.now().getTime() + 12 * 3_600_000).toISOString(),
      ...(ticketSequence === undefined ? {} : { ticketSequence }),
    });
    const clockStarted = (ticketId: string, ticketSequence?: number) => eventOf(SlaClockStartedV1, ticketId, { ...clockOf(ticketSequence), startedAt: clock.now().toISOString() });
    const met = (ticketId: string, ticketSequence: number) => eventOf(SlaMetV1, ticketId, { ...clockOf(ticketSequence), respondedAt: clock.now().toISOString() });
    /** The endpoint's deliveries of one ticket, by type, in the order they were queued (their place in line). */
    const queuedTypes = async (endpointId: string, ticketId: string) =>
      (
        await sut.query<{ event_type: string }>(`SELECT event_type FROM notification.webhook_deliveries WHERE endpoint_id = $1 AND subject = $2 ORDER BY queue_seq`, [
          endpointId,
          ticketId,
        ])
      ).map((r) => r.event_type);
    const waitedFor = (event: CloudEvent<unknown>) => lines.filter((l) => l.eventId === event.id && l.msg === 'event not applicable yet; retrying').length;
    /**
     * Consumes `early` (from the sla topic) while the ticket topic has not delivered `cause` yet:
     * once `early` has been tried (and, fixed, answered "not yet"), `cause` arrives (and then
     * `more`, each from its own topic, in the order given).
     */
    const consumeBefore = async (c: EventConsumer, early: CloudEvent<unknown>, cause: CloudEvent<unknown>, ...more: CloudEvent<unknown>[]) => {
      let settled = false;
      const outcome = c.consume(messageOf(early)).finally(() => (settled = true));
      await waitFor(`${early.type} tried`, async () => settled || waitedFor(early) > 0);
      for (const next of [cause, ...more]) expect(await c.consume(messageOf(next))).toBe('handled');
      return outcome;
    };

    it('sla.clock_started consumed before the ticket.created that started its clock waits for it: the endpoint’s deliveries are queued ticket.created first', async () => {
      const endpoint = await newEndpoint('/cause-first');
      const ticketId = randomUUID();
      const ticket = created(ticketId);
      const started = clockStarted(ticketId, 1);
      expect(await consumeBefore(consumer(), started, ticket)).toBe('handled');
      expect(await queuedTypes(endpoint.id, ticketId)).toEqual(['ticket.created', 'sla.clock_started']);
      // Behind the ticket's first delivery, as any later event of the ticket (0066).
      expect((await sut.query(`SELECT status FROM notification.webhook_deliveries WHERE endpoint_id = $1 ORDER BY queue_seq`, [endpoint.id])).map((r) => r.status)).toEqual(['ready', 'held']);
      expect(waitedFor(started)).toBeGreaterThan(0);
    });

    it('sla.met consumed before the ticket.responded that met its clock waits for it', async () => {
      const endpoint = await newEndpoint('/met-after-response');
      const ticketId = randomUUID();
      const c = consumer();
      expect(await c.consume(messageOf(created(ticketId)))).toBe('handled');
      expect(await c.consume(messageOf(clockStarted(ticketId, 1)))).toBe('handled');
      expect(await consumeBefore(c, met(ticketId, 2), responded(ticketId, 2))).toBe('handled');
      expect(await queuedTypes(endpoint.id, ticketId)).toEqual(['ticket.created', 'sla.clock_started', 'ticket.responded', 'sla.met']);
    });

    it('an sla event without ticketSequence (an older sla-timer) is queued at once, as before', async () => {
      const endpoint = await newEndpoint('/older-producer');
      const ticketId = randomUUID();
      const started = clockStarted(ticketId);
      expect(await consumer().consume(messageOf(started))).toBe('handled');
      expect(waitedFor(started)).toBe(0);
      expect(await queuedTypes(endpoint.id, ticketId)).toEqual(['sla.clock_started']);
    });

    it('a fired timer’s event (sla.warning) is queued at once: it follows its clock’s sla.clock_started on the same ticket’s sla stream, which waited', async () => {
      const endpoint = await newEndpoint('/timer-event');
      const ticketId = randomUUID();
      const warning = eventOf(SlaWarningV1, ticketId, { ...clockOf(1), remainingMs: 3_600_000, threshold: 0.5, latenessMs: 0, late: false });
      expect(await consumer().consume(messageOf(warning))).toBe('handled');
      expect(waitedFor(warning)).toBe(0);
      expect(await queuedTypes(endpoint.id, ticketId)).toEqual(['sla.warning']);
    });

    it('an sla event whose ticket event never comes is queued once the wait is spent, and logged: never dead-lettered, never lost', async () => {
      const endpoint = await newEndpoint('/cause-lost');
      const ticketId = randomUUID();
      const started = clockStarted(ticketId, 1);
      // 200 + 400 ms of "not yet"; a third answer would pass the 1 s bound, so the third attempt goes ahead.
      expect(await consumer(1_000).consume(messageOf(started))).toBe('handled');
      expect(waitedFor(started)).toBe(2);
      expect(await queuedTypes(endpoint.id, ticketId)).toEqual(['sla.clock_started']);
      expect(lines.filter((l) => l.level === 40 && l.eventId === started.id)).toEqual([
        expect.objectContaining({ ticketId, type: 'sla.clock_started', ticketSequence: 1, msg: expect.stringContaining('without the ticket event it follows') }),
      ]);
      expect(await sut.query(`SELECT 1 FROM notification.dead_letters WHERE event_id = $1`, [started.id])).toEqual([]);
    });

    it('rating.requested consumed before the ticket.resolved that asked for it, and rating.withdrawn before its ticket.reopened, wait for them', async () => {
      const endpoint = await newEndpoint('/rating-after-ticket');
      const ticketId = randomUUID();
      const surveyId = randomUUID();
      const c = consumer();
      expect(await c.consume(messageOf(created(ticketId)))).toBe('handled');
      const resolved = eventOf(TicketResolvedV1, ticketId, { partnerId, sequence: 2, resolvedAt: clock.now().toISOString(), reopenWindowEndsAt: clock.now().toISOString() });
      const requested = eventOf(RatingRequestedV1, ticketId, { partnerId, surveyId, rateUrl: 'https://help.example/rate/t', expiresAt: clock.now().toISOString(), ticketSequence: 2 });
      expect(await consumeBefore(c, requested, resolved)).toBe('handled');
      const reopened = eventOf(TicketReopenedV1, ticketId, { partnerId, sequence: 3, reopenedAt: clock.now().toISOString() });
      const withdrawn = eventOf(RatingWithdrawnV1, ticketId, {
        partnerId,
        surveyId,
        reason: 'reopened_before_rating',
        reopenedAt: clock.now().toISOString(),
        withdrawnAt: clock.now().toISOString(),
        ticketSequence: 3,
      });
      expect(await consumeBefore(c, withdrawn, reopened)).toBe('handled');
      expect(await queuedTypes(endpoint.id, ticketId)).toEqual(['ticket.created', 'ticket.resolved', 'rating.requested', 'ticket.reopened', 'rating.withdrawn']);
      expect([waitedFor(requested), waitedFor(withdrawn)].every((n) => n > 0)).toBe(true);
    });

    it('a ticket event earlier in the same consumer batch is enough: both are queued in the batch’s one transaction, nothing waits', async () => {
      const endpoint = await newEndpoint('/same-batch');
      const ticketId = randomUUID();
      const handle = queueWebhooks(timers);
      await sut.host.unitOfWork.run((tx) => handleInTransaction({ tx, outbox: sut.host.outbox, now: clock.now(), logger }, [[handle, created(ticketId)], [handle, clockStarted(ticketId, 1)]]));
      expect(await queuedTypes(endpoint.id, ticketId)).toEqual(['ticket.created', 'sla.clock_started']);
    });

    describe('escalation events after the events that caused them (addendum of 2026-12-05, third session)', () => {
      /**
       * Escalation events (staff endpoints only) come from a fourth producer and topic. One a consumed
       * event caused names it (`causeEventId`) and the ticket event it follows (`ticketSequence`):
       * docs/adr/0066, addendum of 2026-12-05, third session.
       */
      const newStaffEndpoint = async (path: string) => {
        const made = await sut.host.unitOfWork.run((tx) =>
          createEndpoint(tx, { kind: 'staff', staffId: 'admin-1' }, { url: `http://127.0.0.1:9${path}`, eventTypes: ['*'] }, async () => undefined, secrets, clock.now()),
        );
        if (!made.ok) throw new Error(made.error.detail);
        return made.value;
      };
      const escalationId = randomUUID();
      const raisedBy = (ticketId: string, cause: CloudEvent<unknown> | undefined, ticketSequence?: number) =>
        eventOf(EscalationRaisedV1, ticketId, {
          partnerId,
          escalationId,
          kind: 'sla_breach',
          targetRole: 'team_leader',
          targetStaffIds: ['lead-1'],
          raisedAt: clock.now().toISOString(),
          level: 1,
          rule: 'sla-breach',
          ...(cause ? { causeEventId: cause.id, causeType: cause.type } : {}),
          summary: 'The maximum response time passed with no response',
          ...(ticketSequence === undefined ? {} : { ticketSequence }),
        });
      const breachedOf = (ticketId: string, ticketSequence: number) =>
        eventOf(SlaBreachedV1, ticketId, { ...clockOf(ticketSequence), breachedAt: clock.now().toISOString(), latenessMs: 0, late: false });
      const escalationWarnings = (event: CloudEvent<unknown>) => lines.filter((l) => l.level === 40 && l.eventId === event.id);

      it('escalation.raised consumed before the sla.breached that raised it and the ticket.created that breach follows waits for them: the staff endpoint’s deliveries are queued cause first', async () => {
        const staff = await newStaffEndpoint('/escalation-after-breach');
        const ticketId = randomUUID();
        const ticket = created(ticketId);
        const breached = breachedOf(ticketId, 1);
        const raised = raisedBy(ticketId, breached, 1);
        expect(await consumeBefore(consumer(), raised, ticket, breached)).toBe('handled');
        expect(await queuedTypes(staff.id, ticketId)).toEqual(['ticket.created', 'sla.breached', 'escalation.raised']);
        expect(waitedFor(raised)).toBeGreaterThan(0);
        expect(escalationWarnings(raised)).toEqual([]);
      });

      it('escalation.resolved (met in time) consumed before the ticket.responded that ended it and its sla.met waits for them', async () => {
        const staff = await newStaffEndpoint('/escalation-resolved-after-response');
        const ticketId = randomUUID();
        const c = consumer();
        const clockId = randomUUID();
        const warning = eventOf(SlaWarningV1, ticketId, { ...clockOf(1), clockId, remainingMs: 3_600_000, threshold: 0.9, latenessMs: 0, late: false });
        for (const early of [created(ticketId), eventOf(SlaClockStartedV1, ticketId, { ...clockOf(1), clockId, startedAt: clock.now().toISOString() }), warning, raisedBy(ticketId, warning, 1)])
          expect(await c.consume(messageOf(early))).toBe('handled');
        const response = responded(ticketId, 2);
        const metInTime = eventOf(SlaMetV1, ticketId, { ...clockOf(2), clockId, respondedAt: clock.now().toISOString() });
        const resolved = eventOf(EscalationResolvedV1, ticketId, {
          partnerId,
          escalationId,
          resolvedAt: clock.now().toISOString(),
          outcome: 'Answered in time: the response came before the due time (sla.met); resolved automatically.',
          causeEventId: metInTime.id,
          causeType: metInTime.type,
          ticketSequence: 2,
        });
        expect(await consumeBefore(c, resolved, response, metInTime)).toBe('handled');
        expect(await queuedTypes(staff.id, ticketId)).toEqual(['ticket.created', 'sla.clock_started', 'sla.warning', 'escalation.raised', 'ticket.responded', 'sla.met', 'escalation.resolved']);
        expect(waitedFor(resolved)).toBeGreaterThan(0);
      });

      it('escalation events naming no cause are queued at once: an older escalation’s, and a re-notice, an acknowledgement or a person’s resolution (they follow their raise, which waited)', async () => {
        const staff = await newStaffEndpoint('/escalation-no-cause');
        const ticketId = randomUUID();
        const older = raisedBy(ticketId, undefined);
        // The ticket event of sequence 7 never comes: none of these waits for it.
        const kept = { partnerId, escalationId, ticketSequence: 7 };
        const renotified = eventOf(EscalationRenotifiedV1, ticketId, { ...kept, kind: 'sla_breach', targetRole: 'team_leader', targetStaffIds: [], attempt: 1, renotifiedAt: clock.now().toISOString() });
        const acknowledged = eventOf(EscalationAcknowledgedV1, ticketId, { ...kept, acknowledgedBy: 'lead-1', acknowledgedAt: clock.now().toISOString() });
        const resolved = eventOf(EscalationResolvedV1, ticketId, { ...kept, resolvedAt: clock.now().toISOString(), resolvedBy: 'lead-1' });
        const c = consumer();
        for (const event of [older, renotified, acknowledged, resolved]) expect(await c.consume(messageOf(event))).toBe('handled');
        expect([older, renotified, acknowledged, resolved].map(waitedFor)).toEqual([0, 0, 0, 0]);
        expect(await queuedTypes(staff.id, ticketId)).toEqual(['escalation.raised', 'escalation.renotified', 'escalation.acknowledged', 'escalation.resolved']);
      });

      it('an escalation event whose cause never comes is queued once the wait is spent, and logged: never dead-lettered, never lost', async () => {
        const staff = await newStaffEndpoint('/escalation-cause-lost');
        const ticketId = randomUUID();
        const breached = breachedOf(ticketId, 1);
        const raised = raisedBy(ticketId, breached, 1);
        expect(await consumer(1_000).consume(messageOf(raised))).toBe('handled');
        expect(waitedFor(raised)).toBe(2);
        expect(await queuedTypes(staff.id, ticketId)).toEqual(['escalation.raised']);
        expect(escalationWarnings(raised)).toEqual([
          expect.objectContaining({
            ticketId,
            type: 'escalation.raised',
            causeEventId: breached.id,
            causeType: 'sla.breached',
            ticketSequence: 1,
            msg: expect.stringContaining('queued without the event it follows'),
          }),
        ]);
        expect(await sut.query(`SELECT 1 FROM notification.dead_letters WHERE event_id = $1`, [raised.id])).toEqual([]);
      });
    });
  });

  const deliveriesOf = (endpointId: string) =>
    sut.query<{ id: string; message_id: string; status: string; attempts: number }>(
      `SELECT id, message_id, status, attempts FROM notification.webhook_deliveries WHERE endpoint_id = $1 ORDER BY created_at, id`,
      [endpointId],
    );
});
