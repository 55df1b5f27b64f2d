import { BREACH_TIMER, fireClockTimer, nextTimerFor, OVERDUE_TIMER, timersFor, WARNING_TIMER } from '../../src/domain/clock-timers';
import { retarget, startClock } from '../../src/domain/response-clock';
import { DEFAULT_POLICY, type PolicyVersion } from '../../src/domain/sla-policy';

const startedAt = new Date('2026-01-10T00:00:00.000Z');
const policy: PolicyVersion = { scope: 'default', version: 1, policy: DEFAULT_POLICY };
const HOUR = 3_600_000;
const at = (hours: number) => new Date(startedAt.getTime() + hours * HOUR);
const clock = startClock({ id: 'c1', level: 'standard', startedAt, startedBy: 'created', policy });

describe('the timers of a clock', () => {
  it('one per warning threshold, the breach and the overdue notice, with stable ids', () => {
    expect(timersFor(clock, startedAt).map((t) => [t.id, t.kind, t.dueAt.toISOString()])).toEqual([
      ['sla:c1:warn:0.5', WARNING_TIMER, at(6).toISOString()],
      ['sla:c1:warn:0.75', WARNING_TIMER, at(9).toISOString()],
      ['sla:c1:warn:0.9', WARNING_TIMER, at(10.8).toISOString()],
      ['sla:c1:breach', BREACH_TIMER, at(12).toISOString()],
      ['sla:c1:overdue', OVERDUE_TIMER, at(18).toISOString()],
    ]);
  });

  it('only the next milestone is pending: firing one makes the next one due', () => {
    expect(nextTimerFor(clock, startedAt)?.id).toBe('sla:c1:warn:0.5');
    const afterHalf = fireClockTimer(clock, { kind: WARNING_TIMER, dueAt: at(6), threshold: 0.5 }, at(6))!.clock;
    expect(nextTimerFor(afterHalf, at(6))?.id).toBe('sla:c1:warn:0.75');
    // Two days later (downtime): the breach is past, so the remaining warnings are skipped.
    expect(nextTimerFor(afterHalf, at(48))?.id).toBe('sla:c1:breach');
    expect(nextTimerFor({ ...clock, stoppedAt: at(1) }, at(1))).toBeUndefined();
  });

  it('after a re-target, only the highest warning already past fires (at once), with the later ones', () => {
    // consulting (24 h) re-targeted to standard at hour 10: 50 % (6 h) and 75 % (9 h) are past.
    const consulting = startClock({ id: 'c1', level: 'consulting', startedAt, startedBy: 'created', policy });
    const ids = timersFor(retarget(consulting, 'standard', policy), at(10)).map((t) => t.id);
    expect(ids).toEqual(['sla:c1:warn:0.75', 'sla:c1:warn:0.9', 'sla:c1:breach', 'sla:c1:overdue']);
  });

  it('a re-target past the due time breaches at once, with no warnings', () => {
    const consulting = startClock({ id: 'c1', level: 'consulting', startedAt, startedBy: 'created', policy });
    const timers = timersFor(retarget(consulting, 'emergency', policy), at(7));
    expect(timers.map((t) => [t.id, t.dueAt.toISOString()])).toEqual([
      ['sla:c1:breach', at(6).toISOString()],
      ['sla:c1:overdue', at(9).toISOString()],
    ]);
  });

  it('each warning publishes once; a stale timer (re-targeted, stopped) does nothing', () => {
    const fired = fireClockTimer(clock, { kind: WARNING_TIMER, dueAt: at(6), threshold: 0.5 }, at(6));
    expect(fired?.effects).toEqual([{ kind: 'warning', threshold: 0.5, remainingMs: 6 * HOUR }]);
    expect(fireClockTimer(fired!.clock, { kind: WARNING_TIMER, dueAt: at(6), threshold: 0.5 }, at(6))).toBeUndefined();
    expect(fireClockTimer(clock, { kind: BREACH_TIMER, dueAt: at(11) }, at(11))).toBeUndefined();
    expect(fireClockTimer({ ...clock, stoppedAt: at(1) }, { kind: BREACH_TIMER, dueAt: at(12) }, at(12))).toBeUndefined();
  });

  it('P7: the last warning of the schedule says so (last: true), whatever its fraction; the others do not', () => {
    const fire = (c: typeof clock, threshold: number, hours: number) => fireClockTimer(c, { kind: WARNING_TIMER, dueAt: at(hours), threshold }, at(hours))!;
    expect(fire(clock, 0.75, 9).effects).toEqual([{ kind: 'warning', threshold: 0.75, remainingMs: 3 * HOUR }]);
    expect(fire(clock, 0.9, 10.8).effects).toEqual([{ kind: 'warning', threshold: 0.9, remainingMs: 1.2 * HOUR, last: true }]);
    const agreement: PolicyVersion = { scope: 'partner-1', version: 1, policy: { ...DEFAULT_POLICY, warningAt: [0.5, 0.8] } };
    const agreed = startClock({ id: 'c2', level: 'standard', startedAt, startedBy: 'created', policy: agreement });
    expect(fire(agreed, 0.5, 6).effects).toEqual([{ kind: 'warning', threshold: 0.5, remainingMs: 6 * HOUR }]);
    expect(fire(agreed, 0.8, 9.6).effects).toEqual([{ kind: 'warning', threshold: 0.8, remainingMs: 2.4 * HOUR, last: true }]);
  });

  it('the breach publishes once; an overdue notice fired first publishes the breach before it', () => {
    const breached = fireClockTimer(clock, { kind: BREACH_TIMER, dueAt: at(12) }, at(12));
    expect(breached?.clock).toMatchObject({ status: 'breached', breachedAt: at(12), breachedLevel: clock.level });
    expect(fireClockTimer(breached!.clock, { kind: BREACH_TIMER, dueAt: at(12) }, at(12))).toBeUndefined();
    const overdueFirst = fireClockTimer(clock, { kind: OVERDUE_TIMER, dueAt: at(18) }, at(18));
    expect(overdueFirst?.effects).toEqual([{ kind: 'breached' }, { kind: 'overdue', overdueMs: 6 * HOUR }]);
    expect(fireClockTimer(overdueFirst!.clock, { kind: BREACH_TIMER, dueAt: at(12) }, at(18))).toBeUndefined();
    expect(timersFor(breached!.clock, at(12)).map((t) => t.id)).toEqual(['sla:c1:overdue']);
  });
});
