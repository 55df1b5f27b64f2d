import type { Outbox, OutboxDraft } from '@tss/messaging';
import { TIMER_LATE_AFTER_MS, type FiredTimer, type ScheduleTimer, type TimerBatchHandler, type TimerStore } from '@tss/timers';
import type { Clock } from '@tss/service-kit';
import { BREACH_TIMER, fireClockTimer, nextTimerFor, OVERDUE_TIMER, WARNING_TIMER, type ClockTimerPayload } from '../domain/clock-timers';
import { clockTimeOf, type ClockTime, type ResponseClock } from '../domain/response-clock';
import { policyStore } from '../store/policy.store';
import { responseClockStore, type StoredClock } from '../store/response-clock.store';
import { countBreaches } from './sla-metrics';
import { timerEffectDrafts } from './sla-events.producer';

const payloadOf = (timer: FiredTimer): ClockTimerPayload => {
  const p = timer.payload as Partial<ClockTimerPayload> | null;
  if (!p || typeof p.clockId !== 'string') throw new Error(`timer ${timer.id}: no clock id in its payload`);
  return { clockId: p.clockId, ...(typeof p.threshold === 'number' ? { threshold: p.threshold } : {}) };
};

/**
 * How each clock of a batch measures time (a warning's `remainingMs` in the target's time): only
 * clocks counting business time need their policy's calendar, a statement per version they use;
 * a batch of 24/7 clocks reads none (docs/adr/0031, addendum of 2026-12-04, third session).
 */
const clockTimes = async (tx: Parameters<TimerBatchHandler>[1], clocks: readonly ResponseClock[]): Promise<(clock: ResponseClock) => ClockTime> => {
  const key = (c: ResponseClock) => `${c.policy.scope}\u0000${c.policy.version}`;
  const policies = new Map<string, Awaited<ReturnType<typeof policyStore.version>>>();
  for (const clock of clocks) {
    if (!clock.countsBusinessTime || policies.has(key(clock))) continue;
    policies.set(key(clock), await policyStore.version(tx, clock.policy.scope, clock.policy.version));
  }
  return (clock) => clockTimeOf(clock, policies.get(key(clock))?.policy);
};

/**
 * P7: a batch of clocks' warning, breach and overdue timers, fired in the one transaction that
 * marks them fired (docs/adr/0030, 0041): the claim's statement locks the batch's clocks too
 * (`clockClaimLock`, docs/adr/0054; a statement of its own otherwise), the pure domain
 * decides what each firing publishes, then one statement updates the clocks, writes every outbox
 * row and schedules each clock's next timer (docs/adr/0051). One round trip for the batch after
 * its claim, instead of four per timer. The clock records what was published, so each event goes out at most once per
 * clock and threshold, whichever replica fires it; a timer for a clock that moved on (stopped,
 * re-targeted, published already) does nothing.
 */
export const fireClockTimers = async (deps: { outbox: Outbox; clock: Clock; timers: TimerStore }, timers: readonly FiredTimer[], tx: Parameters<TimerBatchHandler>[1]) => {
  const firings = timers.map((timer) => ({ timer, ...payloadOf(timer) }));
  const stored = await responseClockStore.lockMany(tx, firings.map((f) => f.clockId));
  const now = deps.clock.now();
  const timeOf = await clockTimes(tx, [...stored.values()].map((c) => c.clock));
  // A clock's state as this batch leaves it (one pending timer per clock; older clocks may have had two).
  const changed = new Map<string, { owner: StoredClock; clock: ResponseClock }>();
  const drafts: OutboxDraft[] = [];
  for (const { timer, clockId, threshold } of firings) {
    const owner = stored.get(clockId);
    if (!owner) continue;
    const current = changed.get(clockId)?.clock ?? owner.clock;
    const fired = fireClockTimer(current, { kind: timer.kind, dueAt: timer.dueAt, ...(threshold !== undefined ? { threshold } : {}) }, now, timeOf(current));
    if (!fired) continue;
    changed.set(clockId, { owner, clock: fired.clock });
    drafts.push(...timerEffectDrafts(owner, fired.clock, fired.effects, { at: timer.claimedAt, lateAfterMs: TIMER_LATE_AFTER_MS }));
  }
  const clocks = [...changed.values()].map((c) => c.clock);
  // The one pending timer of each clock was the one that fired: only the next needs scheduling,
  // in the statement that updates the clocks.
  const next = clocks.map((clock) => nextTimerFor(clock, now)).filter((t): t is NonNullable<typeof t> => t !== undefined);
  // The clocks, their events and their next timers in one statement (docs/adr/0051).
  const events = drafts.length > 0 ? [deps.outbox.addAllStatement(drafts, 2, tx)] : [];
  const timersFrom = 2 + events.reduce((n, e) => n + e.params.length, 0);
  await responseClockStore.recordFirings(tx, clocks, [...events, deps.timers.scheduleAllStatement(next satisfies ScheduleTimer[], timersFrom)]);
  countBreaches(drafts);
};

/** The timer kinds of response clocks, each with a clock id in its payload. */
export const CLOCK_TIMER_KINDS = [WARNING_TIMER, BREACH_TIMER, OVERDUE_TIMER] as const;

/** The batch handler of each clock timer kind, for the service's `TimerWorker`. */
export const clockTimerBatchHandlers = (deps: { outbox: Outbox; clock: Clock; timers: TimerStore }): Record<string, TimerBatchHandler> => {
  const handle: TimerBatchHandler = (timers, tx) => fireClockTimers(deps, timers, tx);
  return { [WARNING_TIMER]: handle, [BREACH_TIMER]: handle, [OVERDUE_TIMER]: handle };
};
