import type { ServiceLevel } from '@tss/contracts';
import { businessTimeBetween } from './calendar';
import { scheduleFor, type PolicyVersion, type SlaPolicy } from './sla-policy';

/**
 * `running`: owed, not yet due. `breached`: its due time passed with no response (it may still be
 * open, or ended later). `met`: answered in time. `cancelled`: no response owed any more, before
 * it was due (P10 wait on the requester, resolution, closure, feature request).
 */
export type ClockStatus = 'running' | 'met' | 'breached' | 'cancelled';

/** P5: support owes the response, or the development department after a referral. */
export type ClockOwner = 'support' | 'development';

/**
 * What made the response owed; `returned_to_support`: a feature request handed back to support
 * (P6), or a referred ticket whose development clock started at the referral handed back to
 * support (docs/adr/0029, addendum of 2026-12-05).
 */
export type ClockStart = 'created' | 'requester_message' | 'reopened' | 'referral' | 'returned_to_support';

export interface PolicyRef {
  scope: string;
  version: number;
}

export interface ResponseClock {
  id: string;
  level: ServiceLevel;
  owedBy: ClockOwner;
  startedBy: ClockStart;
  status: ClockStatus;
  startedAt: Date;
  /**
   * The response time the due time keeps: the level's target under the clock's policy version, or
   * the rules' maximum for the level (calendar time) when the target, counted on the policy's
   * calendar, would fall due later (P5; docs/adr/0031, addendum of 2026-12-04, sixth session).
   */
  targetMs: number;
  /**
   * The due time counts business time on the policy's calendar (not set aside, and not bounded by
   * the rules' maximum; docs/adr/0031): elapsed and remaining time are then business time too, as
   * the target is.
   */
  countsBusinessTime: boolean;
  dueAt: Date;
  warnings: readonly { threshold: number; at: Date }[];
  overdueAt: Date;
  policy: PolicyRef;
  /** Thresholds whose `sla.warning` was published (each at most once per clock). */
  warningsPublished: readonly number[];
  /**
   * Thresholds passed over, never published: when they came up, a higher warning of the clock was
   * published or past already, or the breach was (after a downtime, a backlog or a re-target;
   * docs/adr/0030, addendum of 2026-12-05). In the order they were passed over.
   */
  warningsSkipped: readonly number[];
  /** When `sla.breached` was published; a published breach is never withdrawn. */
  breachPublishedAt?: Date;
  /**
   * The instant the breach happened: the due time the clock had when its breach was published (the
   * `breachedAt` that `sla.breached` carried). Kept through later re-targets (docs/adr/0030, addendum
   * of 2026-12-04, third session).
   */
  breachedAt?: Date;
  /**
   * The level the clock had when its breach happened: the level that missed it, under which the
   * report counts the clock whatever level it is re-targeted to later (docs/adr/0030, addendum of
   * 2026-12-04, fifth session).
   */
  breachedLevel?: ServiceLevel;
  overduePublishedAt?: Date;
  /** Set once no response is owed any more: answered, or cancelled. */
  stoppedAt?: Date;
  stopReason?: string;
  respondedAt?: Date;
}

export const isOpen = (clock: ResponseClock): boolean => clock.stoppedAt === undefined;

const owerOf = (level: ServiceLevel): ClockOwner => (level === 'development' ? 'development' : 'support');

/**
 * A clock as started or re-targeted, and whether its policy's calendar was set aside because it
 * cannot reach the level's times (`scheduleFor`; docs/adr/0031, addendum): worth a warning.
 */
export interface ScheduledClock {
  clock: ResponseClock;
  calendarFallback: boolean;
}

/** P5: a response owed from `startedAt`, on the schedule of the policy version in force. */
export const startScheduledClock = (args: { id: string; level: ServiceLevel; startedAt: Date; startedBy: ClockStart; policy: PolicyVersion }): ScheduledClock => {
  const schedule = scheduleFor(args.policy.policy, args.level, args.startedAt);
  return {
    clock: {
      id: args.id,
      level: args.level,
      owedBy: owerOf(args.level),
      startedBy: args.startedBy,
      status: 'running',
      startedAt: args.startedAt,
      targetMs: schedule.targetMs,
      countsBusinessTime: schedule.countsBusinessTime,
      dueAt: schedule.dueAt,
      warnings: schedule.warnings,
      overdueAt: schedule.overdueAt,
      policy: { scope: args.policy.scope, version: args.policy.version },
      warningsPublished: [],
      warningsSkipped: [],
    },
    calendarFallback: schedule.calendarFallback,
  };
};

export const startClock = (args: Parameters<typeof startScheduledClock>[0]): ResponseClock => startScheduledClock(args).clock;

/**
 * P5: reclassification (and referral, a reclassification to `development`) re-targets the clock
 * from its original start, under the policy version it started with. The new due time may be
 * past already: its breach timer then fires at once. A clock that breached stays breached: the
 * target and due time move (what the new level promises), its status, `breachedAt`,
 * `breachedLevel` and the overdue point (the breached level's) do not (docs/adr/0030, addenda of
 * 2026-12-04, third and fifth sessions, and of 2026-12-05). A referral after a breach does not
 * come here: see `applyTicketFact`.
 */
export const retargetScheduled = (clock: ResponseClock, level: ServiceLevel, policy: PolicyVersion): ScheduledClock => {
  const schedule = scheduleFor(policy.policy, level, clock.startedAt);
  // Once breached, the overdue notice stays the breached level's: the head of support hears of the
  // wait past the deadline that was missed, which a lower level would put off (docs/adr/0030,
  // addendum of 2026-12-05). A breach an older release recorded without its level: the clock's.
  const breachedLevel = clock.breachedLevel ?? (clock.breachedAt ? clock.level : undefined);
  const overdueAt = breachedLevel === undefined ? schedule.overdueAt : scheduleFor(policy.policy, breachedLevel, clock.startedAt).overdueAt;
  return {
    clock: {
      ...clock,
      level,
      owedBy: owerOf(level),
      targetMs: schedule.targetMs,
      countsBusinessTime: schedule.countsBusinessTime,
      dueAt: schedule.dueAt,
      warnings: schedule.warnings,
      overdueAt,
    },
    calendarFallback: schedule.calendarFallback,
  };
};

export const retarget = (clock: ResponseClock, level: ServiceLevel, policy: PolicyVersion): ResponseClock => retargetScheduled(clock, level, policy).clock;

/** Time a clock has used between two instants, in the time its target counts (0 when `to` is not after `from`). */
export type ClockTime = (from: Date, to: Date) => number;

/** Calendar time, 24/7. */
export const calendarTimeBetween: ClockTime = (from, to) => Math.max(0, to.getTime() - from.getTime());

/**
 * How a clock measures the time it used: business time on its policy's calendar when its schedule
 * counts one, else calendar time. `policy`: the clock's own version (needed only when it counts
 * business time).
 */
export const clockTimeOf = (clock: Pick<ResponseClock, 'countsBusinessTime'>, policy: SlaPolicy | undefined): ClockTime => {
  const calendar = clock.countsBusinessTime ? policy?.calendar : undefined;
  return calendar ? (from, to) => businessTimeBetween(calendar, from, to) : calendarTimeBetween;
};

/** Time used from the start to `at` (the end, or now while open), in the target's time. */
export const elapsedMsOf = (clock: ResponseClock, at: Date, time: ClockTime): number => time(clock.startedAt, at);

/**
 * Time left until the due time at `at`, in the target's time: negative once past it. The due time
 * is the target's worth of counted time after the start, so this is the target less the time used.
 */
export const remainingMsOf = (clock: ResponseClock, at: Date, time: ClockTime): number => clock.targetMs - elapsedMsOf(clock, at, time);

/** What stopping a clock publishes: a breach not yet published comes first (it happened). */
export type StopEffect =
  | { kind: 'breached' }
  | { kind: 'met'; elapsedMs: number }
  | { kind: 'cancelled'; reason: string; respondedAt?: Date };

/**
 * The instant past which a stop is a breach: when the breach happened, once it did (a later
 * re-target to a slower level moves the due time, not the breach), else the current due time.
 */
const deadlineOf = (clock: ResponseClock): Date => clock.breachedAt ?? clock.dueAt;

/**
 * `warningsSkipped` with every threshold up to `upTo` (all without it) that was neither published
 * nor skipped yet: warnings passed over are recorded, never published (docs/adr/0030, addendum of
 * 2026-12-05).
 */
export const skipWarnings = (clock: ResponseClock, upTo = Number.POSITIVE_INFINITY): readonly number[] => {
  const done = new Set([...clock.warningsPublished, ...clock.warningsSkipped]);
  const passed = clock.warnings.map((w) => w.threshold).filter((threshold) => threshold <= upTo && !done.has(threshold));
  return passed.length === 0 ? clock.warningsSkipped : [...clock.warningsSkipped, ...passed];
};

/**
 * A breach not published before is published now: it happened at the clock's current due time, and
 * the warnings it left unpublished were passed over.
 */
const breachOnStop = (clock: ResponseClock, now: Date): Pick<ResponseClock, 'status' | 'breachPublishedAt' | 'breachedAt' | 'breachedLevel' | 'warningsSkipped'> => ({
  status: 'breached',
  breachPublishedAt: clock.breachPublishedAt ?? now,
  breachedAt: clock.breachedAt ?? clock.dueAt,
  breachedLevel: clock.breachedLevel ?? clock.level,
  warningsSkipped: clock.breachPublishedAt === undefined ? skipWarnings(clock) : clock.warningsSkipped,
});

/**
 * A response given at `at` (`ticket.responded`): met when before the clock's deadline (P5), even
 * if a breach went out first because the event arrived after the breach timer fired (a published
 * event is never withdrawn; the response was in time). A response after the breach happened stays
 * a breach, even when a re-target to a slower level moved the due time past it (docs/adr/0030,
 * addendum of 2026-12-04, third session). Otherwise the clock had breached, and ends without a
 * response owed.
 */
export const respond = (clock: ResponseClock, at: Date, now: Date, time: ClockTime = calendarTimeBetween): { clock: ResponseClock; effects: StopEffect[] } => {
  const stopped: ResponseClock = { ...clock, stoppedAt: at, respondedAt: at, stopReason: 'responded' };
  if (at.getTime() < deadlineOf(clock).getTime()) {
    return { clock: { ...stopped, status: 'met' }, effects: [{ kind: 'met', elapsedMs: elapsedMsOf(clock, at, time) }] };
  }
  const breach: StopEffect[] = clock.breachPublishedAt === undefined ? [{ kind: 'breached' }] : [];
  return {
    clock: { ...stopped, ...breachOnStop(clock, now), stopReason: 'responded_after_breach' },
    effects: [...breach, { kind: 'cancelled', reason: 'responded_after_breach', respondedAt: at }],
  };
};

/**
 * Whether the clock had breached by `at`: its breach was published (never withdrawn), or `at` is
 * at or past the instant the breach happened (its breach timer may not have fired yet).
 */
export const hasBreachedBy = (clock: ResponseClock, at: Date): boolean =>
  clock.breachPublishedAt !== undefined || at.getTime() >= deadlineOf(clock).getTime();

/**
 * A breach that happened before an event changed the clock, its timer not fired yet (a late timer,
 * a backlog): recorded now, under the level, due time and owner that missed it, so the change
 * that follows (a re-target) cannot move it (docs/adr/0030, addendum of 2026-12-04, fifth session).
 */
export const recordBreach = (clock: ResponseClock, now: Date): ResponseClock => ({ ...clock, ...breachOnStop(clock, now) });

/**
 * A breached clock handed to another department (a referral to development) ends as it is:
 * breached, with the level, target, due time and owner that missed it; a breach not published yet
 * is published first (docs/adr/0030, addendum of 2026-12-04, fifth session). Only for a clock that
 * `hasBreachedBy` the hand-over.
 */
export const endBreached = (clock: ResponseClock, at: Date, reason: string, now: Date): { clock: ResponseClock; effects: StopEffect[] } => {
  const breach: StopEffect[] = clock.breachPublishedAt === undefined ? [{ kind: 'breached' }] : [];
  return { clock: { ...clock, stoppedAt: at, stopReason: reason, ...breachOnStop(clock, now) }, effects: [...breach, { kind: 'cancelled', reason }] };
};

/** No response is owed any more (P10, resolution, closure, feature request): the clock ends unanswered. */
export const cancel = (clock: ResponseClock, at: Date, reason: string, now: Date): { clock: ResponseClock; effects: StopEffect[] } => {
  const stopped: ResponseClock = { ...clock, stoppedAt: at, stopReason: reason };
  if (at.getTime() < deadlineOf(clock).getTime()) {
    return { clock: { ...stopped, status: 'cancelled' }, effects: [{ kind: 'cancelled', reason }] };
  }
  const breach: StopEffect[] = clock.breachPublishedAt === undefined ? [{ kind: 'breached' }] : [];
  return { clock: { ...stopped, ...breachOnStop(clock, now) }, effects: [...breach, { kind: 'cancelled', reason }] };
};
