import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import { TicketAcceptedV1, TicketCreatedV1, TicketRespondedV1, type EventContract, type EventData } from '@tss/contracts';
import { EventConsumer, InProcessTransport, NotYet, TransactionWrites, UnitOfWork, type InboundMessage } from '@tss/messaging';
import { inTransaction } from '@tss/persistence';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { TimerStore } from '@tss/timers';
import { DEFAULT_POLICY } from '../../src/domain/sla-policy';
import { ticketEventHandlers } from '../../src/events/ticket-events.handlers';
import { policyStore } from '../../src/store/policy.store';
import { SLA_SCHEMA } from '../../src/store/response-clock.store';
import { applyTicketCreated, applyTicketEvent, type ClockDeps } from '../../src/use-cases/apply-ticket-event';
import { ticketEventMessage } from './support/ticket-event-message';
import { withoutWorker } from './support/clock-pipeline';

const HOUR = 3_600_000;
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** Every statement a transaction sends, in order. */
const recorded = (tx: EntityManager, log: string[]): EntityManager =>
  new Proxy(tx, {
    get: (target, property) =>
      property === 'query'
        ? (sql: string, params?: unknown[]) => {
            log.push(sql.replace(/\s+/g, ' ').trim());
            return target.query(sql, params);
          }
        : Reflect.get(target, property),
  });

/** A unit of work whose transactions record their statements: what a consumer's batch sends. */
class RecordingUnitOfWork extends UnitOfWork {
  readonly log: string[] = [];
  transactions = 0;
  constructor(dataSource: DataSource) {
    super(dataSource);
  }
  override run<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return super.run((tx) => {
      this.transactions += 1;
      return work(recorded(tx, this.log));
    });
  }
}

describe('sla-timer statements per ticket event (issues #11, #15, docs/adr/0046)', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  let sut: ServiceUnderTest;
  let deps: ClockDeps;

  beforeAll(async () => {
    sut = await startServiceUnderTest(withoutWorker, { clock });
    deps = { outbox: sut.host.outbox, timers: new TimerStore({ schema: SLA_SCHEMA, clock }) };
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const createdData = (partnerId: string): EventData<typeof TicketCreatedV1> => ({
    partnerId,
    sequence: 1,
    reference: 'TSS-01234-56789',
    channel: 'api',
    product: 'reader',
    level: 'standard',
    subject: 'EPUB import fails',
    requester: { id: 'cust-1' },
    missingDetails: [],
    receivedAt: clock.now().toISOString(),
  });

  /** A ticket event as intake's outbox would write it. */
  const message = <C extends EventContract>(contract: C, ticketId: string, data: EventData<C>): InboundMessage => ticketEventMessage(clock, contract, ticketId, data);

  const create = (tx: EntityManager, ticketId: string, partnerId: string) =>
    applyTicketCreated(tx, deps, { ticketId, partnerId, reference: 'TSS-01234-56789', requesterId: 'cust-1', product: 'reader', level: 'standard', receivedAt: clock.now(), sequence: 1 }, clock.now());
  const other = (tx: EntityManager, ticketId: string, partnerId: string, sequence: number) => applyTicketEvent(tx, deps, { ticketId, partnerId, sequence, fact: { kind: 'other' } }, clock.now());
  /** The tickets' clocks, in the order of `ticketIds`. */
  const clocksOf = async (ticketIds: string[]) =>
    (
      await sut.query<{ ticket_id: string; policy_scope: string; policy_version: number; target_ms: string }>(
        `SELECT ticket_id, policy_scope, policy_version, target_ms FROM sla_timer.response_clocks WHERE ticket_id = ANY($1)`,
        [ticketIds],
      )
    ).sort((a, b) => ticketIds.indexOf(a.ticket_id) - ticketIds.indexOf(b.ticket_id));
  const count = (log: readonly string[], pattern: RegExp) => log.filter((sql) => pattern.test(sql)).length;
  /** sla-timer's ticket-event consumer as the service runs it, over `unitOfWork`. */
  const consumerOf = (group: string, unitOfWork: UnitOfWork, retries: Pick<ConstructorParameters<typeof EventConsumer>[0], 'retryBaseMs' | 'maxRetryDelayMs' | 'notYetMaxWaitMs'> = {}) =>
    new EventConsumer({ group, schema: SLA_SCHEMA, transport: new InProcessTransport(), unitOfWork, outbox: sut.host.outbox, clock, logger, bindings: ticketEventHandlers(deps), ...retries });

  it('a consumed batch of ticket.created reads the SLA terms once, schedules each first timer and cancels none', async () => {
    const partnerId = randomUUID();
    const unitOfWork = new RecordingUnitOfWork(sut.host.dataSource);
    const consumer = consumerOf('sla-timer-statements', unitOfWork);
    const tickets = Array.from({ length: 20 }, () => randomUUID());
    let handled = 0;
    await consumer.consumeBatch(
      tickets.map((t) => message(TicketCreatedV1, t, createdData(partnerId))),
      { handled: (n) => (handled = n), isRunning: () => true, heartbeat: async () => undefined },
    );
    expect(handled).toBe(20);
    const { log } = unitOfWork;
    expect(unitOfWork.transactions).toBe(1);
    expect(count(log, /sla_policies/)).toBe(1);
    expect(count(log, /DELETE FROM "sla_timer"\.timers/)).toBe(0);
    // Per ticket.created one statement: the ticket, its clock and the clock's first timer; per
    // batch the consumer's own two (the key locks; the parking check with the inbox rows), the
    // policy read and every sla.clock_started in the outbox.
    const opening = log.filter((sql) => /INSERT INTO "sla_timer"\.tickets/.test(sql));
    expect(opening).toHaveLength(20);
    expect(opening.every((sql) => /INSERT INTO "sla_timer"\.response_clocks/.test(sql) && /INSERT INTO "sla_timer"\.timers/.test(sql))).toBe(true);
    expect(count(log, /INSERT INTO "sla_timer"\.outbox/)).toBe(1);
    expect(log).toHaveLength(20 + 4);
    // In the order of the batch's events.
    const started = await sut.query<{ message_key: string }>(`SELECT message_key FROM sla_timer.outbox WHERE event_type = 'sla.clock_started' AND message_key = ANY($1) ORDER BY position`, [tickets]);
    expect(started.map((r) => r.message_key)).toEqual(tickets);
    expect(await clocksOf(tickets)).toHaveLength(20);
    const pending = await sut.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sla_timer.timers t JOIN sla_timer.response_clocks c ON t.id = 'sla:' || c.id || ':warn:0.5' WHERE t.status = 'pending' AND c.ticket_id = ANY($1)`,
      [tickets],
    );
    expect(pending).toEqual([{ n: 20 }]);
  });

  it('tickets received at different instants read the newest terms once; only one received before the newest version reads the terms in force then (docs/adr/0031, fifth session)', async () => {
    const partnerId = randomUUID();
    const agreement = { ...DEFAULT_POLICY, levels: { ...DEFAULT_POLICY.levels, emergency: { targetMs: HOUR, phoneSupport: true }, standard: { targetMs: 2 * HOUR, phoneSupport: true } } };
    const storedAt = clock.now();
    await inTransaction(sut.host.dataSource, (put) => policyStore.append(put, partnerId, agreement, { at: storedAt, by: 'admin-1' }));
    const tickets = Array.from({ length: 5 }, () => randomUUID());
    const early = randomUUID();
    const log: string[] = [];
    await inTransaction(sut.host.dataSource, async (raw) => {
      const tx = recorded(raw, log);
      for (const [i, ticketId] of tickets.entries()) {
        const receivedAt = new Date(storedAt.getTime() + i * 1_000);
        await applyTicketCreated(tx, deps, { ticketId, partnerId, reference: 'TSS-01234-56789', requesterId: 'cust-1', product: 'reader', level: 'standard', receivedAt, sequence: 1 }, clock.now());
      }
      const receivedAt = new Date(storedAt.getTime() - 1_000);
      await applyTicketCreated(tx, deps, { ticketId: early, partnerId, reference: 'TSS-01234-56789', requesterId: 'cust-1', product: 'reader', level: 'standard', receivedAt, sequence: 1 }, clock.now());
    });
    expect(count(log, /sla_policies/)).toBe(2);
    expect((await clocksOf(tickets)).map((c) => c.policy_scope)).toEqual(tickets.map(() => partnerId));
    expect(await clocksOf([early])).toEqual([{ ticket_id: early, policy_scope: 'default', policy_version: 1, target_ms: String(12 * HOUR) }]);
  });

  it('ticket.created again under another event id (a replay) writes nothing: one ticket, one clock, one pending timer', async () => {
    const partnerId = randomUUID();
    const ticketId = randomUUID();
    expect(await inTransaction(sut.host.dataSource, (tx) => create(tx, ticketId, partnerId))).toBe('applied');
    const log: string[] = [];
    expect(await inTransaction(sut.host.dataSource, (tx) => create(recorded(tx, log), ticketId, partnerId))).toBe('duplicate');
    expect(count(log, /INSERT INTO "sla_timer"\.outbox/)).toBe(0);
    const clocks = await sut.query<{ id: string }>(`SELECT id FROM sla_timer.response_clocks WHERE ticket_id = $1`, [ticketId]);
    expect(clocks).toHaveLength(1);
    expect(await sut.query(`SELECT id FROM sla_timer.timers WHERE id LIKE $1 AND status = 'pending'`, [`sla:${clocks[0].id}:%`])).toEqual([{ id: `sla:${clocks[0].id}:warn:0.5` }]);
    expect(await sut.query(`SELECT count(*)::int AS n FROM sla_timer.outbox WHERE event->>'subject' = $1`, [ticketId])).toEqual([{ n: 1 }]);
  });

  it('a stopped clock cancels its timers in one statement', async () => {
    const partnerId = randomUUID();
    const ticketId = randomUUID();
    await inTransaction(sut.host.dataSource, (tx) => create(tx, ticketId, partnerId));
    const log: string[] = [];
    const outcome = await inTransaction(sut.host.dataSource, (tx) =>
      applyTicketEvent(recorded(tx, log), deps, { ticketId, partnerId, sequence: 2, fact: { kind: 'responded', at: clock.now() } }, clock.now()),
    );
    expect(outcome).toBe('applied');
    expect(count(log, /DELETE FROM "sla_timer"\.timers/)).toBe(1);
    const [c] = await sut.query<{ id: string; status: string }>(`SELECT id, status FROM sla_timer.response_clocks WHERE ticket_id = $1`, [ticketId]);
    expect(c.status).toBe('met');
    expect(await sut.query(`SELECT id FROM sla_timer.timers WHERE id LIKE $1 AND status = 'pending'`, [`sla:${c.id}:%`])).toEqual([]);
  });

  it('DESIGN "Order": the next "other" event (accepted, assigned, …) is one statement; duplicates, gaps, unknown tickets and other partners are still told apart', async () => {
    const partnerId = randomUUID();
    const ticketId = randomUUID();
    await inTransaction(sut.host.dataSource, (tx) => create(tx, ticketId, partnerId));
    const log: string[] = [];
    expect(await inTransaction(sut.host.dataSource, (tx) => other(recorded(tx, log), ticketId, partnerId, 2))).toBe('applied');
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(/^UPDATE "sla_timer"\.tickets SET last_sequence/);
    // Applied twice (a replay under another event id): a duplicate, nothing changes.
    expect(await inTransaction(sut.host.dataSource, (tx) => other(tx, ticketId, partnerId, 2))).toBe('duplicate');
    // A gap: 4 waits for 3.
    await expect(inTransaction(sut.host.dataSource, (tx) => other(tx, ticketId, partnerId, 4))).rejects.toBeInstanceOf(NotYet);
    // Not known here yet, or another partner's event naming this ticket: not yet (tenancy).
    await expect(inTransaction(sut.host.dataSource, (tx) => other(tx, randomUUID(), partnerId, 2))).rejects.toBeInstanceOf(NotYet);
    await expect(inTransaction(sut.host.dataSource, (tx) => other(tx, ticketId, randomUUID(), 3))).rejects.toBeInstanceOf(NotYet);
    expect(await inTransaction(sut.host.dataSource, (tx) => other(tx, ticketId, partnerId, 3))).toBe('applied');
    expect(await inTransaction(sut.host.dataSource, (tx) => other(tx, ticketId, partnerId, 4))).toBe('applied');
    expect(await sut.query(`SELECT last_sequence FROM sla_timer.tickets WHERE ticket_id = $1`, [ticketId])).toEqual([{ last_sequence: 4 }]);
    // A ticket known before sequences were kept takes the event on the locked row, as before.
    await sut.query(`UPDATE sla_timer.tickets SET last_sequence = NULL WHERE ticket_id = $1`, [ticketId]);
    expect(await inTransaction(sut.host.dataSource, (tx) => other(tx, ticketId, partnerId, 9))).toBe('applied');
    expect(await sut.query(`SELECT last_sequence FROM sla_timer.tickets WHERE ticket_id = $1`, [ticketId])).toEqual([{ last_sequence: 9 }]);
  });

  it('a batch of tickets created and accepted steps their sequences in one statement at its end; a later event of one reads the stepped row (issue #15)', async () => {
    const partnerId = randomUUID();
    const unitOfWork = new RecordingUnitOfWork(sut.host.dataSource);
    const consumer = consumerOf('sla-timer-steps', unitOfWork);
    const at = clock.now().toISOString();
    const accepted = (ticketId: string, sequence: number, partner = partnerId) => message(TicketAcceptedV1, ticketId, { partnerId: partner, sequence, acceptedAt: at, via: 'api' });
    const tickets = Array.from({ length: 10 }, () => randomUUID());
    const [answered, replayed] = tickets;
    const openAndAccept = (some: string[]) => some.flatMap((t) => [message(TicketCreatedV1, t, createdData(partnerId)), accepted(t, 2)]);
    const messages = [
      ...openAndAccept(tickets.slice(0, 5)),
      accepted(answered, 3), // stepped again: deferred too
      message(TicketRespondedV1, answered, { partnerId, sequence: 4, respondedAt: at, authorId: 'agent-1', messageId: randomUUID() }), // reads the row: it must say 3
      accepted(answered, 5), // after the row was read: one statement on the row
      { ...accepted(replayed, 2), event: { ...accepted(replayed, 2).event!, id: randomUUID() } }, // the same step under another id: a duplicate
      ...openAndAccept(tickets.slice(5)),
    ];
    let handled = 0;
    await consumer.consumeBatch(messages, { handled: (n) => (handled = n), isRunning: () => true, heartbeat: async () => undefined });
    expect(handled).toBe(messages.length);
    const { log } = unitOfWork;
    expect(unitOfWork.transactions).toBe(1);
    // Per ticket one opening. The steps the batch set itself: the first five tickets' in one UPDATE,
    // written before the response read its row; the last five's in one at the end. The step after
    // the read and the replay's try: one statement each on the row.
    expect(count(log, /INSERT INTO "sla_timer"\.tickets/)).toBe(10);
    expect(count(log, /UPDATE "sla_timer"\.tickets t SET last_sequence = s\.sequence/)).toBe(2);
    expect(count(log, /UPDATE "sla_timer"\.tickets SET last_sequence = \$3::int/)).toBe(2); // the step after the read; the replay's try
    const rows = await sut.query<{ ticket_id: string; last_sequence: number }>(`SELECT ticket_id, last_sequence FROM sla_timer.tickets WHERE ticket_id = ANY($1)`, [tickets]);
    expect(Object.fromEntries(rows.map((r) => [r.ticket_id, r.last_sequence]))).toEqual(Object.fromEntries(tickets.map((t) => [t, t === answered ? 5 : 2])));
    const [clockOfAnswered] = await sut.query<{ status: string }>(`SELECT status FROM sla_timer.response_clocks WHERE ticket_id = $1`, [answered]);
    expect(clockOfAnswered.status).toBe('met');
  });

  it('a step the batch cannot vouch for still goes to the row: another partner’s event, a gap and a replay are told apart as before', async () => {
    const partnerId = randomUUID();
    const ticketId = randomUUID();
    const log: string[] = [];
    await inTransaction(sut.host.dataSource, async (raw) => {
      const tx = recorded(raw, log);
      const batch = new TransactionWrites({ tx, outbox: sut.host.outbox, now: clock.now(), logger });
      const inBatch = { ...deps, batch };
      const step = (sequence: number, partner = partnerId) => applyTicketEvent(tx, inBatch, { ticketId, partnerId: partner, sequence, fact: { kind: 'other' } }, clock.now());
      expect(await applyTicketCreated(tx, inBatch, { ticketId, partnerId, reference: 'TSS-01234-56789', requesterId: null, product: null, level: 'standard', receivedAt: clock.now(), sequence: 1 }, clock.now())).toBe('applied');
      await expect(step(2, randomUUID())).rejects.toBeInstanceOf(NotYet); // another partner's
      await expect(step(3)).rejects.toBeInstanceOf(NotYet); // a gap: 3 waits for 2
      log.length = 0;
      expect(await step(2)).toBe('applied'); // the row says 1, as the opening left it: one statement
      expect(log).toHaveLength(1);
      expect(await step(3)).toBe('applied'); // after a step on the row: deferred
      expect(await step(3)).toBe('duplicate'); // the deferred step is written before the row is asked
      await batch.flushAll();
    });
    expect(await sut.query(`SELECT last_sequence FROM sla_timer.tickets WHERE ticket_id = $1`, [ticketId])).toEqual([{ last_sequence: 3 }]);
  });

  it('ticket.accepted through the consumer: in order it applies, out of order it waits (NotYet) and applies once its predecessor has', async () => {
    const partnerId = randomUUID();
    const ticketId = randomUUID();
    const consumer = consumerOf('sla-timer-order', sut.host.unitOfWork, { retryBaseMs: 5, maxRetryDelayMs: 20, notYetMaxWaitMs: 10_000 });
    const accepted = (sequence: number) => message(TicketAcceptedV1, ticketId, { partnerId, sequence, acceptedAt: clock.now().toISOString(), via: 'api' });
    const early = consumer.consume(accepted(2));
    expect(await consumer.consume(message(TicketCreatedV1, ticketId, createdData(partnerId)))).toBe('handled');
    expect(await early).toBe('handled');
    expect(await sut.query(`SELECT last_sequence FROM sla_timer.tickets WHERE ticket_id = $1`, [ticketId])).toEqual([{ last_sequence: 2 }]);
  });

  it('policies read once per transaction: a PUT committed meanwhile is taken by the next transaction, and each clock keeps the version it started under', async () => {
    const partnerId = randomUUID();
    const [first, second, third] = [randomUUID(), randomUUID(), randomUUID()];
    const agreement = { ...DEFAULT_POLICY, levels: { ...DEFAULT_POLICY.levels, standard: { targetMs: 2 * HOUR, phoneSupport: true } } };
    const log: string[] = [];
    await inTransaction(sut.host.dataSource, async (raw) => {
      const tx = recorded(raw, log);
      await create(tx, first, partnerId);
      // An admin's PUT, in a transaction of its own, commits between two events of this batch.
      await inTransaction(sut.host.dataSource, (put) => policyStore.append(put, partnerId, agreement, { at: clock.now(), by: 'admin-1' }));
      await create(tx, second, partnerId);
    });
    expect(count(log, /sla_policies/)).toBe(1);
    await inTransaction(sut.host.dataSource, (tx) => create(tx, third, partnerId));
    expect(await clocksOf([first, second, third])).toEqual([
      { ticket_id: first, policy_scope: 'default', policy_version: 1, target_ms: String(12 * HOUR) },
      { ticket_id: second, policy_scope: 'default', policy_version: 1, target_ms: String(12 * HOUR) },
      { ticket_id: third, policy_scope: partnerId, policy_version: 1, target_ms: String(2 * HOUR) },
    ]);
  });
});
