import { randomUUID } from 'node:crypto';
import pino from 'pino';
import {
  TicketAcceptedV1,
  TicketCreatedV1,
  TicketLevelChangedV1,
  TicketMessageReceivedV1,
  TicketRespondedV1,
  TicketStatusChangedV1,
  type EventContract,
  type EventData,
} from '@tss/contracts';
import { EventConsumer, InProcessTransport, type ConsumeOutcome } from '@tss/messaging';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { logCapture, TestClock, waitFor } from '@tss/service-kit/testing';
import { inTransaction } from '@tss/persistence';
import { TimerStore, TimerWorker } from '@tss/timers';
import { CLOCK_TIMER_KINDS, clockTimerBatchHandlers } from '../../src/events/clock-timer.handlers';
import { ticketEventHandlers } from '../../src/events/ticket-events.handlers';
import { DEFAULT_POLICY, exactScheduleFor, type SlaPolicy } from '../../src/domain/sla-policy';
import { policyStore } from '../../src/store/policy.store';
import { clockClaimLock, responseClockStore, SLA_SCHEMA } from '../../src/store/response-clock.store';
import { gatewayPartners } from './support/gateway-partners';
import { ticketEventMessage } from './support/ticket-event-message';
import { withoutWorker } from './support/clock-pipeline';

const HOUR = 3_600_000;
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

describe('SLA clocks on the durable timers (issue #10), sla-timer alone on real PostgreSQL', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  let sut: ServiceUnderTest;
  let consumer: EventConsumer;
  let workers: TimerWorker[] = [];
  const partnerId = randomUUID();

  const newWorker = (owner: string) =>
    new TimerWorker({
      dataSource: sut.host.dataSource,
      schema: SLA_SCHEMA,
      clock,
      logger,
      owner,
      handlers: {},
      batchHandlers: clockTimerBatchHandlers({ outbox: sut.host.outbox, clock, timers: new TimerStore({ schema: SLA_SCHEMA, clock }) }),
      // As the service composes its worker (docs/adr/0054).
      claimLock: clockClaimLock(CLOCK_TIMER_KINDS),
    });

  /** sla-timer's ticket-event consumer on the in-process transport, with fast retries, logging to `log`. */
  const ticketConsumer = (log: typeof logger) =>
    new EventConsumer({
      group: 'sla-timer-test',
      schema: SLA_SCHEMA,
      transport: new InProcessTransport(),
      unitOfWork: sut.host.unitOfWork,
      outbox: sut.host.outbox,
      clock,
      logger: log,
      bindings: ticketEventHandlers({ timers: new TimerStore({ schema: SLA_SCHEMA, clock }) }),
      retryBaseMs: 5,
      maxRetryDelayMs: 20,
      notYetMaxWaitMs: 10_000,
    });

  beforeAll(async () => {
    sut = await startServiceUnderTest(withoutWorker, { clock });
    consumer = ticketConsumer(logger);
  });

  afterEach(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    workers = [];
  });

  afterAll(async () => {
    await sut?.stop();
  });

  /** Two replicas on one database, as in production. */
  const startReplicas = (n = 2) => {
    workers = Array.from({ length: n }, (_, i) => newWorker(`replica-${i}`));
    for (const w of workers) w.start();
  };

  /** A ticket event as intake's outbox would write it, handed to the consumer. */
  const deliver = <C extends EventContract>(contract: C, ticketId: string, data: EventData<C>, id: string = randomUUID(), to: EventConsumer = consumer): Promise<ConsumeOutcome> =>
    to.consume(ticketEventMessage(clock, contract, ticketId, data, id));

  const created = (ticketId: string, level: 'emergency' | 'standard' | 'consulting' = 'standard', receivedAt = clock.now()) =>
    deliver(TicketCreatedV1, ticketId, {
      partnerId,
      sequence: 1,
      reference: 'TSS-01234-56789',
      channel: 'api',
      product: 'reader',
      level,
      subject: 'EPUB import fails',
      requester: { id: 'cust-1' },
      missingDetails: [],
      receivedAt: receivedAt.toISOString(),
    });
  const responded = (ticketId: string, sequence: number, at = clock.now()) =>
    deliver(TicketRespondedV1, ticketId, { partnerId, sequence, messageId: randomUUID(), respondedAt: at.toISOString(), authorId: 'agent-1' });

  const slaEvents = async (ticketId: string): Promise<({ type: string } & Record<string, unknown>)[]> =>
    (
      await sut.query<{ type: string; data: Record<string, unknown> }>(
        `SELECT event_type AS type, event->'data' AS data FROM sla_timer.outbox WHERE event->>'subject' = $1 ORDER BY position`,
        [ticketId],
      )
    ).map((e) => ({ type: e.type, ...e.data }));
  const types = async (ticketId: string) => (await slaEvents(ticketId)).map((e) => e.type);
  const clocksOf = (ticketId: string) =>
    sut.query<{ id: string; status: string; level: string; due_at: Date; stopped_at: Date | null; warnings_published: number[] }>(
      `SELECT id, status, level, due_at, stopped_at, warnings_published FROM sla_timer.response_clocks WHERE ticket_id = $1 ORDER BY started_at, created_at`,
      [ticketId],
    );
  const pendingTimers = async (clockId: string) =>
    (await sut.query<{ id: string }>(`SELECT id FROM sla_timer.timers WHERE id LIKE $1 AND status = 'pending' ORDER BY due_at`, [`sla:${clockId}:%`])).map((t) => t.id);

  it('docs/adr/0054: the clocks a claim locked are the clocks the driver reads, and lockMany sends no statement for them', async () => {
    const tickets = [randomUUID(), randomUUID()];
    for (const ticket of tickets) expect(await created(ticket, 'consulting')).toBe('handled');
    const ids = (await Promise.all(tickets.map(clocksOf))).map(([c]) => c.id);
    // A clock with everything set: a published warning and breach, a stop.
    await sut.query(
      `UPDATE sla_timer.response_clocks SET warnings_published = '[0.5]', breach_published_at = $2, stopped_at = $2, stop_reason = 'responded', responded_at = $2 WHERE id = $1`,
      [ids[1], new Date('2026-03-02T10:00:00.123Z')],
    );
    const read = await inTransaction(sut.host.dataSource, (tx) => responseClockStore.lockMany(tx, ids));
    const store = new TimerStore({ schema: SLA_SCHEMA, clock });
    const lock = clockClaimLock(CLOCK_TIMER_KINDS);
    const later = new Date(clock.now().getTime() + 400 * 24 * HOUR);
    const { fromClaim, sent } = await inTransaction(sut.host.dataSource, async (tx) => {
      const { timers, locked } = await store.fireDueAndLock(tx, { now: later, limit: 10, lock: (fired) => lock.sql(fired) });
      expect(timers.map((t) => t.id).sort()).toEqual(ids.map((id) => `sla:${id}:warn:0.5`).sort());
      lock.took(tx, locked);
      const statements: string[] = [];
      const query = tx.query.bind(tx);
      tx.query = (sql: string, parameters?: unknown[]) => {
        statements.push(sql);
        return query(sql, parameters);
      };
      const clocks = await responseClockStore.lockMany(tx, ids);
      // Rolled back: the timers stay pending for the other tests' clocks.
      throw Object.assign(new Error('roll back'), { result: { fromClaim: clocks, sent: statements } });
    }).catch((error: { result?: { fromClaim: Map<string, unknown>; sent: string[] } }) => {
      if (!error.result) throw error;
      return error.result;
    });
    expect(sent).toEqual([]);
    expect(fromClaim).toEqual(read);
    expect(fromClaim.size).toBe(2);
  });

  it('docs/adr/0060: clock ids are time-ordered (UUID version 7): clocks started one after another sort in that order', async () => {
    const tickets = [randomUUID(), randomUUID(), randomUUID()];
    for (const ticket of tickets) expect(await created(ticket, 'consulting')).toBe('handled');
    const ids = (await Promise.all(tickets.map(clocksOf))).map(([c]) => c.id);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
    // Their timers, keyed by the clock's id, sort the same way.
    const timers = (await Promise.all(ids.map(pendingTimers))).map(([t]) => t);
    expect([...timers].sort()).toEqual(timers);
  });

  it('P7: warnings at 50/75/90 %, the breach and the overdue notice fire in simulated time, each once, then nothing is pending', async () => {
    startReplicas();
    const ticket = randomUUID();
    expect(await created(ticket, 'emergency')).toBe('handled');
    const [c] = await clocksOf(ticket);
    // One pending timer per clock, the next milestone; firing it schedules the one after.
    expect(await pendingTimers(c.id)).toEqual([`sla:${c.id}:warn:0.5`]);
    clock.advanceMs(3 * HOUR);
    await waitFor('the 50 % warning', async () => (await types(ticket)).includes('sla.warning'));
    expect((await slaEvents(ticket)).find((e) => e.type === 'sla.warning')).toMatchObject({ threshold: 0.5, remainingMs: 3 * HOUR, late: false, latenessMs: 0 });
    expect(await pendingTimers(c.id)).toEqual([`sla:${c.id}:warn:0.75`]);
    const count = async (type: string) => (await types(ticket)).filter((t) => t === type).length;
    clock.advanceMs(1.5 * HOUR);
    await waitFor('the 75 % warning', async () => (await count('sla.warning')) === 2);
    clock.advanceMs(0.9 * HOUR);
    await waitFor('the 90 % warning', async () => (await count('sla.warning')) === 3);
    clock.advanceMs(0.6 * HOUR); // the due time
    await waitFor('the breach', async () => (await types(ticket)).includes('sla.breached'));
    clock.advanceMs(3 * HOUR); // 150 %: the overdue notice
    await waitFor('the overdue notice', async () => (await types(ticket)).includes('sla.overdue'));
    expect(await types(ticket)).toEqual(['sla.clock_started', 'sla.warning', 'sla.warning', 'sla.warning', 'sla.breached', 'sla.overdue']);
    expect((await slaEvents(ticket)).filter((e) => e.type === 'sla.warning').map((e) => e.threshold)).toEqual([0.5, 0.75, 0.9]);
    expect(await pendingTimers(c.id)).toEqual([]);
    expect((await clocksOf(ticket))[0]).toMatchObject({ status: 'breached', stopped_at: null, warnings_published: [0.5, 0.75, 0.9] });
    // A response after the breach ends the clock; the queue's projection hears sla.clock_cancelled.
    expect(await responded(ticket, 2)).toBe('handled');
    expect((await slaEvents(ticket)).at(-1)).toMatchObject({ type: 'sla.clock_cancelled', reason: 'responded_after_breach' });
  });

  it('a response in time meets the clock and cancels its timers in the same transaction; nothing fires later', async () => {
    startReplicas();
    const ticket = randomUUID();
    await created(ticket, 'standard');
    const [c] = await clocksOf(ticket);
    clock.advanceMs(7 * HOUR);
    await waitFor('the 50 % warning', async () => (await types(ticket)).includes('sla.warning'));
    await responded(ticket, 2);
    expect(await pendingTimers(c.id)).toEqual([]);
    clock.advanceMs(24 * HOUR);
    await Promise.all(workers.map((w) => w.runDue()));
    expect(await types(ticket)).toEqual(['sla.clock_started', 'sla.warning', 'sla.met']);
    expect((await slaEvents(ticket)).at(-1)).toMatchObject({ elapsedMs: 7 * HOUR, targetMs: 12 * HOUR, policyScope: 'default', policyVersion: 1 });
  });

  it('P5: reclassification re-targets from the original start and may breach at once; P10 a wait cancels', async () => {
    startReplicas();
    const ticket = randomUUID();
    await created(ticket, 'consulting');
    clock.advanceMs(7 * HOUR);
    await deliver(TicketLevelChangedV1, ticket, { partnerId, sequence: 2, from: 'consulting', to: 'emergency', confirmed: true, changedAt: clock.now().toISOString() });
    await waitFor('the breach at once', async () => (await types(ticket)).includes('sla.breached'));
    const events = await slaEvents(ticket);
    expect(events.map((e) => e.type)).toEqual(['sla.clock_started', 'sla.retargeted', 'sla.breached']);
    const started = events[0].startedAt as string;
    expect(events[1]).toMatchObject({ previousLevel: 'consulting', level: 'emergency', startedAt: started, dueAt: new Date(Date.parse(started) + 6 * HOUR).toISOString() });
    await deliver(TicketStatusChangedV1, ticket, { partnerId, sequence: 3, from: 'open', to: 'awaiting_customer', reason: 'cannot_reproduce', changedAt: clock.now().toISOString() });
    expect((await slaEvents(ticket)).at(-1)).toMatchObject({ type: 'sla.clock_cancelled', reason: 'awaiting_customer' });
    // P10: the requester answers; a new response is owed from their message.
    await deliver(TicketMessageReceivedV1, ticket, { partnerId, sequence: 4, messageId: randomUUID(), channel: 'api', receivedAt: clock.now().toISOString(), attachmentIds: [] });
    const clocks = await clocksOf(ticket);
    expect(clocks.map((x) => [x.level, x.status, x.stopped_at === null])).toEqual([
      ['emergency', 'breached', false],
      ['emergency', 'running', true],
    ]);
  });

  it('docs/adr/0030 addendum (third session): lowering the level after a breach moves the due time, not the breach; a later reply ends it breached, never met', async () => {
    startReplicas();
    const ticket = randomUUID();
    await created(ticket, 'standard');
    clock.advanceMs(12 * HOUR + 60_000);
    await waitFor('the breach', async () => (await types(ticket)).includes('sla.breached'));
    const published = (await slaEvents(ticket)).find((e) => e.type === 'sla.breached')?.breachedAt;
    await deliver(TicketLevelChangedV1, ticket, { partnerId, sequence: 2, from: 'standard', to: 'consulting', confirmed: true, changedAt: clock.now().toISOString() });
    const staff = sut.token({ kind: 'staff', sub: 'agent-1', roles: ['agent'], scope: 'tickets:read' });
    const view = await sut.http().get(`/v1/tickets/${ticket}/sla`).auth(staff, { type: 'bearer' });
    expect(view.status).toBe(200);
    expect(view.body.clocks[0]).toMatchObject({ level: 'consulting', status: 'breached', breachedAt: published, breachedLevel: 'standard' });
    expect(Date.parse(view.body.clocks[0].dueAt)).toBeGreaterThan(Date.parse(published as string));
    await responded(ticket, 3);
    await Promise.all(workers.map((w) => w.runDue()));
    expect((await types(ticket)).filter((t) => t !== 'sla.warning')).toEqual(['sla.clock_started', 'sla.breached', 'sla.retargeted', 'sla.clock_cancelled']);
    expect((await slaEvents(ticket)).at(-1)).toMatchObject({ reason: 'responded_after_breach' });
    expect((await clocksOf(ticket)).map((c) => c.status)).toEqual(['breached']);
  });

  it('docs/adr/0030 addendum (seventh session): the overdue notice of a clock lowered after its breach names the level and the due time that were missed', async () => {
    startReplicas();
    const ticket = randomUUID();
    await created(ticket, 'emergency');
    clock.advanceMs(6 * HOUR + 60_000);
    await waitFor('the breach', async () => (await types(ticket)).includes('sla.breached'));
    const breach = (await slaEvents(ticket)).find((e) => e.type === 'sla.breached');
    await deliver(TicketLevelChangedV1, ticket, { partnerId, sequence: 2, from: 'emergency', to: 'standard', confirmed: true, changedAt: clock.now().toISOString() });
    clock.advanceMs(3 * HOUR); // 9 h: the emergency's overdue point (150 % of 6 h); standard's due time (12 h) is still ahead
    await waitFor('the overdue notice', async () => (await types(ticket)).includes('sla.overdue'));
    const overdue = (await slaEvents(ticket)).find((e) => e.type === 'sla.overdue');
    expect(overdue).toMatchObject({ level: 'emergency', dueAt: breach?.breachedAt, overdueMs: 3 * HOUR + 60_000 });
  });

  it('docs/adr/0066, addendum of 2026-12-05: each sla event names the ticket event it follows (ticketSequence): its cause, or for a breach, a warning or an overdue notice its clock’s start or re-target', async () => {
    const worker = newWorker('ticket-sequence');
    const ticket = randomUUID();
    expect(await created(ticket, 'emergency')).toBe('handled');
    clock.advanceMs(3 * HOUR);
    expect(await worker.runDue()).toBe(1); // the 50 % warning of 6 h
    await deliver(TicketLevelChangedV1, ticket, { partnerId, sequence: 2, from: 'emergency', to: 'standard', confirmed: true, changedAt: clock.now().toISOString() });
    // An event that changes no clock moves the ticket's sequence, not the clock's.
    await deliver(TicketAcceptedV1, ticket, { partnerId, sequence: 3, acceptedAt: clock.now().toISOString(), via: 'api' });
    clock.advanceMs(6.5 * HOUR);
    expect(await worker.runDue()).toBe(1); // the 75 % warning of 12 h, from the original start (50 % was published already)
    // Past the due time with no timer run: the response finds the breach, then ends the clock.
    clock.advanceMs(3 * HOUR);
    expect(await responded(ticket, 4)).toBe('handled');
    expect((await slaEvents(ticket)).map((e) => [e.type, e.ticketSequence])).toEqual([
      ['sla.clock_started', 1],
      ['sla.warning', 1],
      ['sla.retargeted', 2],
      ['sla.warning', 2],
      ['sla.breached', 2],
      ['sla.clock_cancelled', 4],
    ]);

    const metInTime = randomUUID();
    await created(metInTime, 'standard');
    await responded(metInTime, 2);
    expect((await slaEvents(metInTime)).map((e) => [e.type, e.ticketSequence])).toEqual([
      ['sla.clock_started', 1],
      ['sla.met', 2],
    ]);

    // A clock started before the sequence was kept: its events name none, as before.
    const older = randomUUID();
    await created(older, 'emergency');
    await sut.query(`UPDATE sla_timer.response_clocks SET ticket_sequence = NULL WHERE ticket_id = $1`, [older]);
    clock.advanceMs(3 * HOUR);
    expect(await worker.runDue()).toBeGreaterThanOrEqual(1);
    const warning = (await slaEvents(older)).find((e) => e.type === 'sla.warning');
    expect(warning).toBeDefined();
    expect(warning).not.toHaveProperty('ticketSequence');
  });

  it('DESIGN "Order": ticket.responded before ticket.created answers NotYet and applies once created arrives; duplicates change nothing', async () => {
    const ticket = randomUUID();
    const receivedAt = clock.now();
    const respondedAt = new Date(receivedAt.getTime() + HOUR);
    const early = responded(ticket, 2, respondedAt); // retried (NotYet) until its predecessor is applied
    const gap = deliver(TicketAcceptedV1, ticket, { partnerId, sequence: 4, acceptedAt: receivedAt.toISOString(), via: 'api' });
    expect(await created(ticket, 'standard', receivedAt)).toBe('handled');
    expect(await early).toBe('handled');
    expect(await types(ticket)).toEqual(['sla.clock_started', 'sla.met']);
    // Sequence 4 waits for 3: once 3 arrives, both apply.
    await deliver(TicketAcceptedV1, ticket, { partnerId, sequence: 3, acceptedAt: receivedAt.toISOString(), via: 'api' });
    expect(await gap).toBe('handled');
    expect((await sut.query<{ last_sequence: number }>(`SELECT last_sequence FROM sla_timer.tickets WHERE ticket_id = $1`, [ticket]))[0].last_sequence).toBe(4);
    // The same event again (inbox), or the same sequence under another id (a replay): nothing changes.
    clock.advanceMs(HOUR);
    const id = randomUUID();
    await deliver(TicketMessageReceivedV1, ticket, { partnerId, sequence: 5, messageId: randomUUID(), channel: 'api', receivedAt: clock.now().toISOString(), attachmentIds: [] }, id);
    expect(await deliver(TicketMessageReceivedV1, ticket, { partnerId, sequence: 5, messageId: randomUUID(), channel: 'api', receivedAt: clock.now().toISOString(), attachmentIds: [] }, id)).toBe('duplicate');
    expect(await created(ticket)).toBe('handled');
    expect(await responded(ticket, 2)).toBe('handled');
    expect(await types(ticket)).toEqual(['sla.clock_started', 'sla.met', 'sla.clock_started']);
    expect((await clocksOf(ticket)).map((x) => x.status)).toEqual(['met', 'running']);
  });

  it('replicas racing: three workers on one database publish each warning and breach of 60 clocks exactly once', async () => {
    startReplicas(3);
    const tickets = Array.from({ length: 60 }, () => randomUUID());
    for (const t of tickets) await created(t, 'emergency');
    const counted = () =>
      sut.query<{ type: string; n: number; clocks: number }>(
        `SELECT event_type AS type, count(*)::int AS n, count(DISTINCT event->'data'->>'clockId')::int AS clocks
           FROM sla_timer.outbox WHERE event->>'subject' = ANY($1) GROUP BY event_type ORDER BY event_type`,
        [tickets],
      );
    const count = async (type: string) => (await counted()).find((r) => r.type === type)?.n ?? 0;
    // A step to each milestone: a warning whose higher one is past when it fires is skipped, not published (docs/adr/0030).
    clock.advanceMs(3 * HOUR); // 50 % of 6 h
    await waitFor('60 warnings', async () => (await count('sla.warning')) === 60, { timeoutMs: 30_000 });
    clock.advanceMs(1.5 * HOUR); // 75 %
    await waitFor('120 warnings', async () => (await count('sla.warning')) === 120, { timeoutMs: 30_000 });
    clock.advanceMs(0.9 * HOUR); // 90 %
    await waitFor('180 warnings', async () => (await count('sla.warning')) === 180, { timeoutMs: 30_000 });
    clock.advanceMs(4.6 * HOUR); // the breach (6 h) and the overdue notice (9 h)
    await waitFor('every overdue notice', async () => (await count('sla.overdue')) === 60, { timeoutMs: 30_000 });
    await Promise.all(workers.map((w) => w.runDue()));
    expect(await counted()).toEqual([
      { type: 'sla.breached', n: 60, clocks: 60 },
      { type: 'sla.clock_started', n: 60, clocks: 60 },
      { type: 'sla.overdue', n: 60, clocks: 60 },
      { type: 'sla.warning', n: 180, clocks: 60 },
    ]);
  });

  it('timers firing while responses stop the same clocks: no deadlock or retry, every clock met once, no breach after it', async () => {
    const capture = logCapture();
    const watched = pino({ level: 'debug' }, capture.stream);
    workers = [0, 1].map(
      (i) => new TimerWorker({ dataSource: sut.host.dataSource, schema: SLA_SCHEMA, clock, logger: watched, owner: `racer-${i}`, handlers: {}, batchHandlers: clockTimerBatchHandlers({ outbox: sut.host.outbox, clock, timers: new TimerStore({ schema: SLA_SCHEMA, clock }) }) }),
    );
    for (const w of workers) w.start();
    const tickets = Array.from({ length: 40 }, () => randomUUID());
    for (const t of tickets) await created(t, 'emergency');
    const dueAt = new Date(clock.now().getTime() + 6 * HOUR);
    clock.set(dueAt); // every warning and breach is due now, while the answers (given 1 ms before) arrive
    const outcomes = await Promise.all(tickets.map((t) => responded(t, 2, new Date(dueAt.getTime() - 1))));
    expect(outcomes.every((o) => o === 'handled')).toBe(true);
    await Promise.all(workers.map((w) => w.runDue()));
    const rows = await sut.query<{ subject: string; types: string[] }>(
      `SELECT event->>'subject' AS subject, array_agg(event_type ORDER BY position) AS types FROM sla_timer.outbox WHERE event->>'subject' = ANY($1) GROUP BY 1`,
      [tickets],
    );
    for (const { types: seq } of rows) {
      expect(seq.filter((t) => t === 'sla.met')).toHaveLength(1);
      expect(seq.filter((t) => t === 'sla.breached').length).toBeLessThanOrEqual(1);
      expect(seq.slice(seq.indexOf('sla.met') + 1)).toEqual([]);
    }
    const statuses = await sut.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM sla_timer.response_clocks WHERE ticket_id = ANY($1) GROUP BY status`, [tickets]);
    expect(statuses).toEqual([{ status: 'met', n: 40 }]);
    expect(capture.lines.filter((l) => /failed|deadlock/i.test(String(l.msg)) || JSON.stringify(l).includes('40P01'))).toEqual([]);
  });

  it('downtime catch-up: timers that came due while no worker ran fire at start-up, marked late with their lateness', async () => {
    const ticket = randomUUID();
    await created(ticket, 'emergency');
    clock.advanceMs(2 * 24 * HOUR); // two days down
    startReplicas(1);
    await waitFor('the catch-up', async () => (await types(ticket)).includes('sla.overdue'));
    await Promise.all(workers.map((w) => w.runDue()));
    const events = await slaEvents(ticket);
    // The pending timer (50 %) fired with the breach already past: skipped, as the other warnings
    // are (docs/adr/0030: none once the breach is past); then the breach and the overdue notice.
    const [c] = await clocksOf(ticket);
    // Each fired timer was deleted as it fired (docs/adr/0059): none of the clock's is left.
    expect(await sut.query(`SELECT id, status FROM sla_timer.timers WHERE id LIKE $1`, [`sla:${c.id}:%`])).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(['sla.clock_started', 'sla.breached', 'sla.overdue']);
    expect((await sut.query(`SELECT warnings_published, warnings_skipped FROM sla_timer.response_clocks WHERE id = $1`, [c.id]))[0]).toEqual({ warnings_published: [], warnings_skipped: [0.5, 0.75, 0.9] });
    expect(events.find((e) => e.type === 'sla.breached')).toMatchObject({ late: true, latenessMs: 42 * HOUR });
    expect(events.find((e) => e.type === 'sla.overdue')).toMatchObject({ late: true, latenessMs: 39 * HOUR, overdueMs: 42 * HOUR });
  });

  it('batch firing: 250 clocks coming due in one tick fire in three transactions of a few statements each, each once, next timers scheduled', async () => {
    const tickets = Array.from({ length: 250 }, () => randomUUID());
    for (const t of tickets) await created(t, 'emergency');
    let transactions = 0;
    let statements = 0;
    const counted = new TimerWorker({
      dataSource: sut.host.dataSource,
      schema: SLA_SCHEMA,
      clock,
      logger,
      owner: 'batcher',
      batchSize: 100,
      handlers: {},
      batchHandlers: clockTimerBatchHandlers({ outbox: sut.host.outbox, clock, timers: new TimerStore({ schema: SLA_SCHEMA, clock }) }),
      runInTransaction: (work) =>
        inTransaction(sut.host.dataSource, (tx) => {
          transactions += 1;
          const watched = new Proxy(tx, {
            get: (target, property) =>
              property === 'query'
                ? (...args: Parameters<typeof tx.query>) => {
                    statements += 1;
                    return target.query(...args);
                  }
                : Reflect.get(target, property),
          });
          return work(watched);
        }),
    });
    clock.advanceMs(3 * HOUR); // every clock's 50 % warning, all due at the same instant
    expect(await counted.runDue()).toBeGreaterThanOrEqual(250);
    const warnings = await sut.query<{ n: number; clocks: number; late: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT event->'data'->>'clockId')::int AS clocks, count(*) FILTER (WHERE (event->'data'->>'late')::boolean)::int AS late
         FROM sla_timer.outbox WHERE event_type = 'sla.warning' AND event->>'subject' = ANY($1)`,
      [tickets],
    );
    expect(warnings).toEqual([{ n: 250, clocks: 250, late: 0 }]);
    // Batches of 100: 100, 100, 50 (and the clocks of earlier tests' timers due now, if any).
    expect(transactions).toBeLessThanOrEqual(4);
    // Per batch: the claim, one lock of the clocks, one statement updating the clocks with their
    // events and next timers (docs/adr/0051; a handler a timer at a time took four per timer).
    expect(statements / transactions).toBeLessThanOrEqual(3);
    const next = await sut.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sla_timer.timers t JOIN sla_timer.response_clocks c ON t.id = 'sla:' || c.id || ':warn:0.75'
        WHERE t.status = 'pending' AND c.ticket_id = ANY($1)`,
      [tickets],
    );
    expect(next).toEqual([{ n: 250 }]);
    // Nothing more is due: running again fires none of them twice.
    await counted.runDue();
    expect((await sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM sla_timer.outbox WHERE event_type = 'sla.warning' AND event->>'subject' = ANY($1)`, [tickets]))[0].n).toBe(250);
  });

  // Last: the agreement applies to this suite's partner from here on.
  it('partner overrides: a clock keeps the policy version it started under, re-targets included; new clocks take the new agreement', async () => {
    startReplicas();
    const ticket = randomUUID();
    await created(ticket, 'consulting'); // under the default policy, version 1: 24 h
    const standardBefore = randomUUID();
    await created(standardBefore, 'standard');
    const admin = sut.token({ kind: 'staff', sub: 'admin-1', roles: ['admin'], scope: 'admin tickets:read queue:read reports:read' });
    // The partner's agreement: standard in 2 h, emergency in 1 h, warnings at 80 % only, overdue at 200 %.
    const agreement = {
      ...DEFAULT_POLICY,
      levels: { ...DEFAULT_POLICY.levels, standard: { targetMs: 2 * HOUR, phoneSupport: true }, emergency: { targetMs: HOUR, phoneSupport: true } },
      warningAt: [0.8],
      overdueAt: 2,
    };
    // Agreements name partners the gateway registered (docs/adr/0031, addendum of 2026-12-04, fourth session).
    await gatewayPartners(sut, clock).registered(partnerId);
    const put = await sut.http().put(`/v1/partners/${partnerId}/sla-policy`).auth(admin, { type: 'bearer' }).send(agreement);
    expect(put.status).toBe(200);
    clock.advanceMs(HOUR);
    await deliver(TicketLevelChangedV1, ticket, { partnerId, sequence: 2, from: 'consulting', to: 'standard', confirmed: true, changedAt: clock.now().toISOString() });
    const retargeted = (await slaEvents(ticket)).find((e) => e.type === 'sla.retargeted')!;
    // Version 1's standard (12 h), not the agreement's 2 h.
    expect(retargeted).toMatchObject({ policyScope: 'default', policyVersion: 1, targetMs: 12 * HOUR });
    await responded(ticket, 3);
    await deliver(TicketMessageReceivedV1, ticket, { partnerId, sequence: 4, messageId: randomUUID(), channel: 'api', receivedAt: clock.now().toISOString(), attachmentIds: [] });
    const second = (await slaEvents(ticket)).filter((e) => e.type === 'sla.clock_started')[1];
    expect(second).toMatchObject({ policyScope: partnerId, policyVersion: 1, level: 'standard', targetMs: 2 * HOUR });
    // P12: phone support as the clock's agreement has it at the clock's level: the default's
    // (consulting yes, standard no) for the clocks started before the agreement, the agreement's after.
    const first = (await slaEvents(ticket)).filter((e) => e.type === 'sla.clock_started')[0];
    expect(first).toMatchObject({ level: 'consulting', policyScope: 'default', phoneSupport: true });
    expect((await slaEvents(standardBefore))[0]).toMatchObject({ type: 'sla.clock_started', level: 'standard', policyScope: 'default', phoneSupport: false });
    expect(second).toMatchObject({ phoneSupport: true });
    const [, c2] = await clocksOf(ticket);
    expect(await pendingTimers(c2.id)).toEqual([`sla:${c2.id}:warn:0.8`]);
    clock.advanceMs(1.6 * HOUR);
    await waitFor('the 80 % warning under the agreement', async () => (await types(ticket)).includes('sla.warning'));
    clock.advanceMs(0.4 * HOUR);
    await waitFor('the breach under the agreement', async () => (await types(ticket)).includes('sla.breached'));
    expect((await slaEvents(ticket)).filter((e) => e.type === 'sla.warning')).toEqual([expect.objectContaining({ threshold: 0.8, policyScope: partnerId })]);
    // P12: a re-target says whether the clock's agreement has phone support at the new level
    // (escalation's call-back on a raise to emergency): the default's standard has none, the agreement's emergency has.
    expect(retargeted).toMatchObject({ level: 'standard', phoneSupport: false });
    await deliver(TicketLevelChangedV1, ticket, { partnerId, sequence: 5, from: 'standard', to: 'emergency', confirmed: true, changedAt: clock.now().toISOString() });
    expect((await slaEvents(ticket)).filter((e) => e.type === 'sla.retargeted').at(-1)).toMatchObject({ level: 'emergency', previousLevel: 'standard', policyScope: partnerId, phoneSupport: true });
  });

  it('docs/adr/0031 addendum: an agreement stored before its calendar was checked still gives its tickets clocks, 24/7 where the calendar cannot count, with a warning', async () => {
    const DAY = 24 * HOUR;
    // A partner the gateway registered (the migration counts partners with agreements stored before it as known).
    const stuck = await gatewayPartners(sut, clock).registered();
    // The outside repro's agreement, written as the PUT stored it before validation refused it.
    const sparse: SlaPolicy = {
      ...DEFAULT_POLICY,
      levels: { ...DEFAULT_POLICY.levels, standard: { targetMs: 90 * DAY, phoneSupport: false } },
      calendar: { timeZone: 'Europe/Berlin', week: { 1: [{ from: '09:00', to: '09:01' }] }, holidays: [] },
    };
    await sut.host.unitOfWork.run((tx) => policyStore.append(tx, stuck, sparse, { at: clock.now(), by: 'admin-1' }));
    const capture = logCapture();
    const watched = ticketConsumer(pino({ level: 'warn' }, capture.stream));
    const ticket = randomUUID();
    const receivedAt = clock.now();
    const outcome = await deliver(
      TicketCreatedV1,
      ticket,
      { partnerId: stuck, sequence: 1, reference: 'TSS-01234-56790', channel: 'api', product: 'reader', level: 'standard', subject: 'EPUB import fails', requester: { id: 'cust-1' }, missingDetails: [], receivedAt: receivedAt.toISOString() },
      randomUUID(),
      watched,
    );
    expect(outcome).toBe('handled');
    const [started] = await clocksOf(ticket);
    // Counted in calendar time, where the agreement's own 90 days give way to the rules' 12 hours
    // (P5; docs/adr/0031, addendum of 2026-12-04, sixth session).
    expect(started.due_at).toEqual(new Date(receivedAt.getTime() + 12 * HOUR));
    expect((await slaEvents(ticket))[0]).toMatchObject({ type: 'sla.clock_started', policyScope: stuck, policyVersion: 1, targetMs: 12 * HOUR, dueAt: new Date(receivedAt.getTime() + 12 * HOUR).toISOString() });
    expect(capture.lines).toEqual([expect.objectContaining({ level: 40, serviceLevel: 'standard', clockId: started.id, ticketId: ticket, policyScope: stuck, policyVersion: 1, msg: expect.stringContaining('calendar time (24/7)') })]);

    // Its later events apply in order, not parked behind a dead letter: a level the calendar can count is counted on it.
    expect(await deliver(TicketAcceptedV1, ticket, { partnerId: stuck, sequence: 2, acceptedAt: clock.now().toISOString(), via: 'api' }, randomUUID(), watched)).toBe('handled');
    expect(await deliver(TicketLevelChangedV1, ticket, { partnerId: stuck, sequence: 3, from: 'standard', to: 'emergency', confirmed: true, changedAt: clock.now().toISOString() }, randomUUID(), watched)).toBe('handled');
    const onCalendar = exactScheduleFor(sparse, 'emergency', receivedAt);
    expect(onCalendar.ok).toBe(true);
    expect((await clocksOf(ticket))[0]).toMatchObject({ level: 'emergency', due_at: onCalendar.ok ? onCalendar.value.dueAt : undefined });
    expect(capture.lines).toHaveLength(1);

    // The preview of the stored terms shows what its clocks run on, and says the calendar was set aside.
    const admin = sut.token({ kind: 'staff', sub: 'admin-1', roles: ['admin'], scope: 'admin tickets:read queue:read reports:read' });
    const previewed = await sut.http().post('/v1/sla/preview').auth(admin, { type: 'bearer' }).send({ level: 'standard', startedAt: receivedAt.toISOString(), partnerId: stuck });
    expect(previewed.status).toBe(200);
    expect(previewed.body).toMatchObject({ basedOn: { scope: stuck, version: 1 }, dueAt: new Date(receivedAt.getTime() + 12 * HOUR).toISOString(), dueBy: 'rules_maximum', calendarFallback: true });
  });
  it('docs/adr/0031 addendum (third session): on a calendar agreement, elapsed and remaining time are business time, as the target is (GET …/sla, sla.warning, sla.met)', async () => {
    startReplicas();
    const weekdays = randomUUID();
    const WITH_LUNCH = [{ from: '09:00', to: '12:00' }, { from: '13:00', to: '17:00' }];
    const agreement: SlaPolicy = {
      ...DEFAULT_POLICY,
      levels: { ...DEFAULT_POLICY.levels, emergency: { targetMs: 4 * HOUR, phoneSupport: true } },
      warningAt: [0.5, 0.75],
      calendar: { timeZone: 'UTC', week: { 1: WITH_LUNCH, 2: WITH_LUNCH, 3: WITH_LUNCH, 4: WITH_LUNCH, 5: WITH_LUNCH }, holidays: [] },
    };
    await sut.host.unitOfWork.run((tx) => policyStore.append(tx, weekdays, agreement, { at: clock.now(), by: 'admin-1' }));
    // Monday 10:00: 2 business hours before lunch, the other 2 after it (due 15:00, within the rules' 6 h).
    clock.set('2026-06-08T10:00:00.000Z');
    const ticket = randomUUID();
    await deliver(TicketCreatedV1, ticket, {
      partnerId: weekdays, sequence: 1, reference: 'TSS-01234-56791', channel: 'api', product: 'reader', level: 'emergency',
      subject: 'EPUB import fails', requester: { id: 'cust-1' }, missingDetails: [], receivedAt: clock.now().toISOString(),
    });
    expect((await clocksOf(ticket))[0].due_at).toEqual(new Date('2026-06-08T15:00:00.000Z'));
    clock.set('2026-06-08T12:00:00.000Z');
    await waitFor('the 50 % warning', async () => (await types(ticket)).includes('sla.warning'));
    expect((await slaEvents(ticket)).find((e) => e.type === 'sla.warning')).toMatchObject({ threshold: 0.5, remainingMs: 2 * HOUR });

    clock.set('2026-06-08T12:30:00.000Z'); // lunch: closed
    const staff = sut.token({ kind: 'staff', sub: 'agent-1', roles: ['agent'], scope: 'tickets:read' });
    const view = await sut.http().get(`/v1/tickets/${ticket}/sla`).auth(staff, { type: 'bearer' });
    expect(view.status).toBe(200);
    expect(view.body.clocks[0]).toMatchObject({ status: 'running', targetMs: 4 * HOUR, elapsedMs: 2 * HOUR, remainingMs: 2 * HOUR });

    clock.set('2026-06-08T13:30:00.000Z'); // after lunch, before the 75 % warning at 14:00
    await deliver(TicketRespondedV1, ticket, { partnerId: weekdays, sequence: 2, messageId: randomUUID(), respondedAt: clock.now().toISOString(), authorId: 'agent-1' });
    expect((await slaEvents(ticket)).at(-1)).toMatchObject({ type: 'sla.met', elapsedMs: 2.5 * HOUR, targetMs: 4 * HOUR });
    // A token minted at the clock's new time (the one above may have expired).
    const ended = await sut.http().get(`/v1/tickets/${ticket}/sla`).auth(sut.token({ kind: 'staff', sub: 'agent-1', roles: ['agent'], scope: 'tickets:read' }), { type: 'bearer' });
    expect(ended.status).toBe(200);
    expect(ended.body.clocks[0]).toMatchObject({ status: 'met', elapsedMs: 2.5 * HOUR });
  });
});
