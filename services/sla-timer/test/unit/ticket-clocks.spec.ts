import type { ServiceLevel } from '@tss/contracts';
import { applyTicketFact, checkSequence, openTicket, sequenceGap, type ClockEffect, type TicketFact, type TicketSla } from '../../src/domain/ticket-clocks';
import type { ResponseClock } from '../../src/domain/response-clock';
import { DEFAULT_POLICY, type PolicyVersion } from '../../src/domain/sla-policy';

const receivedAt = new Date('2026-02-02T08:00:00.000Z');
const HOUR = 3_600_000;
const at = (hours: number) => new Date(receivedAt.getTime() + hours * HOUR);
const policy: PolicyVersion = { scope: 'default', version: 1, policy: DEFAULT_POLICY };
let ids = 0;
const env = (now: Date) => ({ newClockPolicy: policy, openClockPolicy: policy, newClockId: () => `clock-${(ids += 1)}`, now });

/** Plays facts on a new ticket, keeping the open clock as the store would. */
const play = (level: ServiceLevel, facts: [TicketFact, number][]) => {
  const opened = openTicket({ ticketId: 't1', partnerId: 'p1', requesterId: null, product: 'reader', level, receivedAt, sequence: 1 }, env(receivedAt));
  let ticket: TicketSla = opened.ticket;
  let open: ResponseClock | undefined = (opened.effects[0] as Extract<ClockEffect, { kind: 'started' }>).clock;
  const all: ClockEffect[] = [...opened.effects];
  for (const [fact, hours] of facts) {
    const result = applyTicketFact(ticket, open, fact, env(at(hours)));
    ticket = result.ticket;
    for (const e of result.effects) {
      all.push(e);
      open = e.clock.stoppedAt === undefined ? e.clock : undefined;
    }
  }
  return { ticket, open, effects: all.map((e) => (e.kind === 'stopped' ? `stopped:${e.clock.status}:${e.effects.map((s) => s.kind).join('+')}` : `${e.kind}:${e.clock.level}`)) };
};

describe('P5/P10/P11: which ticket events start, re-target and stop clocks', () => {
  it('P5: a new ticket owes its first response from when it was received', () => {
    const { open, effects } = play('standard', []);
    expect(effects).toEqual(['started:standard']);
    expect(open).toMatchObject({ startedAt: receivedAt, startedBy: 'created', dueAt: at(12) });
  });

  it('an agent reply in time meets it; the next requester message owes a new response', () => {
    const { open, effects } = play('standard', [
      [{ kind: 'responded', at: at(2) }, 2],
      [{ kind: 'message_received', at: at(3) }, 3],
    ]);
    expect(effects).toEqual(['started:standard', 'stopped:met:met', 'started:standard']);
    expect(open).toMatchObject({ startedAt: at(3), startedBy: 'requester_message', dueAt: at(15) });
  });

  it('a requester message while a response is owed starts nothing', () => {
    expect(play('standard', [[{ kind: 'message_received', at: at(1) }, 1]]).effects).toEqual(['started:standard']);
  });

  it.each(['awaiting_customer', 'resolved', 'closed', 'feature_request'] as const)('P10: status %s cancels the open clock', (to) => {
    const { open, effects } = play('standard', [[{ kind: 'status_changed', to, at: at(1) }, 1]]);
    expect(effects).toEqual(['started:standard', 'stopped:cancelled:cancelled']);
    expect(open).toBeUndefined();
  });

  it('P10: a support-side delay (status stays open) cancels nothing', () => {
    const { effects } = play('standard', [[{ kind: 'status_changed', to: 'open', reason: 'support_delay:needs_diagnostics', at: at(1) }, 1]]);
    expect(effects).toEqual(['started:standard']);
  });

  it('P10: the requester answering a wait owes a response again', () => {
    const { effects } = play('standard', [
      [{ kind: 'status_changed', to: 'awaiting_customer', reason: 'insufficient_information', at: at(1) }, 1],
      [{ kind: 'message_received', at: at(30) }, 30],
      [{ kind: 'status_changed', to: 'open', reason: 'requester_replied', at: at(30) }, 30],
    ]);
    expect(effects).toEqual(['started:standard', 'stopped:cancelled:cancelled', 'started:standard']);
  });

  it('a message on a resolved ticket or a feature request owes nothing; a reopening does (P11)', () => {
    const resolved = play('standard', [
      [{ kind: 'status_changed', to: 'resolved', at: at(1) }, 1],
      [{ kind: 'resolved', at: at(1) }, 1],
      [{ kind: 'message_received', at: at(2) }, 2],
    ]);
    expect(resolved.effects).toEqual(['started:standard', 'stopped:cancelled:cancelled']);
    expect(resolved.ticket.resolvedAt).toEqual(at(1));
    const reopened = play('standard', [
      [{ kind: 'status_changed', to: 'resolved', at: at(1) }, 1],
      [{ kind: 'reopened', at: at(5) }, 5],
    ]);
    expect(reopened.effects).toEqual(['started:standard', 'stopped:cancelled:cancelled', 'started:standard']);
    expect(reopened.open).toMatchObject({ startedBy: 'reopened', startedAt: at(5) });
    expect(reopened.ticket.resolvedAt).toBeNull();
    const feature = play('standard', [
      [{ kind: 'status_changed', to: 'feature_request', at: at(1) }, 1],
      [{ kind: 'message_received', at: at(2) }, 2],
    ]);
    expect(feature.effects).toEqual(['started:standard', 'stopped:cancelled:cancelled']);
  });

  it('P5: reclassification re-targets from the original start and may breach at once', () => {
    const { open, effects } = play('consulting', [[{ kind: 'level_changed', to: 'emergency', at: at(7) }, 7]]);
    expect(effects).toEqual(['started:consulting', 'retargeted:emergency']);
    expect(open).toMatchObject({ startedAt: receivedAt, dueAt: at(6), status: 'running' });
  });

  it('P5: a referral re-targets the running clock to 7 days', () => {
    const { open, effects } = play('standard', [[{ kind: 'level_changed', to: 'development', at: at(2) }, 2]]);
    expect(effects).toEqual(['started:standard', 'retargeted:development']);
    expect(open).toMatchObject({ owedBy: 'development', dueAt: at(7 * 24) });
  });

  it('P5: a referral with no response owed starts a 7-day clock owed by development', () => {
    const { open, effects } = play('standard', [
      [{ kind: 'responded', at: at(1) }, 1],
      [{ kind: 'level_changed', to: 'development', at: at(3) }, 3],
    ]);
    expect(effects).toEqual(['started:standard', 'stopped:met:met', 'started:development']);
    expect(open).toMatchObject({ startedBy: 'referral', owedBy: 'development', startedAt: at(3), dueAt: at(3 + 7 * 24) });
  });

  it('docs/adr/0030 addendum (fifth session): a referral after the breach ends the breached clock with the level and department that missed it; development gets its own 7-day clock from the referral', () => {
    // Standard is due at 12 h; referred at 13 h, before the breach timer fired: the breach is published on the way.
    const late = play('standard', [[{ kind: 'level_changed', to: 'development', at: at(13) }, 13]]);
    expect(late.effects).toEqual(['started:standard', 'stopped:breached:breached+cancelled', 'started:development']);
    expect(late.open).toMatchObject({ level: 'development', owedBy: 'development', startedBy: 'referral', status: 'running', startedAt: at(13), dueAt: at(13 + 7 * 24) });
    expect(late.open?.breachedAt).toBeUndefined();
    // Breach published by its timer first: no second breach, the clock ends breached under standard, owed by support.
    const opened = openTicket({ ticketId: 't3', partnerId: 'p1', requesterId: null, product: null, level: 'standard', receivedAt, sequence: 1 }, env(receivedAt));
    const standard = (opened.effects[0] as Extract<ClockEffect, { kind: 'started' }>).clock;
    const breached: ResponseClock = { ...standard, status: 'breached', breachPublishedAt: at(12), breachedAt: at(12), breachedLevel: 'standard' };
    const { ticket, effects } = applyTicketFact(opened.ticket, breached, { kind: 'level_changed', to: 'development', at: at(13) }, env(at(13)));
    expect(ticket.level).toBe('development');
    expect(effects).toEqual([
      { kind: 'stopped', clock: { ...breached, stoppedAt: at(13), stopReason: 'referred' }, effects: [{ kind: 'cancelled', reason: 'referred' }] },
      expect.objectContaining({ kind: 'started', clock: expect.objectContaining({ level: 'development', owedBy: 'development', startedAt: at(13), dueAt: at(13 + 7 * 24), status: 'running' }) }),
    ]);
  });

  it('docs/adr/0030 addendum (fifth session): reclassifying a breached clock re-targets it and keeps the level that missed it', () => {
    const opened = openTicket({ ticketId: 't4', partnerId: 'p1', requesterId: null, product: null, level: 'standard', receivedAt, sequence: 1 }, env(receivedAt));
    const standard = (opened.effects[0] as Extract<ClockEffect, { kind: 'started' }>).clock;
    const breached: ResponseClock = { ...standard, status: 'breached', breachPublishedAt: at(12), breachedAt: at(12), breachedLevel: 'standard' };
    const lowered = applyTicketFact(opened.ticket, breached, { kind: 'level_changed', to: 'consulting', at: at(13) }, env(at(13)));
    expect(lowered.effects).toEqual([expect.objectContaining({ kind: 'retargeted', previousLevel: 'standard' })]);
    expect(lowered.effects[0].clock).toMatchObject({ level: 'consulting', dueAt: at(24), status: 'breached', breachedAt: at(12), breachedLevel: 'standard' });
    // Lowered at 13 h before the breach timer fired: the breach is recorded and published under standard first.
    const late = play('standard', [[{ kind: 'level_changed', to: 'consulting', at: at(13) }, 13]]);
    expect(late.effects).toEqual(['started:standard', 'breached:standard', 'retargeted:consulting']);
    expect(late.open).toMatchObject({ level: 'consulting', dueAt: at(24), status: 'breached', breachedAt: at(12), breachedLevel: 'standard', breachPublishedAt: at(13) });
    // docs/adr/0030, addendum of 2026-12-05: the overdue notice stays standard's (1.5 × 12 h), not consulting's 36 h.
    expect(lowered.effects[0].clock.overdueAt).toEqual(at(18));
    expect(late.open?.overdueAt).toEqual(at(18));
  });

  it('P6: a feature request handed back to support owes a response from then (docs/adr/0029, addendum of 2026-12-04)', () => {
    const { open, effects } = play('standard', [
      [{ kind: 'status_changed', to: 'feature_request', at: at(1) }, 1],
      [{ kind: 'message_received', at: at(2) }, 2],
      [{ kind: 'status_changed', to: 'open', at: at(30) }, 30],
    ]);
    expect(effects).toEqual(['started:standard', 'stopped:cancelled:cancelled', 'started:standard']);
    expect(open).toMatchObject({ startedBy: 'returned_to_support', owedBy: 'support', startedAt: at(30), dueAt: at(42) });
  });

  it('P5: a referred ticket whose wait on the requester ended owes a 7-day response by development; an agent ending a wait owes nothing', () => {
    const referred = play('standard', [
      [{ kind: 'level_changed', to: 'development', at: at(1) }, 1],
      [{ kind: 'status_changed', to: 'referred', at: at(1) }, 1],
      [{ kind: 'status_changed', to: 'awaiting_customer', reason: 'cannot_reproduce', at: at(2) }, 2],
      [{ kind: 'status_changed', to: 'referred', at: at(50) }, 50],
    ]);
    expect(referred.effects).toEqual(['started:standard', 'retargeted:development', 'stopped:cancelled:cancelled', 'started:development']);
    expect(referred.open).toMatchObject({ startedBy: 'referral', owedBy: 'development', startedAt: at(50), dueAt: at(50 + 7 * 24) });
    const resumed = play('standard', [
      [{ kind: 'status_changed', to: 'awaiting_customer', reason: 'cannot_reproduce', at: at(1) }, 1],
      [{ kind: 'status_changed', to: 'open', at: at(5) }, 5],
    ]);
    expect(resumed.effects).toEqual(['started:standard', 'stopped:cancelled:cancelled']);
  });

  describe('docs/adr/0029, 0030 addenda of 2026-12-05: a referred ticket handed back to support', () => {
    /** Answered (nothing owed), then referred at 1 h: development's own 7-day clock from the referral. */
    const referredAnswered: [TicketFact, number][] = [
      [{ kind: 'responded', at: at(0.5) }, 0.5],
      [{ kind: 'level_changed', to: 'development', at: at(1) }, 1],
      [{ kind: 'status_changed', to: 'referred', at: at(1) }, 1],
    ];
    /** Intake's events of `PATCH {"status":"open","level":…}` at `hours`. */
    const handBack = (level: ServiceLevel, hours: number): [TicketFact, number][] => [
      [{ kind: 'level_changed', to: level, at: at(hours) }, hours],
      [{ kind: 'status_changed', to: 'open', at: at(hours) }, hours],
    ];

    it('development’s clock from the referral ends without a breach (returned_to_support); support owes a response at the named level from the hand-back', () => {
      // Handed back at 14 h: standard's 12 h from the referral would have passed during development's time.
      const { open, effects, ticket } = play('standard', [...referredAnswered, ...handBack('standard', 14)]);
      expect(effects).toEqual(['started:standard', 'stopped:met:met', 'started:development', 'stopped:cancelled:cancelled', 'started:standard']);
      expect(open).toMatchObject({ level: 'standard', owedBy: 'support', startedBy: 'returned_to_support', status: 'running', startedAt: at(14), dueAt: at(26) });
      expect(ticket).toMatchObject({ level: 'standard', status: 'open' });
    });

    it('the development clock ends cancelled, reason returned_to_support, at the hand-back', () => {
      const opened = openTicket({ ticketId: 't5', partnerId: 'p1', requesterId: null, product: null, level: 'standard', receivedAt, sequence: 1 }, env(receivedAt));
      const referral = applyTicketFact({ ...opened.ticket, level: 'development', status: 'referred' }, undefined, { kind: 'level_changed', to: 'development', at: at(1) }, env(at(1)));
      const development = (referral.effects[0] as Extract<ClockEffect, { kind: 'started' }>).clock;
      const { effects } = applyTicketFact(referral.ticket, development, { kind: 'level_changed', to: 'emergency', at: at(14) }, env(at(14)));
      expect(effects).toEqual([
        { kind: 'stopped', clock: { ...development, status: 'cancelled', stoppedAt: at(14), stopReason: 'returned_to_support' }, effects: [{ kind: 'cancelled', reason: 'returned_to_support' }] },
        expect.objectContaining({ kind: 'started', clock: expect.objectContaining({ level: 'emergency', owedBy: 'support', startedBy: 'returned_to_support', startedAt: at(14), dueAt: at(20) }) }),
      ]);
    });

    it('past development’s own due time the breach was development’s and stays so; support still starts fresh', () => {
      const { open, effects } = play('standard', [...referredAnswered, ...handBack('consulting', 1 + 7 * 24 + 2)]);
      expect(effects).toEqual(['started:standard', 'stopped:met:met', 'started:development', 'stopped:breached:breached+cancelled', 'started:consulting']);
      expect(open).toMatchObject({ level: 'consulting', owedBy: 'support', startedBy: 'returned_to_support', startedAt: at(1 + 7 * 24 + 2) });
    });

    it('a clock support owed before the referral keeps ADR 0029’s rule: re-targeted back from its original start (the requester has waited that long)', () => {
      const { open, effects } = play('standard', [
        [{ kind: 'level_changed', to: 'development', at: at(1) }, 1],
        [{ kind: 'status_changed', to: 'referred', at: at(1) }, 1],
        ...handBack('standard', 14),
      ]);
      // Due at 12 h, already past at the hand-back: its breach timer fires at once.
      expect(effects).toEqual(['started:standard', 'retargeted:development', 'retargeted:standard']);
      expect(open).toMatchObject({ level: 'standard', owedBy: 'support', startedBy: 'created', startedAt: receivedAt, dueAt: at(12) });
    });
  });

  it('a response after the due time ends the clock as breached', () => {
    const { effects } = play('emergency', [[{ kind: 'responded', at: at(7) }, 7]]);
    expect(effects).toEqual(['started:emergency', 'stopped:breached:breached+cancelled']);
  });

  it('DESIGN "Order": n+1 after n; earlier ones are duplicates; unknown tickets and gaps are not yet', () => {
    const ticket = openTicket({ ticketId: 't', partnerId: 'p', requesterId: null, product: null, level: 'standard', receivedAt, sequence: 1 }, env(receivedAt)).ticket;
    expect(checkSequence(undefined, 2)).toBe('not_yet');
    expect(checkSequence(ticket, 2)).toBe('apply');
    expect(checkSequence(ticket, 3)).toBe('not_yet');
    expect(checkSequence(ticket, 1)).toBe('duplicate');
    expect(checkSequence({ ...ticket, lastSequence: null }, 9)).toBe('apply');
  });

  it('docs/adr/0072, seventh session: what an operator may pass over is the numbers between the last applied and the event, and nothing without a gap', () => {
    const ticket = { ...openTicket({ ticketId: 't', partnerId: 'p', requesterId: null, product: null, level: 'standard', receivedAt, sequence: 1 }, env(receivedAt)).ticket, lastSequence: 2 };
    expect(sequenceGap(ticket, 4)).toEqual({ first: 3, last: 3 });
    expect(sequenceGap(ticket, 7)).toEqual({ first: 3, last: 6 });
    expect(sequenceGap(ticket, 3)).toBeUndefined();
    expect(sequenceGap(ticket, 2)).toBeUndefined();
    expect(sequenceGap({ ...ticket, lastSequence: null }, 9)).toBeUndefined();
  });
});

describe('docs/adr/0031: an agreement whose calendar cannot count a level still gives the ticket its clock', () => {
  const DAY = 86_400_000;
  /** Stored before validation refused it: 1 minute of business time a week, development in 90 days. */
  const sparse: PolicyVersion = {
    scope: 'partner-1',
    version: 3,
    policy: {
      ...DEFAULT_POLICY,
      levels: { ...DEFAULT_POLICY.levels, development: { targetMs: 90 * DAY, phoneSupport: false } },
      calendar: { timeZone: 'Europe/Berlin', week: { 1: [{ from: '09:00', to: '09:01' }] }, holidays: [] },
    },
  };
  const sparseEnv = (now: Date) => ({ newClockPolicy: sparse, openClockPolicy: sparse, newClockId: () => `clock-${(ids += 1)}`, now });

  it('ticket.created starts the clock under the agreement’s version, counted 24/7, flagged for a warning', () => {
    const { effects } = openTicket({ ticketId: 't2', partnerId: 'partner-1', requesterId: null, product: null, level: 'development', receivedAt, sequence: 1 }, sparseEnv(receivedAt));
    // Its stored 90 days are bound by the rules' 7 days in calendar time (P5; docs/adr/0031, addendum of 2026-12-04, sixth session).
    expect(effects).toEqual([{ kind: 'started', calendarFallback: true, clock: expect.objectContaining({ policy: { scope: 'partner-1', version: 3 }, targetMs: 7 * DAY, dueAt: new Date(receivedAt.getTime() + 7 * DAY) }) }]);
  });

  it('a level the calendar can count starts unflagged; re-targeting to one it cannot is flagged and counted 24/7 from the original start', () => {
    const opened = openTicket({ ticketId: 't3', partnerId: 'partner-1', requesterId: null, product: null, level: 'emergency', receivedAt, sequence: 1 }, sparseEnv(receivedAt));
    const [started] = opened.effects;
    expect(started).not.toHaveProperty('calendarFallback');
    const { effects } = applyTicketFact(opened.ticket, started.clock, { kind: 'level_changed', to: 'development', at: at(1) }, sparseEnv(at(1)));
    expect(effects).toEqual([expect.objectContaining({ kind: 'retargeted', calendarFallback: true, previousLevel: 'emergency', clock: expect.objectContaining({ level: 'development', dueAt: new Date(receivedAt.getTime() + 7 * DAY) }) })]);
  });
});
