import { fireClockTimer, OVERDUE_TIMER, BREACH_TIMER, nextTimerFor } from '../../src/domain/clock-timers';
import { cancel, clockTimeOf, remainingMsOf, respond, retarget, startClock } from '../../src/domain/response-clock';
import { DEFAULT_POLICY, type PolicyVersion } from '../../src/domain/sla-policy';

const startedAt = new Date('2026-01-10T23:30:00.000Z');
const policy: PolicyVersion = { scope: 'default', version: 1, policy: DEFAULT_POLICY };
const HOUR = 3_600_000;
const at = (hours: number) => new Date(startedAt.getTime() + hours * HOUR);
const start = (level: 'emergency' | 'standard' | 'consulting' | 'development') => startClock({ id: 'c1', level, startedAt, startedBy: 'created', policy });

describe('P5 response clocks', () => {
  it.each([
    ['emergency', '2026-01-11T05:30:00.000Z'],
    ['standard', '2026-01-11T11:30:00.000Z'],
    ['consulting', '2026-01-11T23:30:00.000Z'],
    ['development', '2026-01-17T23:30:00.000Z'],
  ] as const)('P5: %s is due in calendar time, across midnight and weekends', (level, dueAt) => {
    expect(start(level).dueAt.toISOString()).toBe(dueAt);
  });

  it('keeps the policy version, the target, the warnings at 50/75/90 % and the overdue notice at 150 %', () => {
    const clock = start('standard');
    expect(clock).toMatchObject({ policy: { scope: 'default', version: 1 }, targetMs: 12 * HOUR, status: 'running', owedBy: 'support' });
    expect(clock.warnings.map((w) => [w.threshold, w.at.toISOString()])).toEqual([
      [0.5, at(6).toISOString()],
      [0.75, at(9).toISOString()],
      [0.9, at(10.8).toISOString()],
    ]);
    expect(clock.overdueAt).toEqual(at(18));
  });

  it('P5: reclassifying keeps the original start', () => {
    const emergency = retarget(start('consulting'), 'emergency', policy);
    expect(emergency.startedAt).toEqual(startedAt);
    expect(emergency.dueAt.toISOString()).toBe('2026-01-11T05:30:00.000Z');
    expect(emergency.targetMs).toBe(6 * HOUR);
  });

  it('P5: referral re-targets to 7 days from the original start, owed by development', () => {
    const referred = retarget(start('standard'), 'development', policy);
    expect(referred).toMatchObject({ level: 'development', owedBy: 'development', startedAt, dueAt: at(7 * 24) });
  });

  it('a response before the due time meets the clock', () => {
    const { clock, effects } = respond(start('emergency'), at(5), at(5));
    expect(clock).toMatchObject({ status: 'met', stoppedAt: at(5), respondedAt: at(5) });
    expect(effects).toEqual([{ kind: 'met', elapsedMs: 5 * HOUR }]);
  });

  it('a response after the due time, before the breach timer fired: the breach is published, then the clock ends', () => {
    const { clock, effects } = respond(start('emergency'), at(7), at(7));
    expect(clock).toMatchObject({ status: 'breached', stopReason: 'responded_after_breach', breachPublishedAt: at(7) });
    expect(effects).toEqual([{ kind: 'breached' }, { kind: 'cancelled', reason: 'responded_after_breach', respondedAt: at(7) }]);
  });

  it('P5: a response before the breach happened meets the clock, even when the breach went out first (the response event arrived late)', () => {
    const breached = { ...start('emergency'), status: 'breached' as const, breachPublishedAt: at(6.5), breachedAt: at(6) };
    const { clock, effects } = respond(breached, at(5), at(7));
    expect(clock.status).toBe('met');
    expect(effects).toEqual([{ kind: 'met', elapsedMs: 5 * HOUR }]);
    // Past the due time with the breach out already: no second breach, the clock ends.
    expect(respond(breached, at(7), at(7)).effects).toEqual([{ kind: 'cancelled', reason: 'responded_after_breach', respondedAt: at(7) }]);
  });

  it('docs/adr/0030 addendum (third session): a breach stays a breach when a re-target to a slower level moves the due time past it', () => {
    // A breach published under emergency (6 h), then a re-target to consulting (24 h): an answer at 8 h is still late.
    const breached = { ...start('emergency'), status: 'breached' as const, breachPublishedAt: at(6), breachedAt: at(6) };
    const longer = retarget(breached, 'consulting', policy);
    expect(longer).toMatchObject({ level: 'consulting', dueAt: at(24), status: 'breached', breachedAt: at(6) });
    const { clock, effects } = respond(longer, at(8), at(8));
    expect(clock).toMatchObject({ status: 'breached', breachedAt: at(6), stopReason: 'responded_after_breach' });
    expect(effects).toEqual([{ kind: 'cancelled', reason: 'responded_after_breach', respondedAt: at(8) }]);
    expect(cancel(longer, at(8), 'resolved', at(8)).clock).toMatchObject({ status: 'breached', breachedAt: at(6) });
  });

  describe('docs/adr/0030 addendum of 2026-12-05: once breached, the overdue notice stays the breached level’s', () => {
    /** Emergency (6 h) breached by its timer at 6 h. */
    const breachedEmergency = () => fireClockTimer(start('emergency'), { kind: BREACH_TIMER, dueAt: at(6) }, at(6))!.clock;

    it('lowered to consulting 30 min after the breach: the overdue point stays 1.5 × 6 h, and fires there', () => {
      const lowered = retarget(breachedEmergency(), 'consulting', policy);
      expect(lowered).toMatchObject({ level: 'consulting', dueAt: at(24), breachedLevel: 'emergency', overdueAt: at(9) });
      expect(nextTimerFor(lowered, at(6.5))).toMatchObject({ kind: OVERDUE_TIMER, dueAt: at(9) });
      // Measured from the breach that happened, not from the later due time a lower level shows.
      expect(fireClockTimer(lowered, { kind: OVERDUE_TIMER, dueAt: at(9) }, at(9))?.effects).toEqual([{ kind: 'overdue', overdueMs: 3 * HOUR }]);
    });

    it('re-targeted twice after the breach: still the breached level’s', () => {
      const twice = retarget(retarget(breachedEmergency(), 'development', policy), 'standard', policy);
      expect(twice).toMatchObject({ level: 'standard', overdueAt: at(9) });
    });

    it('a raise that breaches takes the new level’s overdue point', () => {
      const raised = retarget(start('consulting'), 'emergency', policy);
      expect(raised).toMatchObject({ dueAt: at(6), overdueAt: at(9) });
      const breached = fireClockTimer(raised, { kind: BREACH_TIMER, dueAt: at(6) }, at(7))!.clock;
      expect(breached).toMatchObject({ breachedLevel: 'emergency', overdueAt: at(9) });
    });
  });

  it('the breach happens at the due time the clock has when it is published', () => {
    expect(respond(start('emergency'), at(7), at(7)).clock).toMatchObject({ breachedAt: at(6), breachedLevel: 'emergency' });
  });

  it('P10: cancelling before the due time publishes sla.clock_cancelled only', () => {
    const { clock, effects } = cancel(start('standard'), at(1), 'awaiting_customer', at(1));
    expect(clock).toMatchObject({ status: 'cancelled', stopReason: 'awaiting_customer' });
    expect(effects).toEqual([{ kind: 'cancelled', reason: 'awaiting_customer' }]);
  });
  it('docs/adr/0031 addendum (third session): a clock on a calendar measures elapsed and remaining time in business time, as its target', () => {
    const hours = [{ from: '09:00', to: '13:00' }, { from: '14:00', to: '18:00' }];
    const levels = { ...DEFAULT_POLICY.levels, standard: { targetMs: 4 * HOUR, phoneSupport: false } };
    const agreement: PolicyVersion = { scope: 'p1', version: 1, policy: { ...DEFAULT_POLICY, levels, calendar: { timeZone: 'UTC', week: { 1: hours, 2: hours, 3: hours, 4: hours, 5: hours }, holidays: [] } } };
    // Monday 12:00 UTC, standard (4 business hours): 1 h before lunch, 3 h after, due 17:00.
    const clock = startClock({ id: 'c2', level: 'standard', startedAt: new Date('2026-06-08T12:00:00.000Z'), startedBy: 'created', policy: agreement });
    expect(clock).toMatchObject({ countsBusinessTime: true, targetMs: 4 * HOUR, dueAt: new Date('2026-06-08T17:00:00.000Z') });
    const time = clockTimeOf(clock, agreement.policy);
    expect(remainingMsOf(clock, new Date('2026-06-08T13:30:00.000Z'), time)).toBe(3 * HOUR);
    expect(respond(clock, new Date('2026-06-08T15:00:00.000Z'), new Date('2026-06-08T15:00:00.000Z'), time).effects).toEqual([{ kind: 'met', elapsedMs: 2 * HOUR }]);
    expect(start('standard').countsBusinessTime).toBe(false);
  });

  it('P5 (docs/adr/0031, addendum of 2026-12-04, sixth session): a calendar clock bounded by the rules’ maximum counts calendar time toward it', () => {
    const hours = [{ from: '09:00', to: '17:00' }];
    const agreement: PolicyVersion = { scope: 'p1', version: 1, policy: { ...DEFAULT_POLICY, calendar: { timeZone: 'UTC', week: { 1: hours, 2: hours, 3: hours, 4: hours, 5: hours }, holidays: [] } } };
    // Friday 15:00 UTC, standard: 12 business hours would end Tuesday 10:00; the rules' 12 hours end Saturday 03:00.
    const clock = startClock({ id: 'c3', level: 'standard', startedAt: new Date('2026-06-05T15:00:00.000Z'), startedBy: 'created', policy: agreement });
    expect(clock).toMatchObject({ countsBusinessTime: false, targetMs: 12 * HOUR, dueAt: new Date('2026-06-06T03:00:00.000Z') });
    const time = clockTimeOf(clock, agreement.policy);
    expect(remainingMsOf(clock, new Date('2026-06-05T23:00:00.000Z'), time)).toBe(4 * HOUR);
    expect(respond(clock, new Date('2026-06-06T02:00:00.000Z'), new Date('2026-06-06T02:00:00.000Z'), time).effects).toEqual([{ kind: 'met', elapsedMs: 11 * HOUR }]);
    // Re-targeted from the same start, the bound holds at the new level.
    expect(retarget(clock, 'emergency', agreement).dueAt).toEqual(new Date('2026-06-05T21:00:00.000Z'));
  });
});
