import type { Outbox } from '@tss/messaging';
import { TIMER_LATE_AFTER_MS, type FiredTimer, type TimerHandler, type TimerStore } from '@tss/timers';
import { BREACH_TIMER, fireClockTimer, nextTimerFor, OVERDUE_TIMER, WARNING_TIMER, type ClockTimerPayload } from '../domain/clock-timers';
import { responseClockStore } from '../store/response-clock.store';
import type { Clock } from '@tss/service-kit';
import { publishTimerEffects } from './sla-events.producer';

const payloadOf = (timer: FiredTimer): ClockTimerPayload => {
  const p = timer.payload as Partial<ClockTimerPayload> | null;
  if (!p || typeof p.clockId !== 'string') throw new Error(`timer ${timer.id}: no clock id in its payload`);
  return { clockId: p.clockId, ...(typeof p.threshold === 'number' ? { threshold: p.threshold } : {}) };
};

/**
 * P7: a clock's warning, breach and overdue timers. Each runs in the transaction that marks the
 * timer fired, with the clock row locked; the clock records what was published, so each event goes
 * out at most once per clock and threshold, whichever replica fires it. It schedules the clock's
 * next timer in the same transaction (one pending per clock, docs/adr/0030).
 */
export const clockTimerHandlers = (deps: { outbox: Outbox; clock: Clock; timers: TimerStore }): Record<string, TimerHandler> => {
  const handle: TimerHandler = async (timer, tx) => {
    const { clockId, threshold } = payloadOf(timer);
    const stored = await responseClockStore.lock(tx, clockId);
    if (!stored) return;
    const now = deps.clock.now();
    const fired = fireClockTimer(stored.clock, { kind: timer.kind, dueAt: timer.dueAt, ...(threshold !== undefined ? { threshold } : {}) }, now);
    if (!fired) return; // the clock moved on: stopped, re-targeted, or published already
    await responseClockStore.update(tx, fired.clock);
    // The one pending timer of the clock was this one: only the next needs scheduling.
    const next = nextTimerFor(fired.clock, now);
    if (next) await deps.timers.schedule(tx, next);
    await publishTimerEffects(tx, deps.outbox, stored, fired.clock, fired.effects, { at: timer.claimedAt, lateAfterMs: TIMER_LATE_AFTER_MS });
  };
  return { [WARNING_TIMER]: handle, [BREACH_TIMER]: handle, [OVERDUE_TIMER]: handle };
};
