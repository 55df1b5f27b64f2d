import type { EntityManager } from 'typeorm';
import {
  SlaBreachedV1,
  SlaClockCancelledV1,
  SlaClockStartedV1,
  SlaMetV1,
  SlaOverdueV1,
  SlaRetargetedV1,
  SlaWarningV1,
  type ServiceLevel,
} from '@tss/contracts';
import { outboxDraft, type OutboxDraft, type OutboxWriter } from '@tss/messaging';
import type { TimerStore } from '@tss/timers';
import { allTimerIds, nextTimerFor, type TimerEffect } from '../domain/clock-timers';
import type { ResponseClock, StopEffect } from '../domain/response-clock';
import { countBreaches } from './sla-metrics';

/**
 * Whose clock: the ticket (the events' subject) and its partner (tenancy for every consumer), and
 * the ticket event that started or last re-targeted the clock (`ticketSequence`; null for a clock
 * started before it was kept).
 */
export interface ClockOwnerRef {
  ticketId: string;
  partnerId: string;
  ticketSequence: number | null;
}

/**
 * `ticketSequence`: the ticket event the event follows, so a webhook endpoint gets it after that one
 * (docs/adr/0066, addendum of 2026-12-05): the clock's start or last re-target unless the event has
 * a cause of its own (a response meeting the clock, a status ending it).
 */
const base = (owner: ClockOwnerRef, clock: ResponseClock, ticketSequence: number | null = owner.ticketSequence) => ({
  partnerId: owner.partnerId,
  clockId: clock.id,
  level: clock.level,
  policyScope: clock.policy.scope,
  policyVersion: clock.policy.version,
  ...(ticketSequence === null ? {} : { ticketSequence }),
});

/**
 * Keeps a clock's timers in step with it, in the transaction that changed it (P5, docs/adr/0030):
 * its next timer scheduled (or re-targeted), every other one cancelled in one statement. A clock
 * that has just `started` has no timers to cancel (its id, and so its timers' ids, are new).
 */
export const syncClockTimers = async (tx: EntityManager, timers: TimerStore, clock: ResponseClock, now: Date, options: { started?: boolean } = {}): Promise<void> => {
  const next = nextTimerFor(clock, now);
  if (!options.started) await timers.cancelAll(tx, allTimerIds(clock).filter((id) => id !== next?.id));
  if (next) await timers.schedule(tx, next);
};

/** P12: `phoneSupport` is the clock's agreement's term at the clock's level (escalation's call-back task on emergencies). */
export const publishStarted = (tx: EntityManager, outbox: OutboxWriter, owner: ClockOwnerRef, clock: ResponseClock, terms: { phoneSupport: boolean }) =>
  outbox.add(tx, SlaClockStartedV1, owner.ticketId, {
    ...base(owner, clock),
    startedAt: clock.startedAt.toISOString(),
    dueAt: clock.dueAt.toISOString(),
    targetMs: clock.targetMs,
    owedBy: clock.owedBy,
    phoneSupport: terms.phoneSupport,
  });

/** P12: `phoneSupport` as in `publishStarted`, at the new level (escalation's call-back on a raise to emergency). */
export const publishRetargeted = (tx: EntityManager, outbox: OutboxWriter, owner: ClockOwnerRef, clock: ResponseClock, previousLevel: ServiceLevel, terms: { phoneSupport: boolean }) =>
  outbox.add(tx, SlaRetargetedV1, owner.ticketId, {
    ...base(owner, clock),
    previousLevel,
    startedAt: clock.startedAt.toISOString(),
    dueAt: clock.dueAt.toISOString(),
    targetMs: clock.targetMs,
    owedBy: clock.owedBy,
    phoneSupport: terms.phoneSupport,
  });

/** The breach happened at the due time the clock had then; the clock keeps that instant (`breachedAt`). */
const breachedData = (owner: ClockOwnerRef, clock: ResponseClock, lateness?: { latenessMs: number; late: boolean }) => ({
  ...base(owner, clock),
  dueAt: clock.dueAt.toISOString(),
  breachedAt: (clock.breachedAt ?? clock.dueAt).toISOString(),
  ...lateness,
});

/** A breach an event found unpublished (its timer had not fired): published in the event's transaction. */
export const publishBreached = async (tx: EntityManager, outbox: OutboxWriter, owner: ClockOwnerRef, clock: ResponseClock) => {
  const data = breachedData(owner, clock);
  await outbox.add(tx, SlaBreachedV1, owner.ticketId, data);
  countBreaches([{ contract: SlaBreachedV1, data }]);
};

/**
 * What a clock's end publishes: a breach not published before (it happened at the due time, so it
 * follows the clock's start, not the ending event), then `sla.met` or `sla.clock_cancelled`, which
 * follow `endedBy`, the ticket event that ended the clock.
 */
export const publishStopped = async (tx: EntityManager, outbox: OutboxWriter, owner: ClockOwnerRef, clock: ResponseClock, effects: readonly StopEffect[], endedBy: number) => {
  for (const effect of effects) {
    if (effect.kind === 'breached') await publishBreached(tx, outbox, owner, clock);
    else if (effect.kind === 'met') {
      await outbox.add(tx, SlaMetV1, owner.ticketId, {
        ...base(owner, clock, endedBy),
        dueAt: clock.dueAt.toISOString(),
        respondedAt: (clock.respondedAt ?? clock.stoppedAt ?? clock.dueAt).toISOString(),
        elapsedMs: effect.elapsedMs,
        targetMs: clock.targetMs,
      });
    } else {
      await outbox.add(tx, SlaClockCancelledV1, owner.ticketId, {
        ...base(owner, clock, endedBy),
        cancelledAt: (clock.stoppedAt ?? clock.dueAt).toISOString(),
        reason: effect.reason,
        ...(effect.respondedAt ? { respondedAt: effect.respondedAt.toISOString() } : {}),
      });
    }
  }
};

/**
 * What a fired timer publishes, each event marked with its own lateness (from the instant it was
 * due: a breach published by an overdue timer that fired first is as late as the breach is).
 * Drafts, so a fired batch writes every clock's events in one outbox statement.
 */
export const timerEffectDrafts = (
  owner: ClockOwnerRef,
  clock: ResponseClock,
  effects: readonly TimerEffect[],
  fired: { at: Date; lateAfterMs: number },
): OutboxDraft[] => {
  const lateness = (dueAt: Date) => {
    const latenessMs = Math.max(0, fired.at.getTime() - dueAt.getTime());
    return { latenessMs, late: latenessMs > fired.lateAfterMs };
  };
  return effects.map((effect) => {
    if (effect.kind === 'breached') return outboxDraft(SlaBreachedV1, owner.ticketId, breachedData(owner, clock, lateness(clock.breachedAt ?? clock.dueAt)));
    if (effect.kind === 'warning') {
      const at = clock.warnings.find((w) => w.threshold === effect.threshold)?.at ?? clock.dueAt;
      return outboxDraft(SlaWarningV1, owner.ticketId, {
        ...base(owner, clock),
        dueAt: clock.dueAt.toISOString(),
        remainingMs: effect.remainingMs,
        threshold: effect.threshold,
        ...(effect.last ? { last: true as const } : {}),
        ...lateness(at),
      });
    }
    // The notice is about the deadline that was missed (docs/adr/0030, addenda of 2026-12-05): a clock
    // lowered after its breach names the breached level and due time, not the new level's, still ahead.
    return outboxDraft(SlaOverdueV1, owner.ticketId, {
      ...base(owner, clock),
      level: clock.breachedLevel ?? clock.level,
      dueAt: (clock.breachedAt ?? clock.dueAt).toISOString(),
      overdueMs: effect.overdueMs,
      ...lateness(clock.overdueAt),
    });
  });
};
