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

describe('docs/adr/0030: a warning already passed over never fires, whatever order its timers fire in', () => {
  const SECOND = 1_000;
  const MINUTE = 60 * SECOND;
  const t0 = new Date('2026-03-02T09:00:00.000Z');
  const after = (ms: number) => new Date(t0.getTime() + ms);
  // The outside tester's agreement: emergency 2 min, warnings at 50/75/90 % (60 s, 90 s, 108 s).
  const short: PolicyVersion = {
    scope: 'partner-1',
    version: 1,
    policy: {
      ...DEFAULT_POLICY,
      levels: {
        emergency: { targetMs: 2 * MINUTE, phoneSupport: false },
        standard: { targetMs: 3 * MINUTE, phoneSupport: false },
        consulting: { targetMs: 4 * MINUTE, phoneSupport: false },
        development: DEFAULT_POLICY.levels.development,
      },
    },
  };
  type Published = { kind: string; threshold?: number; last?: true };

  type Clock = ReturnType<typeof startClock>;
  /** A clock and its one pending timer, as the store keeps them. */
  type Stored = { clock: Clock; pending: ReturnType<typeof nextTimerFor> };
  /** As a start or a re-target at `now` leaves it: the next milestone pending (`syncClockTimers`). */
  const stored = (clock: Clock, now: Date): Stored => ({ clock, pending: nextTimerFor(clock, now) });

  /** The worker at `now`: fires the pending timer while it is due, scheduling the next each time. */
  const runDue = (start: Stored, now: Date): Stored & { published: Published[] } => {
    let { clock: current, pending } = start;
    const published: Published[] = [];
    while (pending && pending.dueAt.getTime() <= now.getTime()) {
      const fired = fireClockTimer(current, { kind: pending.kind, dueAt: pending.dueAt, threshold: pending.payload.threshold }, now);
      if (!fired) throw new Error(`timer ${pending.id} fired nothing and changed nothing: it would be scheduled again for ever`);
      current = fired.clock;
      published.push(...fired.effects.map((e) => (e.kind === 'warning' ? { kind: e.kind, threshold: e.threshold, ...(e.last ? { last: e.last } : {}) } : { kind: e.kind })));
      pending = nextTimerFor(current, now);
    }
    return { clock: current, pending, published };
  };

  it('downtime: stopped before 50 %, started just after 90 %: only the 90 % warning (last), then the breach', () => {
    const clock = startClock({ id: 'c9', level: 'emergency', startedAt: t0, startedBy: 'created', policy: short });
    // Stopped with the 50 % timer pending; started at 109 s.
    const restarted = runDue(stored(clock, t0), after(109 * SECOND));
    expect(restarted.published).toEqual([{ kind: 'warning', threshold: 0.9, last: true }]);
    // The two passed over are recorded as skipped, never as published.
    expect(restarted.clock).toMatchObject({ warningsPublished: [0.9], warningsSkipped: [0.5, 0.75] });
    const due = runDue(restarted, after(2 * MINUTE));
    expect(due.published).toEqual([{ kind: 'breached' }]);
  });

  it('re-target: consulting 4 min raised to emergency at +100 s (50 % and 75 % past, 90 % ahead): 75 %, then 90 %, then the breach', () => {
    const consulting = startClock({ id: 'c10', level: 'consulting', startedAt: t0, startedBy: 'created', policy: short });
    const raised = retarget(consulting, 'emergency', short);
    const atOnce = runDue(stored(raised, after(100 * SECOND)), after(100 * SECOND));
    expect(atOnce.published).toEqual([{ kind: 'warning', threshold: 0.75 }]);
    expect(atOnce.clock.warningsSkipped).toEqual([0.5]);
    const ninety = runDue(atOnce, after(108 * SECOND));
    expect(ninety.published).toEqual([{ kind: 'warning', threshold: 0.9, last: true }]);
    expect(runDue(ninety, after(2 * MINUTE)).published).toEqual([{ kind: 'breached' }]);
  });

  it.each([
    [[0.5, 0.75, 0.9]],
    [[0.9, 0.75, 0.5]],
    [[0.75, 0.5, 0.9]],
    [[0.5, 0.9, 0.75]],
  ])('timers claimed in the order %j (replicas, batches, an older clock with every timer pending): only the highest past warning is published', (order) => {
    const clock = startClock({ id: 'c11', level: 'emergency', startedAt: t0, startedBy: 'created', policy: short });
    let current = clock;
    const published: number[] = [];
    for (const threshold of order) {
      const warning = clock.warnings.find((w) => w.threshold === threshold)!;
      const fired = fireClockTimer(current, { kind: WARNING_TIMER, dueAt: warning.at, threshold }, after(109 * SECOND));
      if (!fired) continue;
      current = fired.clock;
      for (const e of fired.effects) if (e.kind === 'warning') published.push(e.threshold);
    }
    expect(published).toEqual([0.9]);
    expect([...current.warningsSkipped].sort()).toEqual([0.5, 0.75]);
  });

  it('no warning once the breach instant is past: the warning timer is skipped, the breach comes next', () => {
    const clock = startClock({ id: 'c12', level: 'emergency', startedAt: t0, startedBy: 'created', policy: short });
    const fired = fireClockTimer(clock, { kind: WARNING_TIMER, dueAt: after(60 * SECOND), threshold: 0.5 }, after(2 * MINUTE));
    expect(fired?.effects).toEqual([]);
    expect(fired?.clock).toMatchObject({ warningsPublished: [], warningsSkipped: [0.5] });
    expect(nextTimerFor(fired!.clock, after(2 * MINUTE))?.id).toBe('sla:c12:breach');
    expect(runDue(stored(clock, t0), after(2 * MINUTE)).published).toEqual([{ kind: 'breached' }]);
  });

  it('a warning below one already published is skipped even when its own instant is ahead of a lowered schedule', () => {
    // As an older release left it mid-way through the defect: 75 % published, 50 % still to come.
    const clock = { ...startClock({ id: 'c13', level: 'emergency', startedAt: t0, startedBy: 'created', policy: short }), warningsPublished: [0.75] };
    // Lowered to consulting at 95 s: its 50 % (120 s) is ahead, but lower than what went out.
    const lowered = retarget(clock, 'consulting', short);
    expect(timersFor(lowered, after(95 * SECOND)).map((t) => t.id)).toEqual(['sla:c13:warn:0.9', 'sla:c13:breach', 'sla:c13:overdue']);
    const fired = fireClockTimer(lowered, { kind: WARNING_TIMER, dueAt: lowered.warnings[0].at, threshold: 0.5 }, after(120 * SECOND));
    expect(fired).toEqual({ clock: { ...lowered, warningsSkipped: [0.5] }, effects: [] });
  });
});
