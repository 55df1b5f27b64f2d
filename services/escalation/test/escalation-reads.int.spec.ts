import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { escalationService } from '../src';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { TimerStore } from '@tss/timers';
import { DEFAULT_RULES, type RuleCause } from '../src/domain/escalation-rules';
import { TransactionWrites } from '@tss/messaging';
import { writeCreatedTickets } from '../src/store/projection.store';
import { replaceRules } from '../src/use-cases/manage-settings';
import { raiseFor } from '../src/use-cases/raise-escalations';
import { raiseNow } from './support/raise-now';
import { countedStatements } from '@tss/persistence/testing';

const RULES_READ = 'FROM escalation.rule_sets';
const ROSTER_READ = 'FROM escalation.rosters';
const TICKET_READ = 'FROM escalation.tickets WHERE ticket_id';

// Issue #11: a consumer batch handles its events in one transaction; the rule set and the roster
// are read once per transaction, the ticket only when a rule matched (docs/adr/0047).
describe('escalation reads per event on PostgreSQL (issue #11)', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    sut = await startServiceUnderTest(escalationService, { clock });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const deps = () => ({ outbox: sut.host.outbox, timers: new TimerStore({ schema: 'escalation', clock }), logger: pino({ level: 'silent' }), renotifyAfterMs: 60_000 });
  const created = (ticketId: string, partnerId: string): RuleCause => ({ type: 'ticket.created', eventId: randomUUID(), ticketId, partnerId, level: 'standard' });
  const clockStarted = (ticketId: string, partnerId: string): RuleCause => ({ type: 'sla.clock_started', eventId: randomUUID(), ticketId, partnerId, level: 'standard', phoneSupport: false, clockId: randomUUID() });
  const lowRating = (ticketId: string, partnerId: string): RuleCause => ({ type: 'rating.submitted', eventId: randomUUID(), ticketId, partnerId, score: 1, surveyId: randomUUID() });
  const escalationsOf = async (ticketId: string) => (await sut.query(`SELECT rule FROM escalation.escalations WHERE ticket_id = $1 ORDER BY rule`, [ticketId])).map((r) => String(r.rule));

  it('a batch of events reads the rule set and the roster once, and no ticket for events no rule matches', async () => {
    const partnerId = randomUUID();
    const tickets = [randomUUID(), randomUUID(), randomUUID()];
    const counted = await sut.host.unitOfWork.run(async (tx) => {
      const c = countedStatements(tx);
      const writes = new TransactionWrites({ tx: c.tx, outbox: sut.host.outbox, now: clock.now(), logger: pino({ level: 'silent' }) });
      for (const ticketId of tickets) {
        writes.defer(writeCreatedTickets, { ticketId, partnerId, reference: `TSS-${ticketId.slice(0, 4)}`, level: 'standard', status: 'new', at: clock.now() });
        await raiseFor(c.tx, deps(), created(ticketId, partnerId), clock.now(), writes);
        await raiseFor(c.tx, deps(), clockStarted(ticketId, partnerId), clock.now(), writes);
        await raiseFor(c.tx, deps(), lowRating(ticketId, partnerId), clock.now(), writes);
      }
      await writes.flushAll();
      return c;
    });
    expect(counted.count(RULES_READ)).toBe(1);
    expect(counted.count(ROSTER_READ)).toBe(1);
    // ticket.created and sla.clock_started at level standard match no rule: only the ratings read their ticket.
    expect(counted.count(TICKET_READ)).toBe(tickets.length);
    for (const ticketId of tickets) expect(await escalationsOf(ticketId)).toEqual(['low-rating']);
    // Each raised escalation quotes its own ticket's reference.
    const summaries = await sut.query(`SELECT ticket_id, summary FROM escalation.escalations WHERE ticket_id = ANY($1::uuid[])`, [tickets]);
    expect(summaries).toHaveLength(tickets.length);
    for (const row of summaries) expect(String(row.summary).startsWith(`TSS-${String(row.ticket_id).slice(0, 4)}: `)).toBe(true);
  });

  it('rules replaced in the same transaction are the rules in force for its later events', async () => {
    const partnerId = randomUUID();
    const [before, after] = [randomUUID(), randomUUID()];
    await sut.host.unitOfWork.run(async (tx) => {
      expect((await raiseNow(tx, deps(), lowRating(before, partnerId), clock.now())).map((e) => e.rule)).toEqual(['low-rating']);
      const withoutLowRating = DEFAULT_RULES.filter((r) => r.id !== 'low-rating').map((r) => ({ ...r }));
      expect((await replaceRules(tx, withoutLowRating, { by: 'test', at: clock.now() })).ok).toBe(true);
      expect(await raiseNow(tx, deps(), lowRating(after, partnerId), clock.now())).toEqual([]);
    });
    // And in the next transaction, which reads them anew.
    const later = randomUUID();
    expect(await sut.host.unitOfWork.run((tx) => raiseNow(tx, deps(), lowRating(later, partnerId), clock.now()))).toEqual([]);
    await sut.host.unitOfWork.run((tx) => replaceRules(tx, DEFAULT_RULES.map((r) => ({ ...r })), { by: 'test', at: clock.now() }));
    const restored = randomUUID();
    expect((await sut.host.unitOfWork.run((tx) => raiseNow(tx, deps(), lowRating(restored, partnerId), clock.now()))).map((e) => e.rule)).toEqual(['low-rating']);
    expect(await escalationsOf(before)).toEqual(['low-rating']);
    expect(await escalationsOf(after)).toEqual([]);
  });
});
